"""Document structure shared by the converters: tables of contents are recognised and left out (their
entries are not sections and not passages), and a line is a heading only on real evidence.

A table of contents is an "Innehåll"/"Innehållsförteckning" heading followed by entries, or a run of
entries with dot leaders. An entry has a dot leader ("3.1 Strategier ........ 12") or, under such a
heading, a trailing page number ("Organisation 5").
"""
from __future__ import annotations

import re

from ingest.model import Block

TOC_HEADING = re.compile(r"^(innehåll|innehållsförteckning|innehållsförteckning och bilagor|contents|"
                         r"table of contents)\s*:?$", re.I)
_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d{0,4}\s*$|(?:…\s?){2,}\s*\d{0,4}\s*$|_{4,}\s*\d{0,4}\s*$")
# a title and a page number, not a sentence ending in a number ("… ökade med 12")
_TRAILING_PAGE = re.compile(r"^\S.{1,140}?[^\W\d_][)?!]?\s+\d{1,3}$")
# an entry's subtitle on its own line ("– utsläpp som skapas i haparanda")
_ENTRY_CONTINUATION = re.compile(r"^([–-]\s|[a-zåäö])\S.{0,80}$")
_SENTENCE_WORDS = re.compile(r"\b(är|var|har|hade|ska|skall|kommer|blev|ökade|minskade|med|till|av)\s+\d{1,3}$", re.I)
MIN_ENTRIES = 2  # an "Innehåll" heading with fewer entries after it is an ordinary heading
LEADER_RUN = 3  # entries with dot leaders in a row make a table of contents even without a heading


def is_toc_entry(text: str, under_heading: bool) -> bool:
    text = text.strip()
    if _LEADER.search(text):
        return True
    return under_heading and len(text) <= 150 and bool(_TRAILING_PAGE.match(text)) \
        and not _SENTENCE_WORDS.search(text)


def toc_positions(texts: list[str]) -> set[int]:
    """Indexes of the lines (or blocks) that form tables of contents; empty strings are gaps."""
    found: set[int] = set()
    i, n = 0, len(texts)
    while i < n:
        text = texts[i].strip()
        under_heading = bool(TOC_HEADING.match(text))
        if not under_heading and not (text and is_toc_entry(text, False)):
            i += 1
            continue
        entries, j = [], i + 1 if under_heading else i
        while j < n:
            candidate = texts[j].strip()
            if not candidate:
                j += 1
                continue
            if not is_toc_entry(candidate, under_heading or len(entries) >= LEADER_RUN):
                if under_heading and entries and _ENTRY_CONTINUATION.match(candidate) \
                        and _continues_toc(texts, j + 1):
                    entries.append(j)
                    j += 1
                    continue
                break
            entries.append(j)
            j += 1
        leaders = sum(1 for k in entries if _LEADER.search(texts[k]))
        if (under_heading and len(entries) >= MIN_ENTRIES) or leaders >= LEADER_RUN:
            found.update(entries)
            if under_heading:
                found.add(i)
            i = j
        else:
            i += 1
    return found


def _continues_toc(texts: list[str], start: int) -> bool:
    """Whether an entry follows within the next two lines (so a subtitle line is inside the contents)."""
    upcoming = [t.strip() for t in texts[start:start + 4] if t.strip()][:2]
    return any(is_toc_entry(t, True) for t in upcoming)


def drop_toc_blocks(blocks: list[Block]) -> list[Block]:
    """The blocks without any table of contents (Word's TOC field, an HTML or text contents list)."""
    gone = toc_positions([b.text for b in blocks])
    return [b for i, b in enumerate(blocks) if i not in gone] if gone else blocks


_BROKEN_END = re.compile(r"[a-zåäöé]{2,}-$")  # "ekono-": a word cut by a line end, not "hälso- och"
BROKEN_END_TAIL = 8  # characters of a block's end _BROKEN_END reads: searching all of a 300 kB word is quadratic
MEND_WINDOW = 6  # blocks ahead where the rest of the word may stand (a heading or box read in between)


def mend_broken_words(blocks: list[Block]) -> list[Block]:
    """A paragraph ending in a cut word ("… en ekono-") is joined with the paragraph that carries on
    with the rest ("miskt hållbar tillväxt …"), even when a heading or a box was read in between:
    no passage starts or ends in the middle of a word."""
    blocks = list(blocks)
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind in ("paragraph", "list") and _BROKEN_END.search(block.text[-BROKEN_END_TAIL:]):
            for j in range(i + 1, min(len(blocks), i + 1 + MEND_WINDOW)):
                candidate = blocks[j]
                if candidate.kind in ("paragraph", "list") and candidate.text[:1].islower():
                    block.text = block.text[:-1] + candidate.text
                    del blocks[j]
                    break
        i += 1
    return blocks
