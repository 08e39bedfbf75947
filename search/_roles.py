"""Passage roles, found when a passage is indexed: its heading only repeats the title, it is a cover page, a
table of contents, or a list of references.

Ranking weighs such passages down (search._matching): they repeat the title or name many things without
saying anything about them, and as short passages they would otherwise score high on the very words a
query shares with the title ('Slutrapport, december 2021. Region Västmanland…' above the results of the
report; a footnote '[30] … klimatanpassning … (PDF)' above the chapter on it). A heading that repeats the
title ("title_heading") adds nothing the title does not already count.
"""
from __future__ import annotations

import re

from search._analysis import STOP_WORDS, raw_tokens

COVER_MAX_WORDS = 50  # a cover or preamble is short
ROLE_CHARS = 6000  # roles are read from this much of a passage (passages hold at most ~320 words): linear time
TITLE_ECHO = 0.7  # share of the title's words a passage must repeat to echo it
_TOC_HEADINGS = {"innehåll", "innehållsförteckning", "innehållsförteckningen"}
# possessive letter run and one \b before the alternatives: the same matches, without retrying every
# shorter run (a shorter run is followed by a letter, which nothing after it accepts): ~2x faster
_TOC_ENTRY = re.compile(r"(?<![^\W\d_])[^\W\d_]{3,}+[?!]?\s*\.*\s+(\d{1,3})(?![\d,.:%])", re.UNICODE)  # "Bakgrund 7", "Syfte .... 12"
_REFERENCE = re.compile(
    r"\[\d{1,3}\]|\(pdf\)|(?:https?://|www\.)\S+|\b(?:[\w-]{1,63}\.(?:se|nu|com|org|eu|net)\b|sid(?:an)?\.?\s*\d+|s\.\s*\d+"
    r"|sou\s+\d{4}:\d+|hämtad\b|tillgänglig\s+(?:på|via)\b)", re.IGNORECASE)


MIN_ECHOED_TITLE = 12  # characters: shorter titles ("SSYK", "Årsredovisning") are ordinary words in a text


def _title_pattern(text: str, title: str) -> re.Pattern | None:
    title = " ".join(title.split())
    if len(title) < MIN_ECHOED_TITLE or title.lower() not in " ".join(text.split()).lower():
        return None
    return re.compile(r"\s+".join(re.escape(word) for word in title.split()), re.IGNORECASE)


def without_title(text: str, title: str) -> str:
    """`text` without the document's title where it repeats it word for word (a running header or footer
    such as "Region Västmanland – <title> Sida 2"): the title field counts those words already."""
    pattern = _title_pattern(text, title)
    return pattern.sub(" ", text) if pattern else text


def title_spans(text: str, title: str) -> list[tuple[int, int]]:
    """Where `text` repeats the title word for word (character offsets)."""
    pattern = _title_pattern(text, title)
    return [m.span() for m in pattern.finditer(text)] if pattern else []


def _words(text: str) -> list[str]:
    return [tok for tok, _s, _e, _alts in raw_tokens(text or "") if tok not in STOP_WORDS and not tok.isdigit()]


def _echoes(words: list[str], title: set[str]) -> bool:
    return bool(title) and len(title & set(words)) >= TITLE_ECHO * len(title)


def _ascending(numbers: list[int]) -> bool:
    """Page numbers of a table of contents grow; the numbers of a financial table do not."""
    steps = [b >= a for a, b in zip(numbers, numbers[1:])]
    return len(numbers) >= 6 and sum(steps) >= 0.8 * len(steps)


def passage_roles(title: str, heading: str, text: str, ord_: int = 0) -> list[str]:
    """"title_heading", "cover", "toc" and/or "references" for a passage, or nothing for an ordinary one."""
    roles = []
    text = (text or "")[:ROLE_CHARS]
    words: list[str] | None = None

    def passage_words() -> list[str]:
        """Read only when a rule gets that far (for most passages none does): tokenising the text is the
        dearest part, and a rebuild's writer processes tokenise it again for the body anyway."""
        nonlocal words
        if words is None:
            words = _words(text)
        return words

    title_words = set(_words(title))
    heading_words = _words(heading)
    if ord_ == 0 and heading_words and set(heading_words) <= title_words and _echoes(heading_words, title_words):
        roles.append("title_heading")  # the document's first passage, under its title: a cover or preamble
    if (ord_ <= 2 and len(title_words) >= 2 and len(passage_words()) <= COVER_MAX_WORDS
            and _echoes(passage_words()[:30], title_words)):
        roles.append("cover")
    first = (heading or text or "").strip().split(maxsplit=1)[:1]
    pages = [int(n) for n in _TOC_ENTRY.findall(text or "")]
    named = bool(first) and first[0].lower().strip(":") in _TOC_HEADINGS
    if (named and (len(pages) >= 3 or len(passage_words()) <= 40)
            or _ascending(pages) and len(pages) * 4 >= len(passage_words())):
        roles.append("toc")
    markers = len(_REFERENCE.findall(text or ""))
    if markers >= 3 and markers * 10 >= len(passage_words()) or markers >= 2 and len(passage_words()) <= 20:
        roles.append("references")
    return roles
