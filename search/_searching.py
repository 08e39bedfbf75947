"""Search: one query from string to SearchResults, through parse, rank (AND relaxed when nothing matches), present."""
from __future__ import annotations

import numpy as np

from search._analysis import raw_tokens
from search._query import MAX_QUERY_CHARS, MAX_QUERY_TERMS, _parse
from search._ranking import (
    FACET_FIELDS, RERANK_DEPTH, Context, _apply_preferences, _doc_index, _evaluate, _facets, _filter_mask,
    _proximity_rerank, _rank, _vec,
)
from search._snippets import _highlight_terms, _hit
from search._suggest import _suggest
from search.api import Filters, Hit, SearchResults

MSG_EMPTY = "Skriv ett eller flera sökord."
MSG_ONLY_STOP = "Frågan innehöll bara vanliga småord (som \"och\", \"att\", \"för\") – skriv mer specifika ord."
MSG_TRUNCATED = "Frågan var lång och har kortats till de första {n} sökorden."
MSG_OR_FALLBACK = "Inga träffar innehöll alla orden – visar träffar som innehåller några av dem."
MSG_TIMEOUT = "Sökningen tog för lång tid och avbröts – resultaten kan vara ofullständiga. Prova en kortare fras."
MSG_SHOWING_SUGGESTION = "Inga träffar på det du skrev – visar träffar för \"{q}\"."
MSG_ONLY_NEGATIVE = "Frågan innehöll bara uteslutna ord (med minus) – lägg till något att söka efter."


def _empty(query, limit, offset, message=None, suggestion=None) -> SearchResults:
    return SearchResults(query=query, total=0, hits=[], facets={k: [] for k in FACET_FIELDS}, suggestion=suggestion,
                         message=message, offset=offset, limit=limit)


def _search(ctx: Context, query: str, filters: Filters, limit: int, offset: int, group: bool,
            _retry: bool = False) -> SearchResults:
    pos, neg, notes = _parse(query)
    messages = []
    if "truncated" in notes:
        messages.append(MSG_TRUNCATED.format(n=MAX_QUERY_TERMS))
    if not pos:
        if neg:
            msg = MSG_ONLY_NEGATIVE
        elif query.strip() and any(t for t, *_ in raw_tokens(query[:MAX_QUERY_CHARS])):
            msg = MSG_ONLY_STOP
        else:
            msg = MSG_EMPTY
        return _empty(query, limit, offset, " ".join(messages + [msg]))
    v = _vec(ctx)
    fmask = _filter_mask(v, filters)
    if fmask is None:
        return _empty(query, limit, offset, " ".join(messages) or None)
    mask, score, timed_out = _evaluate(ctx, v, pos, neg, "and")
    mask &= fmask
    for mode in ("relaxed", "or"):
        if mask.any() or len(pos) < 2:
            break
        mask, score, timed_out = _evaluate(ctx, v, pos, neg, mode)
        mask &= fmask
        if mask.any():
            messages.append(MSG_OR_FALLBACK)
    score = _apply_preferences(v, score, filters.prefer)
    matched = np.flatnonzero(mask)
    total = int(len(matched))
    facets = _facets(ctx, matched, mask)
    docidx, _names = _doc_index(ctx)
    per_doc = np.bincount(docidx[matched], minlength=len(_names)) if total else np.zeros(0, dtype=np.int64)
    total_docs = int(np.count_nonzero(per_doc)) if total else 0
    hits: list[Hit] = []
    if total and limit:
        words = [sl.terms[0] for sl in pos if not sl.phrase]
        if len(words) >= 2:  # same re-ranked head for every page: pagination stays consistent
            top = _rank(ctx, mask, score, max(offset + limit, RERANK_DEPTH), group)
            top = _proximity_rerank(ctx.s, top, words)
        else:
            top = _rank(ctx, mask, score, offset + limit, group)
        terms = _highlight_terms(pos, ctx.synonyms)
        focus = {t for sl in pos for t in sl.terms}
        for docnum, sc in top[offset:offset + limit]:
            fields = ctx.s.stored_fields(docnum)
            more = int(per_doc[docidx[docnum]]) - 1 if group and docidx[docnum] >= 0 else 0
            hits.append(_hit(fields, sc, terms, max(more, 0), focus, ctx.decompound))
    if timed_out:
        messages.append(MSG_TIMEOUT)
    suggestion = None
    if total_docs < 3:
        suggestion = _suggest(ctx.s, query, filters)
    if total == 0 and suggestion and not _retry:
        # nothing found but a close spelling is: show its results (and say so)
        alt = _search(ctx, suggestion, filters, limit, offset, group, _retry=True)
        if alt.total:
            alt.query = query
            alt.suggestion = suggestion
            alt.message = " ".join(messages + [MSG_SHOWING_SUGGESTION.format(q=suggestion)] + ([alt.message] if alt.message else []))
            return alt
    return SearchResults(query=query, total=total, hits=hits, facets=facets, suggestion=suggestion,
                         message=" ".join(messages) or None, offset=offset, limit=limit,
                         total_documents=total_docs)
