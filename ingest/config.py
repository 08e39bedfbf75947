"""Where things live and the limits that protect the service; all overridable from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = Path(os.environ.get("KUNSKAPSBANK_CORPUS", REPO_ROOT / "corpus"))
GOALS_DIR = CORPUS_DIR / "goals"


def goals_dir() -> Path:
    """The goal frameworks in use: `--goals-dir` / $KUNSKAPSBANK_GOALS, else corpus/goals."""
    return Path(os.environ.get("KUNSKAPSBANK_GOALS") or GOALS_DIR)


# The team's shared folder (seed texts, real third-party files) sits beside the checkout; tests,
# evaluations and corpus builders find it here, never through a path of one machine.
SHARED_DIR = Path(os.environ.get("KUNSKAPSBANK_SHARED", REPO_ROOT.parent / "shared"))
SEEDS_DIR = Path(os.environ.get("KUNSKAPSBANK_SEEDS", SHARED_DIR / "seeds"))
REAL_CORPUS_DIR = Path(os.environ.get("KUNSKAPSBANK_REAL_CORPUS", SHARED_DIR / "corpus-real"))

# The one threshold for showing a goal link: an inferred link counts toward a goal (pages, counts, the goal
# map, the search index's goal facet) and is shown by default when its score — a calibrated probability
# (ingest/enrich/goal_model.py) — is at least this; confirmed and explicit links always do. Weaker links are
# shown only when asked for (/mal/{id}?min=0.25). Chosen for the trained linker: precision of shown links
# 0.96 on the dev descriptions, 0.88 cross-validated (bench/eval_linking.py).
GOAL_LINK_SHOWN_MIN = 0.6


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = int(os.environ.get("KUNSKAPSBANK_MAX_FILE_MB", "50")) * 1024 * 1024
    max_pdf_pages: int = int(os.environ.get("KUNSKAPSBANK_MAX_PDF_PAGES", "2000"))
    max_unzipped_bytes: int = 200 * 1024 * 1024  # .docx is a zip: bound what it may expand to
    # ~1,000 pages of dense text; entity and goal analysis cost grows with it (a text bomb is refused)
    max_text_chars: int = int(os.environ.get("KUNSKAPSBANK_MAX_TEXT_CHARS", "3000000"))
    # the most any one converter may take (each declares its own budget in ingest/convert/registry.py)
    max_seconds_per_file: float = float(os.environ.get("KUNSKAPSBANK_MAX_SECONDS", "120"))
    # scanned pages read with OCR in one document (each page has its own time and memory budget)
    max_ocr_pages: int = int(os.environ.get("KUNSKAPSBANK_MAX_OCR_PAGES", "300"))


@dataclass(frozen=True)
class DataDir:
    """Layout of the data directory: catalogue, search index and kept originals."""

    root: Path

    @classmethod
    def resolve(cls, cli_value: str | os.PathLike | None = None) -> "DataDir":
        value = cli_value or os.environ.get("KUNSKAPSBANK_DATA") or "data"
        return cls(Path(value).resolve())

    @property
    def catalogue(self) -> Path:
        return self.root / "catalogue.sqlite3"

    @property
    def index(self) -> Path:
        return self.root / "index"

    @property
    def originals(self) -> Path:
        return self.root / "originals"

    def ensure(self) -> "DataDir":
        for path in (self.root, self.index, self.originals):
            path.mkdir(parents=True, exist_ok=True)
        return self
