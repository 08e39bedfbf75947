"""People in the catalogue file: users, browser sessions, API tokens, the audit log and failed logins.

SQL only: password rules, hashing and throttling policy are the web app's (`webapp/accounts.py`).
Tokens and sessions are stored as SHA-256 hashes, never in plain text.
"""
from __future__ import annotations

import json
import sqlite3
from typing import Sequence

from ingest.store.sqlite_file import SqliteFile


class PeopleStore(SqliteFile):
    # -- users -------------------------------------------------------------------------------
    def insert_user(self, username: str, password_hash: str, role: str, created_at: str) -> bool:
        """False when the name is taken."""
        try:
            with self.transaction() as db:
                db.execute("INSERT INTO users (username, password_hash, role, created_at, disabled) VALUES (?,?,?,?,0)",
                           (username, password_hash, role, created_at))
        except sqlite3.IntegrityError:
            return False
        return True

    def delete_user(self, username: str) -> bool:
        """The user, their tokens and sessions; False when there was no such user."""
        with self.transaction() as db:
            db.execute("DELETE FROM api_tokens WHERE username = ?", (username,))
            db.execute("DELETE FROM sessions WHERE username = ?", (username,))
            return db.execute("DELETE FROM users WHERE username = ?", (username,)).rowcount > 0

    def user_row(self, username: str) -> dict | None:
        row = self.db.execute("SELECT username, password_hash, role, disabled FROM users WHERE username = ?",
                              (username,)).fetchone()
        return dict(row) if row else None

    def users(self) -> list[dict]:
        rows = self.db.execute(
            """SELECT u.username, u.role, u.created_at, u.disabled,
                      (SELECT COUNT(*) FROM api_tokens t WHERE t.username = u.username) AS tokens
               FROM users u ORDER BY u.username"""
        ).fetchall()
        return [dict(r, disabled=bool(r["disabled"])) for r in rows]

    def rehash_password(self, username: str, password_hash: str, *, only_if: str) -> bool:
        """The same password under stronger parameters, only if the stored hash is still `only_if`."""
        with self.transaction() as db:
            return db.execute("UPDATE users SET password_hash = ? WHERE username = ? AND password_hash = ?",
                              (password_hash, username, only_if)).rowcount > 0

    def replace_password(self, username: str, password_hash: str) -> int | None:
        """A new password: the user's sessions end and their API tokens are revoked, in the same
        transaction. The number of tokens revoked, or None when there is no such user."""
        with self.transaction() as db:
            if db.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                          (password_hash, username)).rowcount == 0:
                return None
            db.execute("DELETE FROM sessions WHERE username = ?", (username,))
            return db.execute("DELETE FROM api_tokens WHERE username = ?", (username,)).rowcount

    def set_disabled(self, username: str, disabled: bool) -> bool:
        """Disabling ends the user's sessions for good (enabling again revives none); API tokens are only
        refused while the account is disabled."""
        with self.transaction() as db:
            if db.execute("UPDATE users SET disabled = ? WHERE username = ?",
                          (int(bool(disabled)), username)).rowcount == 0:
                return False
            if disabled:
                db.execute("DELETE FROM sessions WHERE username = ?", (username,))
        return True

    # -- sessions ----------------------------------------------------------------------------
    def insert_session(self, token_hash: str, username: str, created_at: float) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO sessions (token_hash, username, created_at) VALUES (?,?,?)",
                       (token_hash, username, created_at))

    def session_user(self, token_hash: str) -> dict | None:
        row = self.db.execute(
            """SELECT u.username, u.role, s.created_at FROM sessions s JOIN users u ON u.username = s.username
               WHERE s.token_hash = ? AND u.disabled = 0""", (token_hash,)).fetchone()
        return dict(row) if row else None

    def delete_session(self, token_hash: str, *, older_than: float | None = None) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))
            if older_than is not None:
                db.execute("DELETE FROM sessions WHERE created_at < ?", (older_than,))

    # -- API tokens --------------------------------------------------------------------------
    def insert_token(self, token_hash: str, username: str, created_at: str) -> bool:
        """False when there is no such user."""
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone() is None:
                return False
            db.execute("INSERT INTO api_tokens (token_hash, username, created_at, last_used_at) VALUES (?,?,?,NULL)",
                       (token_hash, username, created_at))
        return True

    def token_user(self, token_hash: str) -> dict | None:
        row = self.db.execute(
            """SELECT t.token_hash, t.last_used_at, u.username, u.role FROM api_tokens t
               JOIN users u ON u.username = t.username WHERE t.token_hash = ? AND u.disabled = 0""",
            (token_hash,),
        ).fetchone()
        return dict(row) if row else None

    def touch_token(self, token_hash: str, used_at: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?", (used_at, token_hash))

    def delete_tokens(self, username: str) -> int:
        with self.transaction() as db:
            return db.execute("DELETE FROM api_tokens WHERE username = ?", (username,)).rowcount

    # -- audit log ---------------------------------------------------------------------------
    def insert_audit(self, at: str, actor: str, action: str, target: str, detail: dict) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?,?,?,?,?)",
                       (at, actor, action, target, json.dumps(detail, ensure_ascii=False, default=str)))

    def audit_entries(self, limit: int = 100) -> list[dict]:
        """Newest first."""
        rows = self.db.execute("SELECT id, at, actor, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?",
                               (max(0, int(limit)),)).fetchall()
        return [dict(r, detail=json.loads(r["detail"] or "{}")) for r in rows]

    # -- login back-off ---------------------------------------------------------------------
    def claim_login_attempt(self, counters: Sequence, now: float, *, tidy_before: float) -> dict[str, float]:
        """Count one login attempt on every counter, atomically across processes, before its password is
        checked: the waits still running, by key (and nothing counted), or {} once the attempt is counted
        as a failure on each (a success undoes that: `settle_login_success`).

        Each counter has `key`, `forget_before(now)` (older counts start again) and
        `wait_after(failures)` (seconds, the policy of `webapp.login_limits`)."""
        with self.transaction() as db:
            rows = {c.key: db.execute("SELECT failures, last_at, blocked_until FROM login_backoff WHERE key = ?",
                                      (c.key,)).fetchone() for c in counters}
            waits = {key: row["blocked_until"] - now for key, row in rows.items()
                     if row is not None and row["blocked_until"] > now}
            if waits:
                return waits
            for counter in counters:
                row = rows[counter.key]
                failures = 1 + (row["failures"] if row is not None and row["last_at"] >= counter.forget_before(now) else 0)
                db.execute("""INSERT INTO login_backoff (key, failures, last_at, blocked_until) VALUES (?,?,?,?)
                              ON CONFLICT(key) DO UPDATE SET failures = excluded.failures,
                                  last_at = excluded.last_at, blocked_until = excluded.blocked_until""",
                           (counter.key, failures, now, now + counter.wait_after(failures)))
            db.execute("DELETE FROM login_backoff WHERE last_at < ?", (tidy_before,))  # keep the table small
        return {}

    def settle_login_success(self, cleared: Sequence, uncounted: Sequence) -> None:
        """After a right password: `cleared` counters start again from nothing; `uncounted` ones (an address
        many people share) only lose the attempt counted for this success."""
        with self.transaction() as db:
            for counter in cleared:
                db.execute("DELETE FROM login_backoff WHERE key = ?", (counter.key,))
            for counter in uncounted:
                row = db.execute("SELECT failures, last_at FROM login_backoff WHERE key = ?", (counter.key,)).fetchone()
                if row is not None:
                    failures = max(0, row["failures"] - 1)
                    db.execute("UPDATE login_backoff SET failures = ?, blocked_until = ? WHERE key = ?",
                               (failures, row["last_at"] + counter.wait_after(failures), counter.key))

    def login_counts(self) -> dict[str, int]:
        """Failures counted per key (for tests and the curious admin)."""
        return {r["key"]: r["failures"] for r in self.db.execute("SELECT key, failures FROM login_backoff")}
