"""The knowledge one process works with, loaded once and passed where needed: the goal frameworks, the
analysis (entities and goal linker, built on first use) and their fingerprint."""
from __future__ import annotations

import threading
from pathlib import Path

from ingest import config

_LOCK = threading.Lock()
_FRAMEWORKS: dict[Path, object] = {}
_KNOWLEDGE: dict[Path, object] = {}
_FINGERPRINTS: dict[Path, str] = {}


def frameworks(goals_dir: Path | None = None):
    """The goal frameworks (cheap: YAML only)."""
    from ingest.enrich.goals import load_frameworks

    folder = Path(goals_dir or config.goals_dir()).resolve()
    with _LOCK:
        if folder not in _FRAMEWORKS:
            _FRAMEWORKS[folder] = load_frameworks(folder)
        return _FRAMEWORKS[folder]


def knowledge(goals_dir: Path | None = None):
    """Frameworks plus the entity pipeline and the goal linker (seconds to build: once per process)."""
    from ingest.enrich.knowledge import Knowledge

    folder = Path(goals_dir or config.goals_dir()).resolve()
    found = _KNOWLEDGE.get(folder)
    if found is None:
        built = Knowledge.load(folder, frameworks(folder))
        with _LOCK:
            found = _KNOWLEDGE.setdefault(folder, built)
    return found


_CONVERSION: list[str] = []


def conversion_fingerprint() -> str:
    from ingest.enrich.fingerprint import conversion_fingerprint as compute

    with _LOCK:
        if not _CONVERSION:
            _CONVERSION.append(compute())
        return _CONVERSION[0]


def fingerprint(goals_dir: Path | None = None) -> str:
    from ingest.enrich.fingerprint import knowledge_fingerprint

    folder = Path(goals_dir or config.goals_dir()).resolve()
    with _LOCK:
        if folder not in _FINGERPRINTS:
            _FINGERPRINTS[folder] = knowledge_fingerprint(folder)
        return _FINGERPRINTS[folder]
