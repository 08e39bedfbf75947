"""Present: a stored passage as a Hit, with a snippet (best window, matched words in <mark>) and the terms to mark."""
from __future__ import annotations

import html
import json
import logging
import re
from functools import lru_cache

from search._analysis import SwedishAnalyzer, SwedishDecompoundAnalyzer
from search._query import _Slot
from search._roles import title_spans, without_title
from search._synonyms import SynonymTable
from search.api import Hit

log = logging.getLogger(__name__)

SNIPPET_CHARS = 260
SNIPPET_CACHE = 4096  # analysed passages kept: analysis is most of a query's cost, and hits recur


def _highlight_terms(pos: list[_Slot], synonyms: SynonymTable | None) -> set[str]:
    """Analysed terms to mark: the query's words, their alternatives and (synonyms not None) their synonyms."""
    terms: set[str] = set()
    for s in pos:
        terms.update(s.terms)
        for a in s.alts:
            terms.update(a)
    if synonyms is not None:
        for t in list(terms):
            for g in synonyms.index.get(t, ()):
                for member in synonyms.groups[g]:
                    terms.update(member)
    return terms


def _hit(fields: dict, score: float, terms: set[str], more: int, focus: set[str] | None = None,
         decompound: bool = True) -> Hit:
    meta = json.loads(fields.get("meta") or "{}")
    text = fields.get("text") or ""
    return Hit(
        passage_id=fields["passage_id"],
        document_id=fields["document_id"],
        title=fields.get("title") or "",
        heading=fields.get("heading") or "",
        page=meta.get("page"),
        snippet=make_snippet(text, terms, decompound=decompound, focus=focus, title=fields.get("title") or ""),
        text=text,
        score=score,
        more_in_document=more,
        section_type=fields.get("section_type") or "",
    )


@lru_cache(maxsize=SNIPPET_CACHE)
def _rerank_terms(text: str) -> tuple[str, ...]:
    """A passage's main terms in order (no alternatives), for the proximity check; cached like snippets."""
    return tuple(t.text for t in _RERANK_ANALYZER(text, mode="query") if not getattr(t, "sub", False))


@lru_cache(maxsize=SNIPPET_CACHE)
def _analysed_spans(text: str, decompound: bool) -> tuple[tuple[str, int, int], ...]:
    """(term, start, end) for every indexed term of a passage, as the snippet analyser makes them."""
    try:
        return tuple((t.text, t.startchar, t.endchar)
                     for t in _snippet_analyzer(decompound)(text, positions=True, chars=True, mode="index"))
    except Exception:  # a snippet without marks is better than no hit; but say so
        log.exception("could not analyse a passage for its snippet (%d characters)", len(text))
        return ()


@lru_cache(maxsize=SNIPPET_CACHE)
def _spans_by_term(text: str, decompound: bool) -> dict[str, tuple[tuple[int, int], ...]]:
    """The spans of `_analysed_spans` per term: a snippet looks up the query's terms instead of scanning all."""
    out: dict[str, list[tuple[int, int]]] = {}
    for term, startchar, endchar in _analysed_spans(text, decompound):
        out.setdefault(term, []).append((startchar, endchar))
    return {term: tuple(spans) for term, spans in out.items()}


@lru_cache(maxsize=SNIPPET_CACHE)
def _title_echoes(text: str, title: str) -> tuple[tuple[int, int], ...]:
    return tuple(title_spans(text, title))


@lru_cache(maxsize=SNIPPET_CACHE)
def rerank_sequence(text: str, title: str) -> tuple[str, ...]:
    """`_rerank_terms` of a passage's text without the repetitions of its title, for the proximity re-rank."""
    return _rerank_terms(without_title(text, title))


def make_snippet(text: str, terms: set[str], decompound: bool = True, width: int = SNIPPET_CHARS,
                 focus: set[str] | None = None, title: str = "") -> str:
    """Escaped HTML of the window of `text` with the most distinct matched terms (those the user typed
    first), starting and ending on word — where one is near, sentence — boundaries, with <mark> around every
    matched word (exact, stemmed, or through a compound part). A repetition of the document's title (a
    running header) is marked but never chosen for the window."""
    by_term = _spans_by_term(text, decompound)
    spans = sorted({(s0, e0, term) for term in terms if term in by_term for s0, e0 in by_term[term]})
    if len(text) <= width:
        start, end = 0, len(text)
    else:
        echoes = _title_echoes(text, title)
        usable = [sp for sp in spans if not any(a <= sp[0] < b for a, b in echoes)]
        first = _best_window(usable, width, focus or set())
        start = _snap_start(text, first)
        end = _snap_end(text, start, width)
    out = []
    cur = start
    for s0, e0 in sorted({(s0, e0) for s0, e0, _t in spans}):
        if e0 <= start or s0 >= end or s0 < cur:
            continue
        out.append(html.escape(text[cur:s0]))
        out.append("<mark>" + html.escape(text[s0:e0]) + "</mark>")
        cur = e0
    out.append(html.escape(text[cur:end]))
    snippet = re.sub(r"\s+", " ", "".join(out)).strip()
    return ("… " if start > 0 else "") + snippet + (" …" if end < len(text) else "")


LEAD = 60  # characters of context before the first matched word of the window


def _best_window(spans: list[tuple[int, int, str]], width: int, focus: set[str]) -> int:
    """The first matched character of the window of `width` characters (from LEAD before it) with the most
    distinct typed terms, then the most distinct terms, then the most matches; the earliest among equals."""
    if not spans:
        return 0
    best, best_key = 0, None
    j = 0
    for i, (s0, _e0, _t) in enumerate(spans):
        origin = max(0, s0 - LEAD)
        while j < len(spans) and spans[j][1] <= origin + width:
            j += 1
        inside = spans[i:j]
        key = (len({t for _a, _b, t in inside if t in focus}), len({t for _a, _b, t in inside}), len(inside))
        if best_key is None or key > best_key:
            best, best_key = s0, key
    return best


_SENTENCE_END = re.compile(r"[.!?:;]\s+(?=\S)|\n\s*")


def _snap_start(text: str, first: int) -> int:
    """Where a window whose first match is at `first` starts: the beginning of that sentence when it is
    near, else a word start a little before the match."""
    if first <= LEAD // 2:
        return 0
    sentence = [m.end() for m in _SENTENCE_END.finditer(text, max(0, first - LEAD), first + 1)]
    if sentence:
        return sentence[-1]
    start = first - LEAD // 2
    if text[start - 1].isspace():
        return start
    back = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start))
    if back >= 0 and start - back <= 40:
        return back + 1
    ahead = re.compile(r"\s").search(text, start)
    return ahead.end() if ahead and ahead.start() - start <= 40 else start


def _snap_end(text: str, start: int, width: int) -> int:
    """A window end at a sentence end when one is within reach, else at a word end."""
    end = min(len(text), start + width)
    if end >= len(text):
        return len(text)
    sentence = [m.start() + 1 for m in _SENTENCE_END.finditer(text, start + int(width * 0.6), min(len(text), end + 40))]
    if sentence:
        return sentence[0] if sentence[0] <= end + 40 else end
    if text[end].isspace():
        return end
    ahead = re.compile(r"\s").search(text, end)
    if ahead and ahead.start() - end <= 30:
        return ahead.start()
    back = text.rfind(" ", start, end)
    return back if back > start else end


_SNIPPET_ANALYZERS: dict = {}
_RERANK_ANALYZER = SwedishAnalyzer()


def _snippet_analyzer(decompound: bool):
    a = _SNIPPET_ANALYZERS.get(decompound)
    if a is None:
        a = _SNIPPET_ANALYZERS[decompound] = SwedishDecompoundAnalyzer() if decompound else SwedishAnalyzer()
    return a
