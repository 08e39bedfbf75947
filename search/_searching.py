"""Search: one query from string to SearchResults, through parse, rank (AND relaxed when nothing matches), present;
or, with no words but narrowing filters, the filtered passages best first (browse)."""
from __future__ import annotations

import numpy as np

from search._analysis import raw_tokens
from search._query import _parse
from search._ranking import (
    FACET_FIELDS, RERANK_DEPTH, Context, _doc_index, _evaluate, _facet_postings, _facets, _proximity_rerank, _rank,
    _vec, filter_mask, scope,
)
from search._snippets import _highlight_terms, _hit
from search._suggest import _suggest
from search.api import (
    MAX_QUERY_CHARS, NOTICE_EMPTY, NOTICE_NO_EXACT, NOTICE_ONLY_EXCLUDED, NOTICE_ONLY_STOP_WORDS,
    NOTICE_SHOWING_SUGGESTION, NOTICE_TIMED_OUT, Filters, Hit, SearchResults,
)


def _empty(query, limit, offset, notices) -> SearchResults:
    return SearchResults(query=query, total=0, hits=[], facets={k: [] for k in FACET_FIELDS}, offset=offset,
                         limit=limit, notices=notices)


def _browse(ctx: Context, query: str, filters: Filters, limit: int, offset: int, group: bool,
            notices: list[str]) -> SearchResults:
    """No words but narrowing filters (a goal's or an entity's "sök inom"): every passage the filters let
    through, best first — those carrying more of the chosen goals and entities, then newer documents,
    then in reading order."""
    v = _vec(ctx)
    mask = filter_mask(v, filters)
    if mask is None or not mask.any():
        return _empty(query, limit, offset, notices)
    score = np.zeros(v.N, dtype=np.float32)
    for field, values in (("goal", filters.goal), ("entity", filters.entity)):
        for value in dict.fromkeys(str(x) for x in values or () if str(x)):
            score += v.mask_of(field, [value])
    years = _year_of(ctx, v)
    score += 0.5 + np.clip(years - 1900, 0, 199) / 400.0  # newer first among equals; always below one value
    return _results(ctx, query, filters, limit, offset, group, mask, score, notices, [])


def _year_of(ctx: Context, v) -> np.ndarray:
    """Each passage's year (0 when unknown), from the year facet."""
    years = np.zeros(v.N, dtype=np.float32)
    for value, ids in _facet_postings(ctx, "year").items():
        if value.isdigit():
            years[ids] = int(value)
    return years


def _search(ctx: Context, query: str, filters: Filters, limit: int, offset: int, group: bool,
            _retry: bool = False) -> SearchResults:
    pos, neg, notices = _parse(query)
    if not pos and not neg and filters.narrows and not any(raw_tokens(query[:MAX_QUERY_CHARS])):
        return _browse(ctx, query, filters, limit, offset, group, notices)
    if not pos:
        if neg:
            code = NOTICE_ONLY_EXCLUDED
        elif query.strip() and any(t for t, *_ in raw_tokens(query[:MAX_QUERY_CHARS])):
            code = NOTICE_ONLY_STOP_WORDS
        else:
            code = NOTICE_EMPTY
        return _empty(query, limit, offset, notices + [code])
    v = _vec(ctx)
    fmask = filter_mask(v, filters)
    if fmask is None or not scope(ctx, v, filters):
        return _empty(query, limit, offset, notices)
    mask, score, timed_out = _evaluate(ctx, v, pos, neg, "and")
    mask &= fmask
    for mode in ("relaxed", "or"):
        if mask.any() or len(pos) < 2:
            break
        mask, score, timed_out = _evaluate(ctx, v, pos, neg, mode)
        mask &= fmask
        if mask.any():
            notices.append(NOTICE_NO_EXACT)
    if timed_out:
        notices.append(NOTICE_TIMED_OUT)
    results = _results(ctx, query, filters, limit, offset, group, mask, score, notices, pos)
    if results.total_documents < 3:
        results.suggestion = _suggest(ctx, query, filters)
    if results.total == 0 and results.suggestion and not _retry:
        # nothing found but a close spelling is: show its results (and say so)
        alt = _search(ctx, results.suggestion, filters, limit, offset, group, _retry=True)
        if alt.total:
            alt.query = query
            alt.suggestion = results.suggestion
            alt.notices = notices + [NOTICE_SHOWING_SUGGESTION] + alt.notices
            return alt
    return results


def _results(ctx: Context, query: str, filters: Filters, limit: int, offset: int, group: bool, mask: np.ndarray,
             score: np.ndarray, notices: list[str], pos: list) -> SearchResults:
    """The page `offset`..`offset + limit` of the passages in `mask` ranked by `score`, with totals and facets."""
    matched = np.flatnonzero(mask)
    total = int(len(matched))
    facets = _facets(ctx, matched, mask)
    docidx, names = _doc_index(ctx)
    per_doc = np.bincount(docidx[matched], minlength=len(names)) if total else np.zeros(0, dtype=np.int64)
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
    return SearchResults(query=query, total=total, hits=hits, facets=facets, offset=offset, limit=limit,
                         total_documents=total_docs, notices=notices)
