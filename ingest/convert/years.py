"""The year a document belongs to, from the document, in this order:

1. a designation's year (Dir. 2016:15, AD 2013 nr 63, NJA 2014 s. 499); for a bill, its date
   ("Stockholm den 18 april 2013") when the page has one, else the riksmöte's first year;
2. a year beside a period word in the title: "Verksamhetsplan 2026", "2025 Årsbokslut", "budget 2024";
3. a dated statement on the first pages: "Antagen 2023-03-31", "Publicerad 25 oktober 2022", "Tryck: 2013",
   "Reviderad enligt KS § 110/2013", "Beslut vid regeringssammanträde den 25 februari 2016";
4. any single year in the title ("Nulägesanalys 2009"), then the first date on the first page
   ("2022-04-21", "13 juni 2023", "december 2021");
5. the first year of a period in the title ("Strategi 2020–2050");
6. the file's creation date (PDF /CreationDate, DOCX created), then a year in the file name.
Never the ingest date.
"""
from __future__ import annotations

import re
from datetime import date

from ingest.convert.doc_types import vocabulary
from ingest.convert.wording import MONTHS

_YEAR = r"(?:19[5-9]\d|20[0-4]\d)"
_ISO_DATE = rf"({_YEAR})\s*-+\s*\d{{1,2}}\s*-+\s*\d{{1,2}}"
_WRITTEN_DATE = rf"\d{{1,2}}\s+(?:{MONTHS})\s+({_YEAR})"
_ANY_DATE = re.compile(rf"{_ISO_DATE}|{_WRITTEN_DATE}|\b(?:{MONTHS})\s+({_YEAR})\b", re.I)
_MARKED = re.compile(
    r"\b(antagen|antagna|antogs|beslutad|beslutade|beslut vid|beslutsdatum|fastställd|fastställt|godkänd|"
    r"reviderad|rev\.|publicerad|publicerades|utgiven|utgivningsår|tryck|tryckt|uppdaterad|version|daterad|"
    r"datum|avgörandedatum|sammanträdesdatum|meddelad|upprättad|stockholm den|stockholm i)\b"
    rf"[^\n]{{0,40}}?(?:{_ISO_DATE}|{_WRITTEN_DATE}|(?:{MONTHS})\s+({_YEAR})|\b({_YEAR})\b)",
    re.I,
)
_SPAN_END = re.compile(rf"\s*(?:och|till|–|-|—)\s*(?:{_ISO_DATE}|{_WRITTEN_DATE}|(?:{MONTHS})\s+({_YEAR}))", re.I)
_RANGE = re.compile(rf"\b({_YEAR})\s*[-–/]\s*(?:{_YEAR}|\d\d)\b")
_SINGLE = re.compile(rf"(?<![\d/–-])\b({_YEAR})\b(?![\d/–-]|\s*[-–]\s*\d)")


def _plausible(year: int | None) -> int | None:
    return year if year is not None and 1950 <= year <= date.today().year + 10 else None


def _first_group(match: re.Match) -> int | None:
    return next((int(g) for g in match.groups() if g and g.isdigit() and len(g) == 4), None)


def period_year(title: str) -> int | None:
    """'Verksamhetsplan 2026' -> 2026, '2025 Årsbokslut' -> 2025; None without a period word beside it."""
    words = "|".join(re.escape(w) for w in sorted(vocabulary().period_words, key=len, reverse=True))
    if not words:
        return None
    match = re.search(rf"(?:\b(?:\w*(?:{words}))\w*\s+(?:för\s+)?(?:år\s+)?({_YEAR})\b(?!\s*[-–]\s*\d))|"
                      rf"(?:\b({_YEAR})\s+\w*(?:{words}))", title, re.I)
    return _first_group(match) if match else None


def marked_year(text: str) -> int | None:
    match = _MARKED.search(text)
    return _first_group(match) if match else None


def find_year(*, designation=None, title: str, front_text: str, first_page: str, created: str,
              file_name: str) -> int | None:
    if designation is not None:
        if designation.series.number.startswith("riksmote"):
            dated = re.search(rf"Stockholm den\s+{_WRITTEN_DATE}", front_text, re.I)
            return int(dated.group(1)) if dated else designation.year
        return designation.year
    for found in (period_year(title), marked_year(front_text)):
        if _plausible(found):
            return found
    single = _SINGLE.search(title)
    if single and _plausible(int(single.group(1))):
        return int(single.group(1))
    dated = _ANY_DATE.search(first_page)
    if dated and _plausible(_first_group(dated)):
        span_end = _SPAN_END.match(first_page, dated.end())
        if span_end and _plausible(_first_group(span_end)):
            return _first_group(span_end)  # "mellan maj 2020 och oktober 2021": written when it ended
        return _first_group(dated)
    period = _RANGE.search(title)
    if period and _plausible(int(period.group(1))):
        return int(period.group(1))
    created_year = re.search(rf"({_YEAR})", created or "")
    if created_year and _plausible(int(created_year.group(1))):
        return int(created_year.group(1))
    named = re.search(rf"(?<!\d)({_YEAR})(?!\d)", file_name)
    return int(named.group(1)) if named and _plausible(int(named.group(1))) else None
