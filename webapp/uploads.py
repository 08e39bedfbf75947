"""Uploaded files are saved to disk first, then ingested one at a time by a background thread.

An upload is durable before the editor gets an answer: it lies in <data>/uploads/incoming/ until the
ingest has finished (or failed and been recorded). A server killed mid-ingest finds the file there at
the next start and ingests it again, so nothing an editor uploaded is lost.
"""
from __future__ import annotations

import json
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

log = logging.getLogger(__name__)

ALLOWED_SUFFIXES = {".pdf", ".docx", ".txt", ".md", ".html", ".htm"}


def safe_file_name(name: str) -> str:
    """The base name only, without path parts, control characters or anything a shell or URL dislikes."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]+", "_", name).strip(" .")
    name = re.sub(r"\s+", " ", name)
    return name[:150] or "namnlos"


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
        data["url"] = f"/uppladdningar/{self.id}"
        data["document_url"] = f"/d/{self.document_id}" if self.document_id else None
        return data


class UploadQueue:
    def __init__(self, kb):
        self.kb = kb
        self.incoming = kb.data.root / "uploads" / "incoming"
        self.incoming.mkdir(parents=True, exist_ok=True)
        self.jobs: dict[str, UploadJob] = {}
        self._queue: "queue.Queue[str]" = queue.Queue()
        self._lock = threading.Lock()
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
        (self.incoming / f"{job.id}.json").write_text(json.dumps(job.to_json()), encoding="utf-8")
        with self._lock:
            self.jobs[job.id] = job
        self._queue.put(job.id)
        return job

    def get(self, job_id: str) -> UploadJob | None:
        with self._lock:
            return self.jobs.get(job_id)

    # -- worker ------------------------------------------------------------------------------
    def _resume(self) -> None:
        for meta_file in sorted(self.incoming.glob("*.json")):
            try:
                data = json.loads(meta_file.read_text(encoding="utf-8"))
                job = UploadJob(id=data["id"], file_name=data["file_name"], uploaded_by=data["uploaded_by"],
                                visibility=data["visibility"], meta=data.get("meta") or {})
            except (OSError, ValueError, KeyError):
                continue
            if self.path_for(job.id, job.file_name).exists():
                log.warning("resuming upload %s (%s) left from an earlier run", job.id, job.file_name)
                with self._lock:
                    self.jobs[job.id] = job
                self._queue.put(job.id)

    def _work(self) -> None:
        from ingest.pipeline import IngestReport, Ingester

        ingester = None
        while True:
            job = self.get(self._queue.get())
            if job is None:
                continue
            if ingester is None:
                ingester = Ingester(self.kb.data, self.kb.limits, index=self.kb.index)
            job.status, job.message = "running", "Läser filen och kopplar till mål …"
            path = self.path_for(job.id, job.file_name)
            report = IngestReport()
            try:
                doc_id = ingester.ingest_file(path, report, source_path=f"upload:{job.file_name}",
                                              display_name=job.file_name, visibility=job.visibility,
                                              extra_meta=job.meta)
            except Exception as exc:  # the worker must survive anything a file does
                log.exception("upload %s failed", job.id)
                doc_id, report.failed = None, [{"path": str(path), "reason": f"Oväntat fel: {exc}"}]
            if doc_id:
                job.status, job.document_id = "done", doc_id
                job.message = "Klart: dokumentet är sökbart." if report.ingested else "Filen fanns redan; inget ändrades."
                self.kb.accounts.audit(job.uploaded_by, "upload", doc_id, {"file_name": job.file_name,
                                                                           "visibility": job.visibility})
            else:
                job.status = "failed"
                job.message = report.failed[0]["reason"] if report.failed else "Filen kunde inte läsas in."
                self.kb.accounts.audit(job.uploaded_by, "upload_failed", job.file_name, {"reason": job.message})
            job.finished_at = time.time()
            # The original is kept content-addressed by the ingester; the incoming copy can go.
            for leftover in (path, self.incoming / f"{job.id}.json"):
                try:
                    os.unlink(leftover)
                except OSError:
                    pass
            try:
                path.parent.rmdir()
            except OSError:
                pass
