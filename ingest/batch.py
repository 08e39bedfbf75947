"""A batch of files through the pipeline with every core busy.

Up to `Ingester.workers` files are converted at once, each in its own bounded converter child; with two
or more workers, entities and goal links are found in an analysis process (ingest/enrich/worker.py)
while this process splits the next document and writes the previous ones to the catalogue and, in
large commits, to the index. Documents are still written in file order, one transaction each, and one
bad file still never stops the batch.
"""
from __future__ import annotations

import logging
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from ingest.files import iter_files, printable
from ingest.store.writer_lock import batch_lease

logger = logging.getLogger(__name__)

ANALYSIS_AHEAD = 2  # documents handed to the analysis process before the oldest is written


@dataclass
class Prepared:
    """A document read, described and split, waiting for its entities and goal links to be written."""

    path: Path
    source: str
    name: str
    sha: str
    existing: object
    new_visibility: str
    converted: object
    meta: dict
    doc_id: str
    sections: list
    passages: list
    analysis: Future | None = None


def ingest_batch(ingester, paths: Iterable[str | os.PathLike], *, visibility: str | None = None,
                 progress: Callable[[Path], None] | None = None):
    """Ingest files in order. With two or more workers, the next files are converted in their own
    processes (as many at once as there are workers) and entities and goal links are found in an
    analysis process, while this one splits and writes: every core is busy."""
    from ingest.pipeline import INDEX_BATCH_SECONDS, IngestReport

    report = IngestReport()
    files = list(iter_files(paths, report.skipped))
    ingester.reanalyse_stale()
    ingester._batching = True
    ingester._flush_at = time.monotonic() + INDEX_BATCH_SECONDS
    worker = _analysis_worker(ingester) if ingester.workers > 1 and len(files) > 1 else None
    waiting: list[Prepared] = []  # analysed in the worker, written in order
    try:
        with batch_lease(ingester.data.root), ThreadPoolExecutor(max_workers=ingester.workers) as pool:
            ahead: dict[int, Future] = {}

            def convert_ahead(i: int) -> None:
                if i < len(files) and i not in ahead and files[i][1] is None and ingester.workers > 1:
                    ahead[i] = pool.submit(ingester._convert_if_changed, files[i][0], visibility)

            for i, (path, problem) in enumerate(files):
                for j in range(i + 1, i + 1 + ingester.workers):
                    convert_ahead(j)
                if progress:
                    progress(path)
                if problem:
                    report.failed.append({"path": printable(str(path)), "reason": problem})
                    ingester.catalogue.log(printable(str(path)), printable(path.name), "failed", reason=problem)
                    continue
                prepared = ahead.pop(i).result() if i in ahead else None
                step = ingester._prepare(path, report, visibility=visibility, prepared=prepared)
                if not isinstance(step, Prepared):
                    continue
                if worker is None:
                    ingester._finish(step, report)
                    continue
                step.analysis = worker.submit(step.passages, step.meta["title"], step.meta["organisation"],
                                              ingester.reviews_of(step.passages),
                                              ingester.catalogue.goal_model_in_use())
                waiting.append(step)
                while len(waiting) > ANALYSIS_AHEAD or (waiting and waiting[0].analysis.done()):
                    ingester._finish(waiting.pop(0), report)
            while waiting:
                ingester._finish(waiting.pop(0), report)
    finally:  # interrupted: documents not yet written are simply not there (ingest them again)
        if worker is not None:
            worker.close()
        ingester._batching = False
        ingester.flush_index()
    return report


def analysis_of(ingester, step: Prepared, knowledge) -> tuple[list, list, list]:
    """Entities and goal links: the analysis process's, when it used this same model, else found here."""
    from ingest.pipeline import fingerprint_of

    if step.analysis is not None:
        try:
            entities, mentions, links, used = step.analysis.result()
            if used == fingerprint_of(knowledge):
                return entities, mentions, links
            logger.info("the linker was retrained while %s was analysed; analysing again", step.path)
        except Exception:
            logger.exception("the analysis process failed for %s; analysing here", step.path)
    return knowledge.analyse(step.passages, step.meta["title"], step.meta["organisation"],
                             reviews=ingester.reviews_of(step.passages))


def _analysis_worker(ingester):
    """The analysis process, when this ingester uses the catalogue's knowledge (not one given to it)."""
    if ingester._knowledge is not None:
        return None
    from ingest.config import goals_dir
    from ingest.enrich.worker import AnalysisWorker

    ingester.knowledge  # the same knowledge here: the fallback when the worker fails
    try:
        return AnalysisWorker(goals_dir(), ingester.catalogue.path)
    except Exception:  # no process to be had: analyse here, as with one worker
        logger.exception("analysis process could not start")
        return None
