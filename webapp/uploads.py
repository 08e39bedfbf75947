"""Uploaded files are saved to disk first, then ingested one at a time by a background thread.

An upload is durable before the editor gets an answer: it lies in <data>/uploads/incoming/ until the
ingest has finished (or failed and been recorded). A server killed mid-ingest finds the file there at
the next start and ingests it again, so nothing an editor uploaded is lost.
"""
from __future__ import annotations

import logging
import os
import queue
import re
import secrets
import threading
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ingest.convert import registry
from ingest.store.upload_jobs import UploadJobStore
from ingest.text_safety import strip_invisible
from webapp.urls import urls

log = logging.getLogger(__name__)

SEARCHABLE_WAIT_SECONDS = 20.0  # an upload is called searchable only once a searcher sees it

ALLOWED_SUFFIXES = frozenset(registry.extensions())  # what the converter registry reads


def safe_file_name(name: str) -> str:
    """The base name only, without path parts, control characters, bidi controls and invisible characters
    (`ingest.text_safety`), or anything a shell or URL dislikes."""
    # strip first, normalise after: a removed character may stand between a letter and its accent
    name = unicodedata.normalize("NFC", strip_invisible(name or "")).replace("\\", "/").split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]+", "_", name).strip(" .")
    name = re.sub(r"\s+", " ", name)
    stem, dot, suffix = name.rpartition(".")
    stem, suffix = (stem, dot + suffix) if dot and len(suffix) <= 10 else (name, "")
    # File systems allow 255 bytes, and å/ä/ö take two: shorten the stem, keep the extension.
    while stem and len((stem + suffix).encode("utf-8")) > 200:
        stem = stem[:-1]
    return (stem.rstrip(" .") + suffix) if stem.strip(" .") else "namnlos" + suffix


@dataclass
class UploadJob:
    id: str
    file_name: str
    uploaded_by: str
    visibility: str
    meta: dict = field(default_factory=dict)
    status: str = "queued"  # queued | running | done | failed
    message: str = "Väntar på tur"
    document_id: str | None = None
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None

    def to_json(self) -> dict:
        data = asdict(self)
        data["url"] = urls.upload_status(self.id)
        data["document_url"] = urls.document(self.document_id) if self.document_id else None
        return data


class UploadQueue:
    """Jobs live in the catalogue file, so every server worker process sees every job's status and a
    job is claimed by exactly one of them."""

    def __init__(self, kb):
        self.kb = kb
        self.incoming = kb.data.root / "uploads" / "incoming"
        self.incoming.mkdir(parents=True, exist_ok=True)
        self.me = str(os.getpid())
        self.jobs = UploadJobStore(kb.data.catalogue)
        self._queue: "queue.Queue[str]" = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="upload-ingest", daemon=True)
        self._thread.start()
        self._resume()

    # -- public ------------------------------------------------------------------------------
    def path_for(self, job_id: str, file_name: str) -> Path:
        """One folder per upload, so the file keeps its own name (titles fall back to it)."""
        folder = self.incoming / job_id
        folder.mkdir(exist_ok=True)
        return folder / file_name

    def new_job_id(self) -> str:
        return secrets.token_hex(8)

    def submit(self, job: UploadJob) -> UploadJob:
        self.jobs.insert(asdict(job))
        self._queue.put(job.id)
        return job

    def get(self, job_id: str) -> UploadJob | None:
        data = self.jobs.get(job_id)
        return UploadJob(**data) if data else None

    # -- worker ------------------------------------------------------------------------------
    def _resume(self) -> None:
        """Jobs a stopped server left queued or half done are done again (the file is still on disk)."""
        for row in self.jobs.unfinished():
            owner = row["claimed_by"]
            if owner and owner != self.me and _alive(int(owner)):
                continue  # another live worker has it
            self.jobs.requeue(row["id"], owner)
            log.warning("resuming upload %s left from an earlier run", row["id"])
            self._queue.put(row["id"])

    def _claim(self, job_id: str) -> bool:
        return self.jobs.claim(job_id, self.me, "Läser filen och kopplar till mål …")

    def _finish(self, job: UploadJob) -> None:
        self.jobs.update(job.id, status=job.status, message=job.message, document_id=job.document_id,
                         finished_at=job.finished_at)

    def _searchable(self, document_id: str, wait_seconds: float = SEARCHABLE_WAIT_SECONDS) -> bool:
        """True once this process's searcher holds the document as the catalogue has it (a reindex swapping
        in, another writer busy: the index can lag behind the catalogue for a moment)."""
        from ingest.store.indexing import document_state

        deadline = time.monotonic() + wait_seconds
        while True:
            doc = self.kb.catalogue.document(document_id)
            if doc is None:
                return False
            if self.kb.index.document_states([document_id]).get(document_id) == document_state(doc):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.25)

    def _work(self) -> None:
        from ingest.pipeline import IngestReport, Ingester

        try:  # this thread only (Linux): uploads are ingested at low priority, searches stay quick
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except (OSError, AttributeError):
            pass
        ingester = None
        while True:
            job_id = self._queue.get()
            try:
                if not self._claim(job_id):
                    continue
                job = self.get(job_id)
                if ingester is None:
                    ingester = Ingester(self.kb.data, self.kb.limits, index=self.kb.index)
                self._run(ingester, job, IngestReport())
            except Exception:  # the worker must survive anything, the database included
                log.exception("upload %s could not be processed", job_id)

    def _run(self, ingester, job: UploadJob, report) -> None:
        path = self.path_for(job.id, job.file_name)
        meta = dict(job.meta)
        replaces = meta.pop("replaces", None)
        # Every upload is a document of its own, whatever its name; only an explicit replacement takes
        # the place (and the id and, unless given, the visibility) of an existing one.
        target = self.kb.catalogue.document(replaces) if replaces else None
        if replaces and target is None:
            job.status, job.message, job.finished_at = "failed", "Dokumentet som skulle ersättas finns inte längre.", time.time()
            self._finish(job)
            return
        source = target.source_path if target else f"upload:{job.id}"
        ingester.actor = job.uploaded_by
        try:
            doc_id = ingester.ingest_file(path, report, source_path=source, display_name=job.file_name,
                                          visibility=job.visibility or None, extra_meta=meta)
        except Exception as exc:  # a file must never stop the worker
            log.exception("upload %s failed", job.id)
            doc_id, report.failed = None, [{"path": str(path), "reason": f"Oväntat fel: {exc}"}]
        if doc_id:
            job.status, job.document_id = "done", doc_id
            if not report.ingested:
                job.message = "Filen fanns redan; inget ändrades."
            elif self._searchable(doc_id):
                job.message = "Klart: dokumentet är sökbart."
            else:
                job.message = "Inläst. Dokumentet blir sökbart så snart sökindexet har uppdaterats."
            self.kb.accounts.audit(job.uploaded_by, "replace" if replaces else "upload", doc_id,
                                   {"file_name": job.file_name, "visibility": job.visibility or "oförändrad"})
        else:
            job.status = "failed"
            job.message = report.failed[0]["reason"] if report.failed else "Filen kunde inte läsas in."
            self.kb.accounts.audit(job.uploaded_by, "upload_failed", job.file_name, {"reason": job.message})
        job.finished_at = time.time()
        self._finish(job)
        # The original is kept content-addressed by the ingester; the incoming copy can go.
        try:
            os.unlink(path)
            path.parent.rmdir()
        except OSError:
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
