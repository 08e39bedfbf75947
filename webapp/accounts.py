"""Accounts for editors and admins: users, API tokens, an audit log and throttled logins.

Stored in the catalogue's SQLite file through `ingest.store.people` (all SQL is there), so one data
directory holds everything. Passwords are Argon2id hashes (argon2-cffi); API tokens are random and only their
SHA-256 is stored, so a copy of the file gives no usable token. Visitors never have an account:
anyone not logged in sees public documents only (see webapp.auth). Logins go through `attempt_login`,
which applies the rules of `webapp.login_limits` (a cap on concurrent password checks, back-off counted
before the check).
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
from webapp.login_limits import (LONGEST_MEMORY, PROCESS_SLOTS, BlockedAddresses, HashSlots, TrustedDevice,
                                 counted_keys, in_hashing_thread, password_fingerprint)

ROLES = ("reader", "editor", "admin")  # reader: staff who may see internal documents but not change any
EDIT_ROLES = ("editor", "admin")
USERNAME_RE = re.compile(r"[a-z0-9._-]{2,40}")
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024  # Argon2 takes any length; a cap keeps a megabyte "password" from costing CPU
TOKEN_PREFIX = "kb_"
MAX_TOKEN_CHARS = 200
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


@dataclass(frozen=True)
class LoginOutcome:
    """What became of one login attempt."""

    user: User | None = None
    wait_seconds: float = 0.0  # > 0: refused without checking the password; try again after this
    busy: bool = False  # refused because every password-check slot of this process was taken
    fingerprint: str = ""  # of the stored password hash, for the trusted-browser cookie after a success

    @property
    def refused(self) -> bool:
        return self.wait_seconds > 0


class Accounts:
    """Users, tokens, audit log and login throttling: the rules, over the catalogue file's tables."""

    def __init__(self, db_path: Path | str, *, hasher: PasswordHasher | None = None,
                 clock: Callable[[], float] = time.time, slots: HashSlots | None = None):
        self.store = PeopleStore(db_path)
        self.hasher = hasher or PasswordHasher()
        self.clock = clock
        self.slots = slots or PROCESS_SLOTS
        self.blocked_addresses = BlockedAddresses()
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

    def exists(self, username: str) -> bool:
        """True for any account of that name, disabled or not."""
        return self.store.user_row(normalise_username(username)) is not None

    def list_users(self) -> list[dict]:
        return self.store.users()

    def set_password(self, username: str, password: str) -> int:
        """A new password. Every session of the user ends and their API tokens are revoked (a password is
        changed when it may be known to someone else); returns how many tokens were revoked."""
        name = normalise_username(username)
        self._check_password(password)
        revoked = self.store.replace_password(name, self.hasher.hash(password))
        if revoked is None:
            raise ValueError(MSG_UNKNOWN.format(name=name))
        return revoked

    def set_disabled(self, username: str, disabled: bool) -> None:
        """Disabling ends the user's sessions; tokens are refused while disabled."""
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
        """The user when the password is right; None otherwise. No throttling: see `attempt_login`.

        An unknown or disabled user still costs one Argon2 verification, so the time taken does not
        tell whether a username exists."""
        name = normalise_username(username)
        return self._check(name, self.store.user_row(name), password)[0]

    def _check(self, name: str, row: dict | None, password: str) -> tuple[User | None, str]:
        """(the user or None, the stored hash afterwards): upgrades a hash made with weaker parameters."""
        if not isinstance(password, str) or len(password) > MAX_PASSWORD_CHARS:
            password = ""
        stored = row["password_hash"] if row else in_hashing_thread(self._dummy)
        try:
            ok = in_hashing_thread(self.hasher.verify, stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok or row is None or row["disabled"]:
            return None, stored
        if self.hasher.check_needs_rehash(stored):
            stronger = in_hashing_thread(self.hasher.hash, password)
            if self.store.rehash_password(name, stronger, only_if=stored):
                stored = stronger
        return User(row["username"], row["role"]), stored

    def attempt_login(self, username: str, password: str, address: str,
                      device: TrustedDevice | None = None) -> LoginOutcome:
        """A throttled login (the rules are in `webapp.login_limits`).

        Without a free password-check slot the attempt is refused at once. Otherwise it is counted first
        (atomically, in the catalogue file) and refused without hashing while a back-off runs; only then
        is the password checked. A browser that signed in as this user before, with the current password,
        is counted on its own (`device`), so others' failures never lock it out."""
        name = normalise_username(username)
        with self.slots.hold(name) as held:
            if not held:
                return LoginOutcome(wait_seconds=1.0, busy=True)
            row = self.store.user_row(name)
            trusted = (device is not None and row is not None and device.username == name
                       and hmac.compare_digest(device.fingerprint, password_fingerprint(row["password_hash"])))
            counters = counted_keys(name, address, device.id if trusted else None)
            now = self.clock()
            waits = self.store.claim_login_attempt(counters, now, tidy_before=now - LONGEST_MEMORY)
            if waits:
                if f"addr:{address}" in waits:  # later attempts from there are refused before they are read
                    self.blocked_addresses.note(address, now + waits[f"addr:{address}"], now)
                return LoginOutcome(wait_seconds=max(waits.values()))
            user, stored = self._check(name, row, password)
            if user is None:
                return LoginOutcome()
            # the name's (or browser's) count starts again; a shared address only loses this attempt
            self.store.settle_login_success(cleared=counters[:1], uncounted=counters[1:])
            return LoginOutcome(user=user, fingerprint=password_fingerprint(stored))

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

    # -- login throttling -------------------------------------------------------------------
    def login_counts(self) -> dict[str, int]:
        """Failed attempts counted per name, address and browser (`name:…`, `addr:…`, `device:…`)."""
        return self.store.login_counts()
