"""Fingerprints of what made a stored document: the knowledge behind its entities and goal links, and
the readers behind its text and metadata.

Goal frameworks, gazetteers, synonyms, section-type rules, the Swedish analysis and the enrichment code:
when any of them changes, stored documents are out of date although their files are not, and `kunskapsbank
reanalyse` (run by `ingest` too) links them again from their stored text. When the converters or the
metadata rules change, the next ingest reads unchanged files again.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from ingest import config

ENRICH_CODE = Path(__file__).resolve().parent
CONVERT_CODE = ENRICH_CODE.parent / "convert"


def _files(folder: Path, patterns: tuple[str, ...]) -> list[Path]:
    return sorted(p for pattern in patterns for p in folder.rglob(pattern) if p.is_file()) if folder.is_dir() else []


def knowledge_fingerprint(goals_dir: Path | None = None) -> str:
    from search.text import ANALYSIS_VERSION

    goals_dir = Path(goals_dir or config.goals_dir())
    digest = hashlib.sha256(f"analysis-{ANALYSIS_VERSION}".encode())
    sources = [
        (goals_dir, _files(goals_dir, ("*.yaml", "*.yml"))),
        (config.CORPUS_DIR, _files(config.CORPUS_DIR / "gazetteers", ("*.yaml", "*.yml"))
         + [p for p in [config.CORPUS_DIR / "synonyms.yaml", config.CORPUS_DIR / "section_types.yaml"] if p.is_file()]),
        (ENRICH_CODE, _files(ENRICH_CODE, ("*.py",))),
    ]
    for root, files in sources:
        for path in files:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def conversion_fingerprint() -> str:
    """The format readers, metadata rules and the data they read (document types, public bodies, words)."""
    digest = hashlib.sha256(b"conversion")
    sources = [(CONVERT_CODE, _files(CONVERT_CODE, ("*.py",))),
               (config.CORPUS_DIR, _files(config.CORPUS_DIR / "gazetteers", ("*.yaml", "*.yml"))
                + [p for p in (config.CORPUS_DIR / "doc_types.yaml", config.CORPUS_DIR / "file_name_words.yaml")
                   if p.is_file()])]
    for root, files in sources:
        for path in files:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
