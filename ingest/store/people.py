"""People in the catalogue file: users, browser sessions, API tokens, the audit log and failed logins.

SQL only: password rules, hashing and throttling policy are the web app's (`webapp/accounts.py`).
Tokens and sessions are stored as SHA-256 hashes, never in plain text.
"""
from __future__ import annotations

import json
import sqlite3

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

    def update_password_hash(self, username: str, password_hash: str, *, only_if: str | None = None,
                             end_sessions: bool = True) -> bool:
        """Set a new hash (when `only_if` is given, only if the stored one is still that); a new password
        ends the user's sessions."""
        with self.transaction() as db:
            sql, params = "UPDATE users SET password_hash = ? WHERE username = ?", [password_hash, username]
            if only_if is not None:
                sql, params = sql + " AND password_hash = ?", params + [only_if]
            if db.execute(sql, params).rowcount == 0:
                return False
            if end_sessions:
                db.execute("DELETE FROM sessions WHERE username = ?", (username,))
        return True

    def set_disabled(self, username: str, disabled: bool) -> bool:
        with self.transaction() as db:
            return db.execute("UPDATE users SET disabled = ? WHERE username = ?",
                              (int(bool(disabled)), username)).rowcount > 0

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

    # -- failed logins -----------------------------------------------------------------------
    def add_login_failure(self, key: str, at: float, forget_before: float) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO login_attempts (key, at) VALUES (?, ?)", (key, at))
            db.execute("DELETE FROM login_attempts WHERE at < ?", (forget_before,))  # keep the table small

    def count_login_failures(self, key: str, since: float) -> int:
        return self.db.execute("SELECT COUNT(*) FROM login_attempts WHERE key = ? AND at >= ?",
                               (key, since)).fetchone()[0]

    def clear_login_failures(self, key: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM login_attempts WHERE key = ?", (key,))
