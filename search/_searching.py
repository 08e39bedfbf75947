"""Search: one query from string to SearchResults — parse, match, rank in two tiers, present; or, with no words
but narrowing filters, the filtered passages best first (browse).

Tier one holds the passages with every word of the query. When they are few, tier two follows in the same
list: the best passages with most of the words (a minimum-should-match rule over the query's parts),
ranked by how much of the query they cover (parts weighed by idf) and how close the words stand, each hit
flagged `partial`. When no passage has every word, every hit is partial (NOTICE_NO_EXACT).
"""
from __future__ import annotations

import math

import numpy as np

from search._analysis import raw_tokens
from search._definitions import query_abbreviations
from search._facets import FACET_FIELDS, _doc_index, _facet_postings, _facets, documents_in
from search._matching import Match, evaluate, passage_prior
from search._query import _parse
from search._ranking import (
    RERANK_DEPTH, Context, _apply_preferences, _rank, _rerank, _vec, filter_mask, scope, stored_fields,
)
from search._snippets import _highlight_terms, _hit
from search._suggest import _suggest
from search.api import (
    MAX_QUERY_CHARS, NOTICE_EMPTY, NOTICE_NO_EXACT, NOTICE_ONLY_EXCLUDED, NOTICE_ONLY_STOP_WORDS,
    NOTICE_SHOWING_SUGGESTION, NOTICE_TIMED_OUT, Filters, Hit, SearchResults,
)

PARTIAL_WHEN_FEWER = 10  # exact results (documents when grouped, else passages) below which partial ones follow
PARTIAL_MAX = 20  # partial results added after exact ones (all of them when nothing is exact)


def _empty(query, limit, offset, notices) -> SearchResults:
    return SearchResults(query=query, total=0, hits=[], facets={k: [] for k in FACET_FIELDS}, offset=offset,
                         limit=limit, notices=notices)


def minimum_should_match(parts: int) -> int:
    """How many of a query's parts a partial match needs: 1 of 2, 2 of 3, 3 of 4, 4 of 5 or 6, ..."""
    return max(1, parts - 1) if parts <= 4 else math.ceil(2 * parts / 3)


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
    match = evaluate(ctx, v, pos, neg)
    allowed = fmask & ~match.excluded
    prior = _apply_preferences(v, passage_prior(ctx, v), filters.prefer)  # Filters.prefer weighs both tiers
    count = np.zeros(v.N, dtype=np.int16)
    total_score = np.zeros(v.N, dtype=np.float32)
    for sc in match.scores:
        count += sc > 0
        total_score += sc
    n = len(match.scores)
    exact = allowed & (count == n)
    exact_score = total_score * prior
    partial, partial_score = None, None
    if n >= 2:
        partial, partial_score = _partial_tier(ctx, match, prior, allowed, exact, group)
        if partial is not None and not exact.any():
            notices.append(NOTICE_NO_EXACT)
    if match.timed_out:
        notices.append(NOTICE_TIMED_OUT)
    words = [sl.terms[0] for sl in pos if not sl.phrase]
    terms = _highlight_terms(pos, ctx.synonyms) | match.highlight
    results = _results(ctx, query, limit, offset, group, [(exact, exact_score, False), (partial, partial_score, True)],
                       notices, words, terms, {t for sl in pos for t in sl.terms}, match,
                       query_abbreviations(pos, ctx.synonyms))
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


def _partial_tier(ctx: Context, match: Match, prior, allowed, exact, group: bool):
    """(mask, score) of the partial matches to list after the exact ones, or (None, None) when none are."""
    docidx, _names = _doc_index(ctx)
    exact_documents = documents_in(ctx, exact) if group else None
    exact_units = int(np.count_nonzero(exact_documents)) if group else int(np.count_nonzero(exact))
    if exact_units >= PARTIAL_WHEN_FEWER:
        return None, None
    weights = np.asarray(match.importance, dtype=np.float32)
    present = np.zeros(len(prior), dtype=np.int16)
    covered = np.zeros(len(prior), dtype=np.float32)
    score = np.zeros(len(prior), dtype=np.float32)
    for w, loose, credit in zip(weights, match.loose, match.credit):
        present += credit > 0
        covered += w * credit
        score += loose
    cand = allowed & ~exact & (present >= minimum_should_match(len(weights)))
    if not cand.any() and not exact.any():
        cand = allowed & (present >= 1)  # not even most of the words: any of them
    if group:
        cand &= ~exact_documents[docidx]  # a document with an exact hit is listed by it
    if not cand.any():
        return None, None
    coverage = covered / float(weights.sum())
    ranked = score * prior * coverage * coverage
    if exact.any():  # few exact hits: only the best partial ones follow them
        keep = [d for d, _s in _rank(ctx, cand, ranked, PARTIAL_MAX, group)]
        chosen = np.zeros(len(prior), dtype=bool)
        if group:
            chosen[cand] = documents_in(ctx, np.asarray(keep, dtype=np.int64))[docidx[cand]]
        else:
            chosen[keep] = True
        cand = chosen
    return cand, ranked


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
    years = np.zeros(v.N, dtype=np.float32)
    for value, ids in _facet_postings(ctx, "year").items():
        if value.isdigit():
            years[ids] = int(value)
    score += 0.5 + np.clip(years - 1900, 0, 199) / 400.0  # newer first among equals; always below one value
    score = _apply_preferences(v, score, filters.prefer)
    return _results(ctx, query, limit, offset, group, [(mask, score, False)], notices, [], set(), set())


def _results(ctx: Context, query: str, limit: int, offset: int, group: bool, tiers, notices: list[str],
             words: list[str], terms: set[str], focus: set[str], match: Match | None = None,
             abbreviations: list[tuple[str, str]] = ()) -> SearchResults:
    """The page `offset`..`offset + limit` of the tiers (mask, score, partial) one after the other, with totals
    and facets over all of them; a partial hit names the query's words it lacks (`match.labels`)."""
    tiers = [(mask, score, partial) for mask, score, partial in tiers if mask is not None and mask.any()]
    every = np.zeros(ctx.s.doc_count_all(), dtype=bool)
    for mask, _score, _partial in tiers:
        every |= mask
    matched = np.flatnonzero(every)
    total = int(len(matched))
    facets = _facets(ctx, matched, every)
    docidx, names = _doc_index(ctx)
    per_doc = np.bincount(docidx[matched], minlength=len(names)) if total else np.zeros(0, dtype=np.int64)
    hits: list[Hit] = []
    stored: dict = {}  # stored fields read for the re-rank, used again by the hits
    shown = 0  # results of earlier tiers
    for mask, score, partial in tiers:
        units = int(np.count_nonzero(documents_in(ctx, mask))) if group else int(np.count_nonzero(mask))
        start, end = max(0, offset - shown), offset + limit - shown
        if end > 0 and start < units and limit:
            if len(words) >= 2 or abbreviations:  # the same re-ranked head for every page: pagination stays consistent
                top = _rerank(ctx.s, _rank(ctx, mask, score, max(end, RERANK_DEPTH), group), words, abbreviations,
                              stored)
            else:
                top = _rank(ctx, mask, score, end, group)
            for docnum, sc in top[start:end]:
                more = int(per_doc[docidx[docnum]]) - 1 if group and docidx[docnum] >= 0 else 0
                hit = _hit(stored_fields(ctx.s, docnum, stored), sc, terms, max(more, 0), focus, ctx.decompound)
                hit.partial = partial
                if partial and match is not None:
                    hit.missing = [label for label, sc in zip(match.labels, match.scores) if not sc[docnum] > 0]
                hits.append(hit)
        shown += units
    exact_total = int(np.count_nonzero(tiers[0][0])) if tiers and not tiers[0][2] else 0
    return SearchResults(query=query, total=total, hits=hits, facets=facets, offset=offset, limit=limit,
                         total_documents=int(np.count_nonzero(per_doc)) if total else 0, notices=notices,
                         exact_total=exact_total)
