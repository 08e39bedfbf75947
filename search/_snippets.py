"""Present: a stored passage as a Hit, with a snippet (best window, matched words in <mark>) and the terms to mark."""
from __future__ import annotations

import html
import json
import re
from functools import lru_cache

from search._analysis import SwedishAnalyzer, SwedishDecompoundAnalyzer
from search._query import _Slot
from search._synonyms import SynonymTable
from search.api import Hit

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
        snippet=make_snippet(text, terms, decompound=decompound, focus=focus),
        text=text,
        score=score,
        url=f"/p/{fields['passage_id']}",
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
    except Exception:
        return ()


def make_snippet(text: str, terms: set[str], decompound: bool = True, width: int = SNIPPET_CHARS,
                 focus: set[str] | None = None) -> str:
    """Escaped HTML around the best window of matches, with <mark> around every matched word
    (exact, stemmed, or through a compound part)."""
    spans: list[tuple[int, int]] = []
    focus_spans: list[tuple[int, int]] = []
    for term, startchar, endchar in _analysed_spans(text, decompound):
        if term in terms:
            spans.append((startchar, endchar))
            if focus and term in focus:
                focus_spans.append((startchar, endchar))
    spans = sorted(set(spans))
    window_spans = sorted(set(focus_spans)) or spans
    if len(text) <= width:
        start, end = 0, len(text)
    elif window_spans:
        # window with the most matches (of the typed words when there are any)
        ws = window_spans
        best, best_n = ws[0][0], 0
        j = 0
        for i, (s0, _e0) in enumerate(ws):
            while j < len(ws) and ws[j][1] <= s0 + width:
                j += 1
            if j - i > best_n:
                best, best_n = s0, j - i
        start = max(0, best - width // 4)
        end = min(len(text), start + width)
        start = max(0, min(start, end - width))
    else:
        start, end = 0, width
    # snap to word boundaries
    if start > 0:
        sp = text.rfind(" ", 0, start)
        start = sp + 1 if sp >= 0 and start - sp < 30 else start
    if end < len(text):
        sp = text.find(" ", end)
        end = sp if 0 <= sp and sp - end < 30 else end
    out = []
    cur = start
    for s0, e0 in spans:
        if e0 <= start or s0 >= end or s0 < cur:
            continue
        out.append(html.escape(text[cur:s0]))
        out.append("<mark>" + html.escape(text[s0:e0]) + "</mark>")
        cur = e0
    out.append(html.escape(text[cur:end]))
    snippet = "".join(out).strip()
    snippet = re.sub(r"\s+", " ", snippet)
    return ("… " if start > 0 else "") + snippet + (" …" if end < len(text) else "")


_SNIPPET_ANALYZERS: dict = {}
_RERANK_ANALYZER = SwedishAnalyzer()


def _snippet_analyzer(decompound: bool):
    a = _SNIPPET_ANALYZERS.get(decompound)
    if a is None:
        a = _SNIPPET_ANALYZERS[decompound] = SwedishDecompoundAnalyzer() if decompound else SwedishAnalyzer()
    return a
