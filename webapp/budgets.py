"""Character budgets: how much text an anonymous caller may have analysed per minute (per client address, in
this process), so that nobody can keep the server busy by sending text to /api/link or to search.

Analysis is linear in the text (search/_analysis.py caps tokens and compound splitting), so characters
are a fair measure of the CPU a request costs: ~0.4 s for the worst 100k characters measured, far less for
real text. Signed-in staff and API tokens are not limited.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from fastapi import HTTPException, Request

from webapp.auth import current_user

WINDOW_SECONDS = 60


class CharBudget:
    """At most `per_minute` characters per client address in any 60 s (sliding window)."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._spent: dict[str, deque] = defaultdict(deque)  # address -> (time, characters)
        self._lock = threading.Lock()

    def spend(self, key: str, chars: int) -> bool:
        """Charge `chars` to `key`; False (nothing charged) when that would exceed the budget."""
        now = time.monotonic()
        with self._lock:
            spent = self._spent[key]
            while spent and now - spent[0][0] > WINDOW_SECONDS:
                spent.popleft()
            if sum(c for _t, c in spent) + chars > self.per_minute:
                return False
            spent.append((now, chars))
            if len(self._spent) > 10_000:  # forget idle clients
                for stale in [k for k, v in self._spent.items() if not v]:
                    del self._spent[stale]
            return True

    def clear(self) -> None:
        with self._lock:
            self._spent.clear()

    def charge(self, request: Request, chars: int) -> None:
        """Charge an anonymous request; 429 with a Swedish explanation when its address has spent its budget."""
        if chars <= 0 or current_user(request) is not None:
            return
        if not self.spend(request.client.host if request.client else "?", chars):
            raise HTTPException(429, "För mycket text på kort tid. Vänta en minut, logga in eller använd en API-nyckel.",
                                headers={"Retry-After": str(WINDOW_SECONDS)})


# Two full /api/link texts (100k characters each) a minute: at most ~1 s of CPU a minute per address.
LINK_CHARS = CharBudget(per_minute=200_000)
# The engine reads at most 400 characters of a query: 50 such queries, or ~1,000 ordinary ones, a minute.
QUERY_CHARS = CharBudget(per_minute=20_000)
