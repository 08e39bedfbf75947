"""Retraining the goal linker, as the catalogue records it: one run at a time, the verdicts it learnt from,
and which run's model is in use.

A run starts by taking a snapshot of every verdict (`goal_model_verdicts`, ids only), so that every process
that later builds the linker for this catalogue trains on exactly the same verdicts, however many people
review links meanwhile. Once the model is trained the run is marked `trained_at`: from then on it is the
model in use (`goal_model_in_use`), and the documents it has not relinked yet are out of date (their
analysis fingerprint names the model: `ingest.enrich.shared.fingerprint`). A unique index lets only one
run be `running`; a run whose process died is given up when the next one asks to start.
"""
from __future__ import annotations

import json
import os
import socket
import sqlite3

from ingest.store.records import now_iso


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(worker: str) -> bool:
    """False only when the worker is on this host and its process is gone (another host: assume alive)."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class GoalModelRuns:
    """Mixed into `Catalogue`: needs `db` and `transaction()`."""

    def start_retrain(self, requested_by: str, worker: str | None = None) -> int | None:
        """A new running run with a snapshot of all verdicts; None when another run is still running."""
        worker = worker or this_worker()
        with self.transaction() as db:
            for row in db.execute("SELECT id, worker FROM goal_model_runs WHERE status = 'running'").fetchall():
                if _alive(row["worker"]):
                    return None
                db.execute("""UPDATE goal_model_runs SET status = 'failed', finished_at = ?,
                              message = 'Avbröts: processen som tränade om avslutades.' WHERE id = ?""",
                           (now_iso(), row["id"]))
            try:
                run_id = db.execute(
                    """INSERT INTO goal_model_runs (status, requested_by, started_at, worker, message)
                       VALUES ('running', ?, ?, ?, 'Tränar om måltolkningen …')""",
                    (requested_by, now_iso(), worker)).lastrowid
            except sqlite3.IntegrityError:  # the unique index: someone else started one just now
                return None
            db.execute("""INSERT INTO goal_model_verdicts (run_id, passage_id, goal_id, verdict)
                          SELECT ?, passage_id, goal_id, verdict FROM goal_reviews""", (run_id,))
            count = db.execute("SELECT COUNT(*) FROM goal_model_verdicts WHERE run_id = ?", (run_id,)).fetchone()[0]
            db.execute("UPDATE goal_model_runs SET verdicts = ? WHERE id = ?", (count, run_id))
        return run_id

    def mark_trained(self, run_id: int, documents_total: int, message: str) -> None:
        """The run's model is the one in use from now on; earlier runs' snapshots are no longer needed."""
        with self.transaction() as db:
            db.execute("""UPDATE goal_model_runs SET trained_at = ?, documents_total = ?, message = ?
                          WHERE id = ?""", (now_iso(), documents_total, message, run_id))
            db.execute("DELETE FROM goal_model_verdicts WHERE run_id < ?", (run_id,))

    def retrain_progress(self, run_id: int, documents_done: int, documents_total: int, message: str) -> None:
        with self.transaction() as db:
            db.execute("""UPDATE goal_model_runs SET documents_done = ?, documents_total = ?, message = ?
                          WHERE id = ?""", (documents_done, documents_total, message, run_id))

    def finish_retrain(self, run_id: int, ok: bool, message: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE goal_model_runs SET status = ?, finished_at = ?, message = ? WHERE id = ?",
                       ("done" if ok else "failed", now_iso(), message, run_id))
            trained = db.execute("SELECT trained_at FROM goal_model_runs WHERE id = ?", (run_id,)).fetchone()
            if not ok and trained is not None and trained["trained_at"] is None:
                db.execute("DELETE FROM goal_model_verdicts WHERE run_id = ?", (run_id,))

    def retrain_run(self, run_id: int | None = None) -> dict | None:
        """A run (default: the latest) as a dict, or None."""
        if run_id is None:
            row = self.db.execute("SELECT * FROM goal_model_runs ORDER BY id DESC LIMIT 1").fetchone()
        else:
            row = self.db.execute("SELECT * FROM goal_model_runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        run = dict(row)
        if run["status"] == "running" and not _alive(run["worker"]):
            run["status"], run["message"] = "failed", "Avbröts: processen som tränade om avslutades."
        return run

    def goal_model_in_use(self) -> int | None:
        """The run whose model links this catalogue's documents; None: the linker trained without verdicts."""
        row = self.db.execute("SELECT id FROM goal_model_runs WHERE trained_at IS NOT NULL "
                              "ORDER BY id DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def model_verdicts(self, run_id: int) -> list[dict]:
        """The verdicts a run learnt from, with their passages' texts (passages deleted since drop out)."""
        rows = self.db.execute(
            """SELECT v.passage_id, v.goal_id, v.verdict, p.text, p.heading_path FROM goal_model_verdicts v
               JOIN passages p ON p.id = v.passage_id WHERE v.run_id = ? ORDER BY v.passage_id, v.goal_id""",
            (run_id,)).fetchall()
        return [dict(r, heading_path=json.loads(r["heading_path"])) for r in rows]
