"""Suggest: "menade du …?" spellings and more-like-this, both limited to what the asker may see."""
from __future__ import annotations

import re

from whoosh.query import And, AndNot, Or, Term

from search._analysis import STOP_WORDS, raw_tokens, sv_stem
from search._query import MAX_QUERY_CHARS, _filter_query
from search._ranking import Context, _matching, _top
from search._snippets import _hit
from search.api import Filters, Hit


def _suggest(s, query: str, filters: Filters) -> str | None:
    """A respelling of `query` whose words occur in passages the asker may see (never others: a leak)."""
    if not isinstance(query, str) or not query.strip() or len(query) > MAX_QUERY_CHARS:
        return None
    vis = tuple(v for v in (filters.visibility or ()) if v)
    if not vis:
        return None
    words = re.findall(r"[^\W\d_]{4,}", query.lower())
    if not words:
        return None
    reader = s.reader()
    corrector = s.corrector("body")  # vocabulary = analysed (stemmed) body terms
    fq = _filter_query(Filters(visibility=vis, exclude_documents=filters.exclude_documents))
    changed = query
    did = False
    for w in dict.fromkeys(words):
        if w in STOP_WORDS:
            continue
        stem = sv_stem(w)
        if reader.doc_frequency("body", stem) > 0 and len(
                _matching(s, And([Term("body", stem), fq]), max_docs=1)[0]):
            continue  # a known word among what the asker may see (counting all documents would leak)
        maxdist = 1 if len(w) <= 5 else 2
        prefix = 2 if len(w) >= 6 else 1  # first letters as typed: keeps the lexicon walk short
        cands = list(dict.fromkeys(list(corrector.suggest(w, limit=5, maxdist=maxdist, prefix=prefix))
                                   + list(corrector.suggest(stem, limit=5, maxdist=maxdist, prefix=prefix))))
        for cand in cands:
            matched, _ = _matching(s, And([Term("body", cand), fq]), max_docs=1)
            if not len(matched):
                continue  # only words that visible passages contain: no leaks
            surface = _surface_form(s, int(matched[0]), cand, w)
            if surface:
                changed = re.sub(rf"(?i)(?<!\w){re.escape(w)}(?!\w)", surface, changed)
                did = True
                break
    return changed if did and changed.lower() != query.lower() else None


def _surface_form(s, docnum: int, stem: str, typed: str) -> str | None:
    """The written word behind an index term, taken from a passage that contains it."""
    text = s.stored_fields(docnum).get("text") or ""
    best = None
    for tok, _a, _b, _subs in raw_tokens(text):
        if tok.isalpha() and sv_stem(tok) == stem:
            d = _edit_distance(tok, typed)
            if best is None or d < best[0]:
                best = (d, tok)
    return best[1] if best else None


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _more_like_this(ctx: Context, passage_id: str, limit: int, filters: Filters) -> list[Hit]:
    """Passages like `passage_id` (its heading and text's key terms), one per document, among those the
    filters let the asker see; call holding the store's lock."""
    s = ctx.s
    docnum = s.document_number(passage_id=passage_id)
    if docnum is None:
        return []
    fields = s.stored_fields(docnum)
    if (fields.get("visibility", "public") not in (filters.visibility or ())
            or fields.get("document_id") in filters.exclude_documents):
        return []
    fq = _filter_query(filters)
    if fq is None:
        return []
    text = f"{fields.get('heading') or ''}\n{fields.get('text') or ''}"
    keys = s.key_terms_from_text("body", text, numterms=15)
    if not keys:
        return []
    q = Or([Term("body", t, boost=float(w)) for t, w in keys])
    q = AndNot(And([q, fq]), Term("passage_id", passage_id))
    top, _ = _top(ctx, q, max(1, int(limit)), group=True)
    terms = {t for t, _w in keys}
    return [_hit(s.stored_fields(d), sc, terms, 0, decompound=ctx.decompound)
            for d, sc in top[: max(0, int(limit))]]
