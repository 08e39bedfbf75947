"""Amounts in kronor and counts as Swedish reports write them.

Amounts: "2,4 miljoner kronor", "2 400 000 kr", "850 tkr", "1,2 mnkr", "3,5 MSEK", "640 000 kronor"; a bare
"6,1 miljoner" counts when the sentence speaks of kronor elsewhere ("9,8 miljoner kronor, varav 6,1
miljoner från ESF+"). Counts: "712 personer", "1 140 elever", "83 procent", "Sju av tio kommuner"; years,
dates and amounts are not counts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

NUMBER_WORDS = {"två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "åtta": 8, "nio": 9, "tio": 10,
                "elva": 11, "tolv": 12, "tretton": 13, "fjorton": 14, "femton": 15, "sexton": 16, "sjutton": 17,
                "arton": 18, "nitton": 19, "tjugo": 20, "trettio": 30, "fyrtio": 40, "femtio": 50, "hundra": 100,
                "tusen": 1000, "hälften": None, "alla": None, "samtliga": None}
_UNITS = {  # unit -> multiplier (kronor)
    "miljarder kronor": 1e9, "miljarder kr": 1e9, "mdkr": 1e9, "miljoner kronor": 1e6, "miljoner kr": 1e6,
    "milj. kr": 1e6, "milj kr": 1e6, "mnkr": 1e6, "mkr": 1e6, "msek": 1e6, "miljoner sek": 1e6,
    "tusen kronor": 1e3, "tusen kr": 1e3, "tkr": 1e3, "ksek": 1e3, "kkr": 1e3, "kronor": 1, "kr": 1, "sek": 1,
    "miljoner": 1e6, "miljon": 1e6,
}
_NUM = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?|\d+(?:[,.]\d+)?"
_AMOUNT = re.compile(
    rf"(?<![\d,.])(?P<num>{_NUM})\s*(?P<unit>{'|'.join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))})"
    r"(?![\wåäö])",
    re.IGNORECASE,
)
_KRONOR = re.compile(r"\b(?:kronor|kr|sek|tkr|mnkr|mkr|msek)\b", re.IGNORECASE)
_COUNT = re.compile(
    rf"(?<![\d,.:/-])(?P<num>{_NUM})(?P<pct>\s*(?:procent|%|procentenheter))?(?![\d:/]|-\d|\.\d)"
    rf"|\b(?P<word>{'|'.join(w for w in NUMBER_WORDS if NUMBER_WORDS[w])})\b",
    re.IGNORECASE,
)
_YEARISH = re.compile(r"^(?:19|20)\d\d$")


@dataclass(frozen=True)
class Amount:
    sek: int
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Count:
    value: float
    text: str
    start: int
    end: int
    percent: bool = False


def to_number(text: str) -> float:
    clean = re.sub(r"[ \u00a0\u202f]", "", text)
    if "," in clean:
        clean = clean.replace(",", ".")
    elif re.fullmatch(r"\d+\.\d{3}", clean):  # "2.400" is two thousand four hundred in Swedish
        clean = clean.replace(".", "")
    return float(clean)


def find_amounts(text: str) -> list[Amount]:
    """Every amount in kronor, as whole kronor."""
    return list(_amounts(text))


@lru_cache(maxsize=4096)
def _amounts(text: str) -> tuple[Amount, ...]:
    """The project card rules ask for the amounts of one sentence several times: found once."""
    speaks_of_kronor = bool(_KRONOR.search(text))
    out = []
    for m in _AMOUNT.finditer(text):
        unit = m.group("unit").lower()
        if unit in ("miljoner", "miljon") and not speaks_of_kronor:
            continue  # "2 miljoner invånare"
        value = to_number(m.group("num")) * _UNITS[unit]
        if value <= 0:
            continue
        out.append(Amount(int(round(value)), m.group(0), m.start(), m.end()))
    return tuple(out)


def find_counts(text: str, skip: list[tuple[int, int]] = ()) -> list[Count]:
    """Numbers that count something: not years, not dates, not amounts, not inside `skip` spans."""
    taken = [(a.start, a.end) for a in find_amounts(text)] + list(skip)
    out = []
    for m in _COUNT.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        if m.group("word"):
            out.append(Count(float(NUMBER_WORDS[m.group("word").lower()]), m.group(0), m.start(), m.end()))
            continue
        number = m.group("num")
        if _YEARISH.match(number) and not m.group("pct"):
            continue
        after = text[m.end():m.end() + 4]
        if re.match(r"\s*(?:år\b|st\b|kap|§)", after) and not m.group("pct") and "år" in after[:3]:
            continue  # "18–29 år", "i fyra år"
        if re.match(r"\.(?:se|nu|com)\b", after):
            continue  # "1177.se"
        out.append(Count(to_number(number), m.group(0), m.start(), m.end(), bool(m.group("pct"))))
    return out
