"""Parse: a user's query string into word and phrase slots, and the Whoosh query clauses built from them."""
from __future__ import annotations

import re

from whoosh.query import And, AndNot, DisjunctionMax, Or, Phrase, Term

from search._analysis import analyse
from search.api import Filters

MAX_QUERY_CHARS = 400
MAX_QUERY_TERMS = 12

# Field weights (query-time boosts). Compound parts rank below exact and stemmed matches.
# The numpy evaluator (search._ranking._term_scores) uses the same weights in the same shape.
W_TITLE = 1.5
W_HEADING = 2.0
W_BODY = 1.0
W_PARTS = 0.3
W_ALT = 0.6  # sub-tokens of a typed token (eu of eu-frågor)

_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_UNIT = re.compile(r'(-?)"([^"]*)"?|(\S+)')


class _Slot:
    """One required part of the query: a word (with alternatives) or a quoted phrase."""

    def __init__(self, terms: list[str], alts: list[list[str]], phrase: bool, surface: str):
        self.terms = terms  # main analysed terms
        self.alts = alts  # per main term: alternative terms (same position)
        self.phrase = phrase
        self.surface = surface


def _parse(query: str) -> tuple[list[_Slot], list[_Slot], list[str]]:
    """Split a user query into positive slots, negative slots and notes (Swedish messages)."""
    notes: list[str] = []
    q = _CTRL.sub(" ", query or "")
    if len(q) > MAX_QUERY_CHARS:
        q = q[:MAX_QUERY_CHARS]
        notes.append("truncated")
    pos: list[_Slot] = []
    neg: list[_Slot] = []
    count = 0
    for m in _UNIT.finditer(q):
        negative, phrase_text, word = m.group(1), m.group(2), m.group(3)
        if word is not None:
            negative = ""
            if word.startswith("-") and len(word) > 1:
                negative, word = "-", word[1:]
            text, is_phrase = word, False
        else:
            text, is_phrase = phrase_text, True
        toks = analyse(text)
        mains: list[str] = []
        alts: list[list[str]] = []
        for term, _p, sub in toks:
            if sub:
                if alts:
                    alts[-1].append(term)
            else:
                mains.append(term)
                alts.append([])
        if not mains:
            continue
        if is_phrase and len(mains) > 1:
            slots = [_Slot(mains, alts, True, text)]
        else:
            slots = [_Slot([t], [a], False, text) for t, a in zip(mains, alts)]
        for s in slots:
            if not negative and count >= MAX_QUERY_TERMS:
                if "truncated" not in notes:
                    notes.append("truncated")
                continue
            (neg if negative else pos).append(s)
            if not negative:
                count += 1
    return pos, neg, notes


def _term_clause(term: str, alts: list[str] = (), with_parts: bool = True, scale: float = 1.0) -> object:
    """A word in title/heading/body (summed), with the compound-part field as a weaker alternative to
    the body (DisjunctionMax: a passage gets the better of body and parts, never both). Boosts are set
    on the leaf terms: Whoosh ignores boosts on compound queries when scoring."""
    main = [Term("title", term, boost=W_TITLE * scale), Term("heading", term, boost=W_HEADING * scale)]
    body = Term("body", term, boost=W_BODY * scale)
    if with_parts:
        body = DisjunctionMax([body, Term("parts", term, boost=W_PARTS * scale)])
    clause = Or(main + [body])
    if alts:
        a_scale = W_ALT * scale
        alt_q = And([Or([Term("body", a, boost=a_scale), Term("heading", a, boost=a_scale * W_HEADING),
                         Term("title", a, boost=a_scale * W_TITLE)]) for a in alts])
        clause = DisjunctionMax([clause, alt_q])
    return clause


def _phrase_clause(terms: list[str], with_parts: bool = True, scale: float = 1.0) -> object:
    if len(terms) == 1:
        return _term_clause(terms[0], with_parts=with_parts, scale=scale)
    subs = [Phrase("body", terms, boost=W_BODY * scale), Phrase("heading", terms, boost=W_HEADING * scale),
            Phrase("title", terms, boost=W_TITLE * scale)]
    if with_parts:
        subs.append(Phrase("parts", terms, boost=W_PARTS * scale))
    return Or(subs)


def _filter_query(f: Filters):
    """The filters as a Whoosh query (None: the asker may see nothing). The numpy evaluator has its own
    copy of this logic (search._ranking._filter_mask)."""
    vis = [v for v in (f.visibility or ()) if v]
    if not vis:
        return None  # sees nothing
    parts = [Or([Term("visibility", v) for v in vis])]
    for fname, values in (("organisation", f.organisation), ("doc_type", f.doc_type), ("goal", f.goal),
                          ("entity", f.entity), ("section_type", f.section_type)):
        vals = [str(v) for v in (values or []) if str(v)]
        if vals:
            parts.append(Or([Term(fname, v) for v in vals]))
    years = [str(y) for y in (f.year or []) if str(y)]
    if years:
        parts.append(Or([Term("year", y) for y in years]))
    if f.document_id:
        parts.append(Term("document_id", f.document_id))
    query = And(parts) if len(parts) > 1 else parts[0]
    if f.exclude_documents:
        query = AndNot(query, Or([Term("document_id", d) for d in sorted(f.exclude_documents)]))
    return query
