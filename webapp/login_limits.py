"""Login throttling rules: a cap on concurrent password checks, and exponential back-off per name, address and browser.

A password check (Argon2id, production parameters: 64 MiB and about 0.1–0.5 s of CPU each) is the most
expensive thing an anonymous client can ask for. So:

- `HashSlots`: at most `KUNSKAPSBANK_LOGIN_HASHES` (default 2) checks at once in a server process, and
  one at a time per user name. An attempt that finds no free slot is refused at once (429) without
  hashing, so memory stays bounded (workers × slots × 64 MiB) and the thread pool stays free.
- `Backoff`: every attempt is counted in the catalogue file *before* its password is checked, in the same
  write transaction that reads the count (`PeopleStore.claim_login_attempt`), so parallel attempts through
  several server processes cannot all slip through. After a few free failures the next attempt must wait,
  the wait doubling with each failure up to a cap; a success clears the name's count.
- Trusted browsers: a successful login leaves a signed cookie naming the user (`webapp.account_pages`).
  With it, the user's attempts are counted on that browser alone, so an attacker guessing the same name,
  or people behind the same proxy address, never lock the real user out of their usual browser. The
  cookie carries a fingerprint of the password hash: a new password makes every such cookie worthless.
"""
from __future__ import annotations

import hashlib
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, TypeVar

HASH_SLOTS = max(1, int(os.environ.get("KUNSKAPSBANK_LOGIN_HASHES", "2")))
HASH_NICENESS = 19  # the lowest priority: a login waits for searches, never the other way round
T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """Failures before any wait, then a wait that doubles with each failure, up to a cap."""

    free: int
    first_wait: float  # seconds, after the `free`-th failure
    max_wait: float
    forget_after: float  # seconds without a counted attempt after which the count starts again

    def wait_after(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.first_wait * 2.0 ** min(failures - self.free, 40), self.max_wait)


# Per name: guessing one user's password gets 5 tries at once, then ~12 more in the next quarter of an
# hour, then one per 15 minutes. Per address: many people may share one (a proxy), so more free tries
# and a short cap; it slows spraying one password over many names. Per trusted browser: like a name.
NAME_BACKOFF = Backoff(free=5, first_wait=2.0, max_wait=15 * 60.0, forget_after=3600.0)
ADDRESS_BACKOFF = Backoff(free=20, first_wait=1.0, max_wait=60.0, forget_after=15 * 60.0)
DEVICE_BACKOFF = Backoff(free=5, first_wait=2.0, max_wait=15 * 60.0, forget_after=3600.0)
LONGEST_MEMORY = max(b.forget_after for b in (NAME_BACKOFF, ADDRESS_BACKOFF, DEVICE_BACKOFF))


@dataclass(frozen=True)
class CountedKey:
    """One counter an attempt is counted on, with its rule (plain data for `ingest.store.people`)."""

    key: str
    backoff: Backoff

    def forget_before(self, now: float) -> float:
        return now - self.backoff.forget_after

    def wait_after(self, failures: int) -> float:
        return self.backoff.wait_after(failures)


def counted_keys(name: str, address: str, device_id: str | None) -> list[CountedKey]:
    """A trusted browser is counted alone; any other attempt on its name and its address."""
    if device_id:
        return [CountedKey(f"device:{device_id}", DEVICE_BACKOFF)]
    return [CountedKey(f"name:{name}", NAME_BACKOFF), CountedKey(f"addr:{address}", ADDRESS_BACKOFF)]


@dataclass(frozen=True)
class TrustedDevice:
    """What a browser's signed device cookie says: it signed in as `username` with this password."""

    username: str
    id: str
    fingerprint: str


def password_fingerprint(password_hash: str) -> str:
    """Changes whenever the stored hash does; reveals nothing about the password (a hash of a hash)."""
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:20]


class HashSlots:
    """At most `total` password checks at once in this process, and one per user name; never waits."""

    def __init__(self, total: int = HASH_SLOTS):
        self.total = total
        self._lock = threading.Lock()
        self._names: set[str] = set()

    @contextmanager
    def hold(self, name: str) -> Iterator[bool]:
        """Yields True with a slot held for the block, False (hold nothing, check nothing) when none is free."""
        with self._lock:
            ok = len(self._names) < self.total and name not in self._names
            if ok:
                self._names.add(name)
        try:
            yield ok
        finally:
            if ok:
                with self._lock:
                    self._names.discard(name)

    @property
    def in_use(self) -> int:
        return len(self._names)


PROCESS_SLOTS = HashSlots()  # one cap per server process, however many Accounts objects it makes


def _lower_priority() -> None:
    try:  # this thread only (Linux), and the Argon2 lanes it starts: searches keep the CPU under a flood
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)
    except (OSError, AttributeError):
        pass


def _hashing_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=HASH_SLOTS, thread_name_prefix="password-check", initializer=_lower_priority)


_HASHING = _hashing_threads()


def _after_fork_in_child() -> None:
    """A forked child has none of its parent's threads: neither their slots nor their hashing threads."""
    global _HASHING
    _HASHING = _hashing_threads()
    PROCESS_SLOTS.__init__(PROCESS_SLOTS.total)


os.register_at_fork(after_in_child=_after_fork_in_child)


def in_hashing_thread(function: Callable[..., T], *args) -> T:
    """Run a password hash or check in one of this process's low-priority hashing threads and wait."""
    return _HASHING.submit(function, *args).result()


class BlockedAddresses:
    """Addresses this process was told are waiting out a back-off, and until when (bounded in size), so
    that a flood from one address is answered before its requests are read (`webapp.login_gate`)."""

    def __init__(self, max_entries: int = 10_000):
        self.max_entries = max_entries
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def note(self, address: str, until: float, now: float) -> None:
        with self._lock:
            if len(self._until) >= self.max_entries:
                self._until = {a: u for a, u in self._until.items() if u > now}
                if len(self._until) >= self.max_entries:
                    self._until.clear()  # a flood of addresses: forget rather than grow
            self._until[address] = until

    def wait(self, address: str, now: float) -> float:
        until = self._until.get(address)
        return until - now if until is not None and until > now else 0.0


def wait_message(seconds: float) -> str:
    """The Swedish sentence for a refused attempt, with the wait in whole seconds or minutes."""
    whole = max(1, math.ceil(seconds))
    if whole < 120:
        amount = f"{whole} sekund" if whole == 1 else f"{whole} sekunder"
    else:
        minutes = math.ceil(whole / 60)
        amount = f"{minutes} minut" if minutes == 1 else f"{minutes} minuter"
    return f"För många inloggningsförsök – vänta {amount} och försök igen."


def retry_after(seconds: float) -> str:
    """The Retry-After header value: whole seconds, never 0."""
    return str(max(1, math.ceil(seconds)))

