"""Accounts for editors and admins: users, API tokens, an audit log and login rate limiting.

Stored in the catalogue's SQLite file (own tables, created on open), so one data directory holds
everything. Passwords are Argon2id hashes (argon2-cffi); API tokens are random and only their
SHA-256 is stored, so a copy of the file gives no usable token. Visitors never have an account:
anyone not logged in sees public documents only (see webapp.auth).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ingest.store.sqlite_file import SqliteFile

ROLES = ("reader", "editor", "admin")  # reader: staff who may see internal documents but not change any
EDIT_ROLES = ("editor", "admin")
USERNAME_RE = re.compile(r"[a-z0-9._-]{2,40}")
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024  # Argon2 takes any length; a cap keeps a megabyte "password" from costing CPU
TOKEN_PREFIX = "kb_"
MAX_TOKEN_CHARS = 200
LOGIN_MAX_FAILURES = 5
LOGIN_WINDOW_SECONDS = 15 * 60
TOKEN_TOUCH_SECONDS = 60  # last_used_at is refreshed at most this often: no write per API call

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS api_tokens (
    token_hash TEXT PRIMARY KEY,          -- sha256 hex of the token; the token itself is never stored
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX IF NOT EXISTS api_tokens_by_user ON api_tokens(username);

CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}'     -- JSON object
);

-- Browser sessions, so that signing out, a new password or a removed account ends them at once.
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,          -- sha256 hex of the session token
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    created_at REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS login_attempts (
    key TEXT NOT NULL,                    -- e.g. "username|ip"
    at REAL NOT NULL                      -- unix time of a failed attempt
);
CREATE INDEX IF NOT EXISTS login_attempts_by_key ON login_attempts(key, at);
"""

MSG_BAD_USERNAME = (
    "Ogiltigt användarnamn: använd 2–40 tecken av a–z, 0–9, punkt, bindestreck eller understreck."
)
MSG_SHORT_PASSWORD = f"Lösenordet måste vara minst {MIN_PASSWORD_CHARS} tecken långt."
MSG_LONG_PASSWORD = f"Lösenordet får vara högst {MAX_PASSWORD_CHARS} tecken långt."
MSG_BAD_ROLE = "Ogiltig roll: välj reader (personal), editor (redaktör) eller admin (administratör)."
MSG_EXISTS = "Användaren {name} finns redan."
MSG_UNKNOWN = "Användaren {name} finns inte."


def _now_iso(clock: Callable[[], float]) -> str:
    return datetime.fromtimestamp(clock(), timezone.utc).replace(microsecond=0).isoformat()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


@dataclass(frozen=True)
class User:
    username: str
    role: str  # "reader" | "editor" | "admin"

    @property
    def can_edit(self) -> bool:
        return self.role in EDIT_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class Accounts(SqliteFile):
    """Users, tokens, audit log and login throttling in the catalogue file. One connection per thread."""

    def __init__(self, db_path: Path | str, *, hasher: PasswordHasher | None = None,
                 clock: Callable[[], float] = time.time,
                 max_failures: int = LOGIN_MAX_FAILURES, window_seconds: float = LOGIN_WINDOW_SECONDS):
        super().__init__(db_path)
        self.hasher = hasher or PasswordHasher()
        self.clock = clock
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._dummy_hash: str | None = None
        self.db.executescript(SCHEMA)  # commits on its own: outside any transaction

    # -- users -------------------------------------------------------------------------------
    @staticmethod
    def _valid_username(username: str) -> str:
        name = normalise_username(username)
        if not USERNAME_RE.fullmatch(name):
            raise ValueError(MSG_BAD_USERNAME)
        return name

    @staticmethod
    def _check_password(password: str) -> None:
        if not isinstance(password, str) or len(password) < MIN_PASSWORD_CHARS:
            raise ValueError(MSG_SHORT_PASSWORD)
        if len(password) > MAX_PASSWORD_CHARS:
            raise ValueError(MSG_LONG_PASSWORD)

    def add_user(self, username: str, password: str, role: str) -> User:
        name = self._valid_username(username)
        if role not in ROLES:
            raise ValueError(MSG_BAD_ROLE)
        self._check_password(password)
        password_hash = self.hasher.hash(password)  # slow: outside the write transaction
        try:
            with self.transaction() as db:
                db.execute(
                    "INSERT INTO users (username, password_hash, role, created_at, disabled) VALUES (?,?,?,?,0)",
                    (name, password_hash, role, _now_iso(self.clock)),
                )
        except sqlite3.IntegrityError:
            raise ValueError(MSG_EXISTS.format(name=name)) from None
        return User(name, role)

    def remove_user(self, username: str) -> bool:
        """Remove a user and their tokens; False when there was no such user."""
        name = normalise_username(username)
        with self.transaction() as db:
            db.execute("DELETE FROM api_tokens WHERE username = ?", (name,))
            db.execute("DELETE FROM sessions WHERE username = ?", (name,))
            return db.execute("DELETE FROM users WHERE username = ?", (name,)).rowcount > 0

    def get_user(self, username: str) -> User | None:
        row = self.db.execute(
            "SELECT username, role FROM users WHERE username = ? AND disabled = 0", (normalise_username(username),)
        ).fetchone()
        return User(row["username"], row["role"]) if row else None

    def list_users(self) -> list[dict]:
        rows = self.db.execute(
            """SELECT u.username, u.role, u.created_at, u.disabled,
                      (SELECT COUNT(*) FROM api_tokens t WHERE t.username = u.username) AS tokens
               FROM users u ORDER BY u.username"""
        ).fetchall()
        return [dict(r, disabled=bool(r["disabled"])) for r in rows]

    def set_password(self, username: str, password: str) -> None:
        name = normalise_username(username)
        self._check_password(password)
        password_hash = self.hasher.hash(password)
        with self.transaction() as db:
            if db.execute("UPDATE users SET password_hash = ? WHERE username = ?", (password_hash, name)).rowcount == 0:
                raise ValueError(MSG_UNKNOWN.format(name=name))
            db.execute("DELETE FROM sessions WHERE username = ?", (name,))  # a new password signs out everywhere

    def set_disabled(self, username: str, disabled: bool) -> None:
        name = normalise_username(username)
        with self.transaction() as db:
            if db.execute("UPDATE users SET disabled = ? WHERE username = ?", (int(bool(disabled)), name)).rowcount == 0:
                raise ValueError(MSG_UNKNOWN.format(name=name))

    # -- sessions ----------------------------------------------------------------------------
    def create_session(self, username: str) -> str:
        token = secrets.token_urlsafe(32)
        with self.transaction() as db:
            db.execute("INSERT INTO sessions (token_hash, username, created_at) VALUES (?,?,?)",
                       (_token_hash(token), normalise_username(username), self.clock()))
        return token

    def user_for_session(self, token: str, max_age_seconds: float) -> User | None:
        if not token or len(token) > MAX_TOKEN_CHARS:
            return None
        row = self.db.execute(
            """SELECT u.username, u.role, s.created_at FROM sessions s JOIN users u ON u.username = s.username
               WHERE s.token_hash = ? AND u.disabled = 0""", (_token_hash(token),)).fetchone()
        if row is None or self.clock() - row["created_at"] > max_age_seconds:
            return None
        return User(row["username"], row["role"])

    def end_session(self, token: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM sessions WHERE token_hash = ?", (_token_hash(token or ""),))
            db.execute("DELETE FROM sessions WHERE created_at < ?", (self.clock() - 7 * 24 * 3600,))  # tidy up

    def verify(self, username: str, password: str) -> User | None:
        """The user when the password is right; None otherwise.

        An unknown or disabled user still costs one Argon2 verification, so the time taken does not
        tell whether a username exists."""
        name = normalise_username(username)
        row = self.db.execute(
            "SELECT username, password_hash, role, disabled FROM users WHERE username = ?", (name,)
        ).fetchone()
        if not isinstance(password, str) or len(password) > MAX_PASSWORD_CHARS:
            password = ""
        stored = row["password_hash"] if row else self._dummy()
        try:
            ok = self.hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok or row is None or row["disabled"]:
            return None
        if self.hasher.check_needs_rehash(stored):
            new_hash = self.hasher.hash(password)
            with self.transaction() as db:
                db.execute(
                    "UPDATE users SET password_hash = ? WHERE username = ? AND password_hash = ?",
                    (new_hash, name, stored),
                )
        return User(row["username"], row["role"])

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_hex(16))
        return self._dummy_hash

    # -- API tokens --------------------------------------------------------------------------
    def create_token(self, username: str) -> str:
        """A new API token for the user. Returned once in plain text; only its hash is kept."""
        name = normalise_username(username)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM users WHERE username = ?", (name,)).fetchone() is None:
                raise ValueError(MSG_UNKNOWN.format(name=name))
            db.execute(
                "INSERT INTO api_tokens (token_hash, username, created_at, last_used_at) VALUES (?,?,?,NULL)",
                (_token_hash(token), name, _now_iso(self.clock)),
            )
        return token

    def user_for_token(self, token: str) -> User | None:
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_CHARS:
            return None
        digest = _token_hash(token)
        row = self.db.execute(
            """SELECT t.token_hash, t.last_used_at, u.username, u.role FROM api_tokens t
               JOIN users u ON u.username = t.username WHERE t.token_hash = ? AND u.disabled = 0""",
            (digest,),
        ).fetchone()
        # the lookup is by hash through an index; compare again in constant time for good measure
        if row is None or not hmac.compare_digest(row["token_hash"], digest):
            return None
        now = self.clock()
        last = row["last_used_at"]
        if last is None or now - datetime.fromisoformat(last).timestamp() >= TOKEN_TOUCH_SECONDS:
            with self.transaction() as db:
                db.execute("UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?", (_now_iso(self.clock), digest))
        return User(row["username"], row["role"])

    def revoke_tokens(self, username: str) -> int:
        with self.transaction() as db:
            return db.execute("DELETE FROM api_tokens WHERE username = ?", (normalise_username(username),)).rowcount

    # -- audit log ---------------------------------------------------------------------------
    def audit(self, actor: str, action: str, target: str = "", detail: dict | None = None) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?,?,?,?,?)",
                (_now_iso(self.clock), actor or "", action, target or "",
                 json.dumps(detail or {}, ensure_ascii=False, default=str)),
            )

    def audit_entries(self, limit: int = 100) -> list[dict]:
        """Newest first."""
        rows = self.db.execute(
            "SELECT id, at, actor, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?",
            (max(0, int(limit)),),
        ).fetchall()
        return [dict(r, detail=json.loads(r["detail"] or "{}")) for r in rows]

    # -- login rate limiting -----------------------------------------------------------------
    def register_failed_login(self, key: str) -> None:
        now = self.clock()
        with self.transaction() as db:
            db.execute("INSERT INTO login_attempts (key, at) VALUES (?, ?)", (key, now))
            # keep the table small: nothing older than the window matters
            db.execute("DELETE FROM login_attempts WHERE at < ?", (now - self.window_seconds,))

    def login_allowed(self, key: str) -> bool:
        """False after max_failures failed attempts for this key within the window."""
        since = self.clock() - self.window_seconds
        (count,) = self.db.execute(
            "SELECT COUNT(*) FROM login_attempts WHERE key = ? AND at >= ?", (key, since)
        ).fetchone()
        return count < self.max_failures

    def reset_failed_logins(self, key: str) -> None:
        """After a successful login: earlier typos no longer count."""
        with self.transaction() as db:
            db.execute("DELETE FROM login_attempts WHERE key = ?", (key,))
