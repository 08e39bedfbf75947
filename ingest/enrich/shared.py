"""The knowledge one process works with, loaded once and passed where needed: the goal frameworks, the
analysis (entities and goal linker, built on first use) and their fingerprint.

A catalogue whose linker was retrained from people's verdicts (`kunskapsbank goals retrain`) names the
run whose model is in use; `knowledge(catalogue=…)` then trains on that run's verdicts (once per process
and run: seconds), and its fingerprint names the run, so documents linked by an earlier model are
out of date. Every process asks the catalogue, so a retrain in one server worker reaches them all."""
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


def knowledge(goals_dir: Path | None = None, catalogue=None):
    """Frameworks plus the entity pipeline and the goal linker (seconds to build: once per process). With a
    catalogue: the linker of its latest retrain (trained on that run's verdicts), when it has one."""
    run = catalogue.goal_model_in_use() if catalogue is not None else None
    return trained_knowledge(catalogue, run, goals_dir)


def trained_knowledge(catalogue, run: int | None, goals_dir: Path | None = None):
    """The knowledge with the linker trained on the verdicts of this retrain run (None: on none)."""
    from ingest.enrich.knowledge import Knowledge

    folder = Path(goals_dir or config.goals_dir()).resolve()
    key = (folder, str(Path(catalogue.path).resolve()) if run else None, run)
    found = _KNOWLEDGE.get(key)
    if found is None:
        verdicts = catalogue.model_verdicts(run) if run else ()
        built = Knowledge.load(folder, frameworks(folder), verdicts=verdicts)
        built.fingerprint = fingerprint(folder, run)
        with _LOCK:
            for old in [k for k in _KNOWLEDGE if k[:2] == key[:2] and k[1] is not None and k[2] < run]:
                del _KNOWLEDGE[old]  # an earlier retrain of the same catalogue: not used again
            found = _KNOWLEDGE.setdefault(key, built)
    return found


_CONVERSION: list[str] = []


def conversion_fingerprint() -> str:
    from ingest.enrich.fingerprint import conversion_fingerprint as compute

    with _LOCK:
        if not _CONVERSION:
            _CONVERSION.append(compute())
        return _CONVERSION[0]


def fingerprint(goals_dir: Path | None = None, model_run: int | None = None) -> str:
    """The knowledge's fingerprint; with `model_run`, that of the linker retrained in that run."""
    import hashlib

    from ingest.enrich.fingerprint import knowledge_fingerprint

    folder = Path(goals_dir or config.goals_dir()).resolve()
    with _LOCK:
        if folder not in _FINGERPRINTS:
            _FINGERPRINTS[folder] = knowledge_fingerprint(folder)
        base = _FINGERPRINTS[folder]
    if model_run is None:
        return base
    return hashlib.sha256(f"{base}:goal-model-{int(model_run)}".encode()).hexdigest()[:16]


def catalogue_fingerprint(catalogue, goals_dir: Path | None = None) -> str:
    """The fingerprint a document of this catalogue is analysed with now (cheap: no linker is built)."""
    return fingerprint(goals_dir, catalogue.goal_model_in_use())
