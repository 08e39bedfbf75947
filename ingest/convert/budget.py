"""How a converter running in its bounded child asks for the time its work declares (OCR: per page).

The child installs a reporter that tells the waiting parent; in-process conversions (tests, tools)
have none, and asking costs nothing."""
from __future__ import annotations

from typing import Callable

_reporter: Callable[[float], None] | None = None


def report_to(reporter: Callable[[float], None] | None) -> None:
    global _reporter
    _reporter = reporter


def extend(seconds: float) -> None:
    """From now on the conversion may take `seconds` more (replaces the budget in force)."""
    if _reporter is not None:
        _reporter(seconds)
