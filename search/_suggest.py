"""Suggest: "menade du …?" spellings and more-like-this, both limited to what the asker may see.

Both decide visibility with the same mask as search (search._ranking.filter_mask / visible_mask):
there is one evaluator of filters, not one per path.
"""
from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from search._analysis import STOP_WORDS, raw_tokens, sv_stem
from search._ranking import Context, _rank, _vec, filter_mask, scope, visible_mask
from search._snippets import _hit, _rerank_terms
from search.api import MAX_QUERY_CHARS, Filters, Hit

SIMILAR_TERMS = 15  # key terms of a passage that more-like-this looks for
SUGGESTIONS_KEPT = 1024  # per searcher (the memo is emptied when full)


def _suggest(ctx: Context, query: str, filters: Filters) -> str | None:
    """A respelling of `query` whose words occur in passages the asker may see (never others: a leak).
    Kept per searcher and visible set: walking the word list costs 20–45 ms at 100k passages, and a misspelt
    query is asked again for its next page or by the next person who makes the same slip."""
    if not isinstance(query, str) or not query.strip() or len(query) > MAX_QUERY_CHARS:
        return None
    key = (query, frozenset(x for x in filters.visibility or () if x), frozenset(filters.exclude_documents))
    memo = ctx.aux.setdefault("suggestions", {})  # ctx.aux goes with its searcher: a new index, new answers
    if key not in memo:
        if len(memo) >= SUGGESTIONS_KEPT:
            memo.clear()
        memo[key] = _respell(ctx, query, filters)
    return memo[key]


def _respell(ctx: Context, query: str, filters: Filters) -> str | None:
    words = re.findall(r"[^\W\d_]{4,}", query.lower())
    if not words:
        return None
    v = _vec(ctx)
    seen = visible_mask(v, filters)
    if seen is None:
        return None

    def visible_passage(term: str) -> int | None:
        """A passage the asker may see whose body holds `term` (counting all passages would leak)."""
        ids, _ = v.postings("body", term)
        ids = ids[seen[ids]] if len(ids) else ids
        return int(ids[0]) if len(ids) else None

    corrector = ctx.s.corrector("body")  # vocabulary = analysed (stemmed) body terms
    changed = query
    did = False
    for w in dict.fromkeys(words):
        if w in STOP_WORDS:
            continue
        stem = sv_stem(w)
        if visible_passage(stem) is not None:
            continue  # a known word
        maxdist = 1 if len(w) <= 5 else 2
        prefix = 2 if len(w) >= 6 else 1  # first letters as typed: keeps the lexicon walk short
        cands = list(dict.fromkeys(list(corrector.suggest(w, limit=5, maxdist=maxdist, prefix=prefix))
                                   + list(corrector.suggest(stem, limit=5, maxdist=maxdist, prefix=prefix))))
        for cand in cands:
            docnum = visible_passage(cand)
            if docnum is None:
                continue  # only words that visible passages contain: no leaks
            surface = _surface_form(ctx.s, docnum, cand, w)
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
    """Passages like `passage_id` (the key terms of its heading and text, weighed by tf·idf over what the
    asker may see), one per document, among those the filters let the asker see."""
    v = _vec(ctx)
    ids, _ = v.postings("passage_id", passage_id)
    seen = visible_mask(v, filters)
    if not len(ids) or seen is None or not seen[int(ids[0])] or not scope(ctx, v, filters):
        return []  # unknown, or a passage the asker may not see
    docnum = int(ids[0])
    allowed = filter_mask(v, filters)
    fields = ctx.s.stored_fields(docnum)
    counts = Counter(t for t in _rerank_terms(f"{fields.get('heading') or ''}\n{fields.get('text') or ''}")
                     if len(t) > 2 and not t.isdigit())
    weighted = []
    for term, tf in counts.items():
        term_ids, _ = v.postings("body", term)
        if int(np.count_nonzero(ctx.stats.mask[term_ids])) >= 2:  # found in another passage as well
            weighted.append(((1.0 + math.log(tf)) * ctx.stats.idf(term_ids), term))
    weighted.sort(key=lambda x: (-x[0], x[1]))
    keys = weighted[:SIMILAR_TERMS]
    if not keys:
        return []
    score = np.zeros(v.N, dtype=np.float32)
    for weight, term in keys:
        v.add(ctx.stats, score, "body", term, weight)
    mask = allowed & (score > 0)
    mask[docnum] = False
    top = _rank(ctx, mask, score, max(1, int(limit)), group=True)
    terms = {t for _w, t in keys}
    return [_hit(ctx.s.stored_fields(d), sc, terms, 0, decompound=ctx.decompound) for d, sc in top[: max(0, int(limit))]]
