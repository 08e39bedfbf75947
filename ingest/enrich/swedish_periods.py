"""Dates and periods as Swedish reports write them, to ISO partial dates ("2020", "2020-05", "2020-05-01").

"2020-05-01–2021-10-31", "maj 2020 till oktober 2021", "mellan mars och oktober 2025", "hösten 2020 –
december 2023", "under 2022", "början av 2024". A season is a span of months: as a start it is its first
month, as an end its last ("hösten 2023" starts 2023-08 and ends 2023-12). Every date keeps the words it
was read from, so a card can show "hösten 2020" rather than a made-up day.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december")
# (first month as a start, last month as an end)
SEASONS = {"våren": (1, 6), "vårterminen": (1, 6), "sommaren": (6, 8), "hösten": (8, 12),
           "höstterminen": (8, 12), "vintern": (12, 2), "början av": (1, 4), "slutet av": (9, 12),
           "mitten av": (5, 8), "första halvåret": (1, 6), "andra halvåret": (7, 12)}
_MONTH = "|".join(MONTHS)
_SEASON = "|".join(sorted(SEASONS, key=len, reverse=True))
_YEAR = r"(?:19|20)\d\d"
DATE = re.compile(
    rf"(?P<iso>\b{_YEAR}-[01]\d(?:-[0-3]\d)?\b)"
    rf"|(?:\b(?P<day>[0-3]?\d)\s+)?\b(?P<month>{_MONTH})(?:\s+(?P<month_year>{_YEAR}))?\b"
    rf"|\b(?P<season>{_SEASON})\s+(?:år\s+)?(?P<season_year>{_YEAR})\b"
    rf"|(?<![\d:,.])(?P<year>{_YEAR})(?![\d:,])(?!\s*(?:kr|kronor|tkr|mnkr|miljoner|personer|st)\b)",
    re.IGNORECASE,
)
# What may stand between the two ends of a period.
_JOIN = re.compile(r"^\s*(?:[-–—]|till\s+och\s+med|t\.\s?o\.\s?m\.?|fram\s+till|till|och|/)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class When:
    """One date as written: year, and month/day when given; a season carries its months."""

    year: int
    month: int | None = None
    day: int | None = None
    season: str | None = None
    text: str = ""
    start: int = 0
    end: int = 0

    def as_start(self) -> str:
        if self.season:
            return f"{self.year:04d}-{SEASONS[self.season][0]:02d}"
        return self._iso()

    def as_end(self) -> str:
        if self.season:
            first, last = SEASONS[self.season]
            return f"{self.year + (1 if last < first else 0):04d}-{last:02d}"
        return self._iso()

    def _iso(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True)
class Period:
    """A span read from text: either end may be missing; `text` is the words it came from."""

    start: str | None
    end: str | None
    text: str
    at: int = 0  # where in the sentence it was found
    until: int = 0
    single: bool = False  # one date ("under 2022", "i januari 2024"), not a span
    start_text: str = ""  # the words of each end ("hösten 2020", "december 2023")
    end_text: str = ""


def find_dates(text: str) -> list[When]:
    """Every date in the text, in order. A month without a year ("mars och oktober 2025") takes the year
    of the next date that has one; one that never gets a year is dropped."""
    found: list[When | tuple] = []
    for m in DATE.finditer(text):
        if m.group("iso"):
            parts = [int(x) for x in m.group("iso").split("-")]
            if not 1 <= parts[1] <= 12 or (len(parts) == 3 and not 1 <= parts[2] <= 31):
                continue
            found.append(When(parts[0], parts[1], parts[2] if len(parts) == 3 else None, None, m.group(0),
                              m.start(), m.end()))
        elif m.group("month"):
            month = MONTHS.index(m.group("month").lower()) + 1
            day = int(m.group("day")) if m.group("day") and 1 <= int(m.group("day")) <= 31 else None
            year = int(m.group("month_year")) if m.group("month_year") else None
            found.append(("pending", month, day, m) if year is None else
                         When(year, month, day, None, m.group(0), m.start(), m.end()))
        elif m.group("season"):
            found.append(When(int(m.group("season_year")), None, None, m.group("season").lower(), m.group(0),
                              m.start(), m.end()))
        else:
            found.append(When(int(m.group("year")), text=m.group(0), start=m.start(), end=m.end()))
    out: list[When] = []
    for i, item in enumerate(found):
        if isinstance(item, When):
            out.append(item)
            continue
        _, month, day, m = item
        later = next((f for f in found[i + 1:] if isinstance(f, When)), None)
        if later is not None and later.start - m.end() < 40:  # "mars och oktober 2025", not a stray "maj"
            out.append(When(later.year, month, day, None, m.group(0), m.start(), m.end()))
    return out


def find_periods(text: str) -> list[Period]:
    """Spans ("X–Y", "mellan X och Y", "X till och med Y") and lone dates, in order of appearance. A lone
    date is a Period with both ends from the same date, for the caller to decide which end it is."""
    dates = find_dates(text)
    periods: list[Period] = []
    i = 0
    while i < len(dates):
        first = dates[i]
        if i + 1 < len(dates):
            second = dates[i + 1]
            between = text[first.end:second.start]
            if _JOIN.match(between) and _ordered(first, second):
                if between.strip().lower() != "och" or re.search(r"\bmellan\s+$", text[:first.start], re.I):
                    periods.append(Period(first.as_start(), second.as_end(), text[first.start:second.end],
                                          first.start, second.end, start_text=_with_year(first, second),
                                          end_text=second.text))
                    i += 2
                    continue
        periods.append(Period(first.as_start(), first.as_end(), first.text, first.start, first.end, single=True,
                              start_text=first.text, end_text=first.text))
        i += 1
    return periods


def _with_year(first: When, second: When) -> str:
    """'mars' in 'mars och oktober 2025' is 'mars 2025'."""
    return first.text if re.search(r"\d{4}", first.text) else f"{first.text} {first.year}"


def _ordered(first: When, second: When) -> bool:
    return (first.year, first.month or 0) <= (second.year, second.month or 12)
