"""Upload jobs in the catalogue file, so every server worker sees every job and exactly one claims it."""
from __future__ import annotations

import json

from ingest.store.sqlite_file import SqliteFile

JOB_COLUMNS = ("id", "file_name", "uploaded_by", "visibility", "meta", "status", "message", "document_id",
               "created_at", "finished_at")


class UploadJobStore(SqliteFile):
    def insert(self, job: dict) -> None:
        with self.transaction() as db:
            db.execute(
                """INSERT INTO upload_jobs (id, file_name, uploaded_by, visibility, meta, status, message, created_at)
                   VALUES (?,?,?,?,?,?,?,?)""",
                (job["id"], job["file_name"], job["uploaded_by"], job["visibility"],
                 json.dumps(job["meta"], ensure_ascii=False), job["status"], job["message"], job["created_at"]),
            )

    def get(self, job_id: str) -> dict | None:
        row = self.db.execute(f"SELECT {', '.join(JOB_COLUMNS)} FROM upload_jobs WHERE id = ?", (job_id,)).fetchone()
        return dict(row, meta=json.loads(row["meta"] or "{}")) if row else None

    def unfinished(self) -> list[dict]:
        """Jobs queued or running, with the process that claimed them."""
        rows = self.db.execute("SELECT id, claimed_by FROM upload_jobs WHERE status IN ('queued', 'running')")
        return [dict(r) for r in rows]

    def requeue(self, job_id: str, claimed_by: str | None) -> None:
        """Back in the queue, unless someone else claimed it meanwhile."""
        with self.transaction() as db:
            db.execute("UPDATE upload_jobs SET status = 'queued', claimed_by = NULL WHERE id = ? AND "
                       "(claimed_by IS NULL OR claimed_by = ?)", (job_id, claimed_by))

    def claim(self, job_id: str, worker: str, message: str) -> bool:
        with self.transaction() as db:
            return db.execute("UPDATE upload_jobs SET status = 'running', claimed_by = ?, message = ? "
                              "WHERE id = ? AND status = 'queued'", (worker, message, job_id)).rowcount == 1

    def update(self, job_id: str, *, status: str, message: str, document_id: str | None,
               finished_at: float | None) -> None:
        with self.transaction() as db:
            db.execute("UPDATE upload_jobs SET status = ?, message = ?, document_id = ?, finished_at = ? WHERE id = ?",
                       (status, message, document_id, finished_at, job_id))
