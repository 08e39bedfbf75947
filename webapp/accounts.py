"""Accounts for editors and admins: users, API tokens, an audit log and login rate limiting.

Stored in the catalogue's SQLite file through `ingest.store.people` (all SQL is there), so one data
directory holds everything. Passwords are Argon2id hashes (argon2-cffi); API tokens are random and only their
SHA-256 is stored, so a copy of the file gives no usable token. Visitors never have an account:
anyone not logged in sees public documents only (see webapp.auth).
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ingest.store.people import PeopleStore

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


class Accounts:
    """Users, tokens, audit log and login throttling: the rules, over the catalogue file's tables."""

    def __init__(self, db_path: Path | str, *, hasher: PasswordHasher | None = None,
                 clock: Callable[[], float] = time.time,
                 max_failures: int = LOGIN_MAX_FAILURES, window_seconds: float = LOGIN_WINDOW_SECONDS):
        self.store = PeopleStore(db_path)
        self.hasher = hasher or PasswordHasher()
        self.clock = clock
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._dummy_hash: str | None = None

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
        if not self.store.insert_user(name, password_hash, role, _now_iso(self.clock)):
            raise ValueError(MSG_EXISTS.format(name=name))
        return User(name, role)

    def remove_user(self, username: str) -> bool:
        """Remove a user and their tokens; False when there was no such user."""
        return self.store.delete_user(normalise_username(username))

    def get_user(self, username: str) -> User | None:
        row = self.store.user_row(normalise_username(username))
        return User(row["username"], row["role"]) if row and not row["disabled"] else None

    def list_users(self) -> list[dict]:
        return self.store.users()

    def set_password(self, username: str, password: str) -> None:
        name = normalise_username(username)
        self._check_password(password)
        password_hash = self.hasher.hash(password)
        if not self.store.update_password_hash(name, password_hash):  # a new password signs out everywhere
            raise ValueError(MSG_UNKNOWN.format(name=name))

    def set_disabled(self, username: str, disabled: bool) -> None:
        name = normalise_username(username)
        if not self.store.set_disabled(name, disabled):
            raise ValueError(MSG_UNKNOWN.format(name=name))

    # -- sessions ----------------------------------------------------------------------------
    def create_session(self, username: str) -> str:
        token = secrets.token_urlsafe(32)
        self.store.insert_session(_token_hash(token), normalise_username(username), self.clock())
        return token

    def user_for_session(self, token: str, max_age_seconds: float) -> User | None:
        if not token or len(token) > MAX_TOKEN_CHARS:
            return None
        row = self.store.session_user(_token_hash(token))
        if row is None or self.clock() - row["created_at"] > max_age_seconds:
            return None
        return User(row["username"], row["role"])

    def end_session(self, token: str) -> None:
        self.store.delete_session(_token_hash(token or ""), older_than=self.clock() - 7 * 24 * 3600)  # tidy up

    def verify(self, username: str, password: str) -> User | None:
        """The user when the password is right; None otherwise.

        An unknown or disabled user still costs one Argon2 verification, so the time taken does not
        tell whether a username exists."""
        name = normalise_username(username)
        row = self.store.user_row(name)
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
            self.store.update_password_hash(name, self.hasher.hash(password), only_if=stored, end_sessions=False)
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
        if not self.store.insert_token(_token_hash(token), name, _now_iso(self.clock)):
            raise ValueError(MSG_UNKNOWN.format(name=name))
        return token

    def user_for_token(self, token: str) -> User | None:
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_CHARS:
            return None
        digest = _token_hash(token)
        row = self.store.token_user(digest)
        # the lookup is by hash through an index; compare again in constant time for good measure
        if row is None or not hmac.compare_digest(row["token_hash"], digest):
            return None
        now = self.clock()
        last = row["last_used_at"]
        if last is None or now - datetime.fromisoformat(last).timestamp() >= TOKEN_TOUCH_SECONDS:
            self.store.touch_token(digest, _now_iso(self.clock))
        return User(row["username"], row["role"])

    def revoke_tokens(self, username: str) -> int:
        return self.store.delete_tokens(normalise_username(username))

    # -- audit log ---------------------------------------------------------------------------
    def audit(self, actor: str, action: str, target: str = "", detail: dict | None = None) -> None:
        self.store.insert_audit(_now_iso(self.clock), actor or "", action, target or "", detail or {})

    def audit_entries(self, limit: int = 100) -> list[dict]:
        """Newest first."""
        return self.store.audit_entries(limit)

    # -- login rate limiting -----------------------------------------------------------------
    def register_failed_login(self, key: str) -> None:
        now = self.clock()
        self.store.add_login_failure(key, now, forget_before=now - self.window_seconds)

    def login_allowed(self, key: str) -> bool:
        """False after max_failures failed attempts for this key within the window."""
        return self.store.count_login_failures(key, since=self.clock() - self.window_seconds) < self.max_failures

    def reset_failed_logins(self, key: str) -> None:
        """After a successful login: earlier typos no longer count."""
        self.store.clear_login_failures(key)
