"""Entities and goal links in a process of their own, so a batch ingest keeps both cores busy.

While this process analyses one document, the ingest process waits for the next conversion, splits it
and writes the previous document to the catalogue and the index. The analysis is the same code as
`Knowledge.analyse` in the ingest process (same frameworks folder, same retrained linker of the catalogue,
and its fingerprint comes back with the result so the caller can tell); its memoised word analysis stays
warm for the whole batch. The worker comes from the converters' fork server and dies
with it, so it never outlives the ingest (kill -9 included). Whatever goes wrong in it, the caller
analyses in its own process instead: a document is never lost to the worker.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

logger = logging.getLogger(__name__)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        with open(f"/proc/{pid}/stat", "rb") as handle:  # a killed ingest not yet reaped is a zombie
            return handle.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except ProcessLookupError:
        return False
    except OSError:
        return True


def _watch(ingest_pid: int) -> None:
    """The fork server outlives the ingest while any of its children lives, and this worker would wait on
    its queue for ever: it ends itself within a second of the ingest (kill -9 included)."""
    while _alive(ingest_pid):
        time.sleep(1.0)
    os._exit(1)


def _start(goals_dir: str, ingest_pid: int) -> None:
    """In the worker: die with the ingest, then build the knowledge once (spaCy, gazetteers, linker)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG (fork server)
    except (OSError, AttributeError):
        pass
    threading.Thread(target=_watch, args=(ingest_pid,), daemon=True).start()
    from ingest.enrich import shared

    shared.knowledge(Path(goals_dir))


_CATALOGUES: dict = {}


def _analyse(goals_dir: str, catalogue_path: str, model_run: int | None, passages: list, title: str,
             organisation: str, reviews: dict):
    """(entities, mentions, links, fingerprint of the knowledge that found them)."""
    from ingest.enrich import shared

    catalogue = None
    if model_run is not None:  # the linker retrained in that run is trained on that run's verdicts
        from ingest.store.catalogue import Catalogue

        catalogue = _CATALOGUES.get(catalogue_path) or _CATALOGUES.setdefault(catalogue_path, Catalogue(Path(catalogue_path)))
    knowledge = shared.trained_knowledge(catalogue, model_run, Path(goals_dir))
    entities, mentions, links = knowledge.analyse(passages, title, organisation, reviews=reviews)
    return entities, mentions, links, getattr(knowledge, "fingerprint", "")


def _ready() -> bool:
    return True


class AnalysisWorker:
    """One analysis process for a batch; `submit` returns a Future of (entities, mentions, links)."""

    def __init__(self, goals_dir: Path, catalogue_path: Path):
        from ingest.convert import _context

        self.goals_dir = str(Path(goals_dir).resolve())
        self.catalogue_path = str(Path(catalogue_path).resolve())
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=_context(), initializer=_start,
                                         initargs=(self.goals_dir, os.getpid()))
        self._pool.submit(_ready)  # starts the process and builds its knowledge while the first file converts

    def submit(self, passages: list, title: str, organisation: str, reviews: dict, model_run: int | None) -> Future:
        """`model_run`: the catalogue's retrain whose linker the ingest process uses now."""
        return self._pool.submit(_analyse, self.goals_dir, self.catalogue_path, model_run, passages, title,
                                 organisation, reviews)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
