"""A server process follows the catalogue's change feed, so the index never disagrees with it for long.

Every second it reads the changes since the last it saw. Visibility comes first: the search index is
told at once which documents are internal in the catalogue, so an anonymous search never shows one,
whatever the index itself still holds (a CLI ingest killed between its catalogue and index writes, a
reindex that started before a document was made internal). Then content: a changed document the
index does not yet hold is written to it at once — unless a batch ingest is running, which writes the
index itself every few seconds; its documents are left to it for a while, and taken over the moment
that process is gone (killed) or when it is late.
"""
from __future__ import annotations

import logging
import threading
import time

from ingest.store.indexing import find_drift, index_documents
from ingest.store.writer_lock import batch_running, writer_lock

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
BATCH_GRACE_SECONDS = 30.0  # a live batch ingest flushes every 10 s; after this we write its documents


class ChangeFollower:
    def __init__(self, catalogue, index, data_root, frameworks, *, poll_seconds: float = POLL_SECONDS):
        self.catalogue = catalogue
        self.index = index
        self.data_root = data_root
        self.frameworks = frameworks
        self.poll_seconds = poll_seconds
        self.seen = catalogue.last_change()
        self.pending: dict[str, float] = {}  # changed documents the index may not hold yet -> first seen
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.index.set_internal_documents(self.catalogue.internal_document_ids())

    def poll(self) -> None:
        """One round: apply visibility, then write what the index lacks (when no one else is writing)."""
        changes = self.catalogue.changes_since(self.seen)
        if changes:
            self.seen = changes[-1].seq
            self.index.set_internal_documents(self.catalogue.internal_document_ids())
            now = time.monotonic()
            for change in changes:
                self.pending.setdefault(change.document_id, now)
        if not self.pending:
            return
        due = set(self.pending)
        if batch_running(self.data_root):
            due = {d for d, seen in self.pending.items() if time.monotonic() - seen > BATCH_GRACE_SECONDS}
            if not due:
                return
        with writer_lock(self.data_root, wait=False) as mine:
            if not mine:
                return  # a writer is busy right now; look again next round
            drift = find_drift(self.catalogue, self.index, document_ids=due)
            todo = drift.missing_in_index + drift.stale_in_index
            if todo:
                index_documents(self.catalogue, self.index, todo, self.frameworks)
                log.info("index caught up with the catalogue for %d document(s)", len(todo))
            for doc_id in due:
                self.pending.pop(doc_id, None)

    def start(self) -> "ChangeFollower":
        self._thread = threading.Thread(target=self._run, name="change-follower", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.poll()
            except Exception:  # the follower must outlive a busy database or a broken write; it retries
                log.exception("following the catalogue's changes failed; retrying")
                time.sleep(self.poll_seconds)
