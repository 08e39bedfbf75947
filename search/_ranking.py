"""Rank: who may see what (filters, statistics), top-n with grouping per document, and the re-rank of the top
candidates (words close together, an abbreviation spelt out).

`filter_mask` is the only code that decides which passages a filter lets through: search, browsing,
suggestions and more-like-this all ask it. Scores come from search._matching (over search._scoring.VecIndex).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from search._definitions import asks_for_definition
from search._facets import _doc_index, documents_in
from search._scoring import Statistics, VecIndex
from search._segments import SegmentCache
from search._snippets import rerank_sequence
from search._synonyms import SynonymTable
from search.api import Filters

W_PROXIMITY = 0.6
W_DEFINITION = 0.5  # a passage that spells out an abbreviation the query asks about
PREFER_FIELDS = ("section_type", "doc_type", "good_example")  # fields Filters.prefer may weigh
MAX_PREFER_FACTOR = 10.0
RERANK_DEPTH = 30  # candidates re-scored for word proximity
GROUP_HEAD = 4  # grouped ranking first sorts the best GROUP_HEAD × n passages (all of them if those span < n documents)


@dataclass
class Context:
    """What ranking needs from the index for one search: the searcher, the caches tied to it
    (IndexStore.aux), the per-segment cache kept across searchers, and the index's options."""

    s: object  # the Whoosh searcher
    aux: dict
    segments: SegmentCache
    decompound: bool
    synonyms: SynonymTable | None  # None: synonyms switched off
    stats: Statistics | None = None  # of the passages the asker may see (set by `scope`)


def _vec(ctx: Context) -> VecIndex:
    v = ctx.aux.get("vec")
    if v is None or v.s is not ctx.s:
        v = ctx.aux["vec"] = VecIndex(ctx.s, ctx.segments)
    return v


def visible_mask(v: VecIndex, f: Filters) -> np.ndarray | None:
    """The passages the asker may see: `visibility` minus `exclude_documents` (None: nothing)."""
    vis = sorted({x for x in (f.visibility or ()) if x})
    if not vis:
        return None
    mask = v.mask_of("visibility", vis)
    if f.exclude_documents:
        mask &= ~v.mask_of("document_id", sorted(f.exclude_documents))
    return mask


def filter_mask(v: VecIndex, f: Filters) -> np.ndarray | None:
    """The filters as a mask over all passages (None: the asker may see nothing). The one evaluator of
    filters and visibility: search, browsing, suggestions and more-like-this all ask it."""
    mask = visible_mask(v, f)
    if mask is None:
        return None
    for fname, values in (("organisation", f.organisation), ("doc_type", f.doc_type), ("goal", f.goal),
                          ("entity", f.entity), ("year", f.year), ("section_type", f.section_type)):
        vals = [str(x) for x in (values or []) if str(x)]
        if vals:
            mask &= v.mask_of(fname, vals)
    if f.document_id:
        mask &= v.mask_of("document_id", [f.document_id])
    return mask


def scope(ctx: Context, v: VecIndex, f: Filters) -> bool:
    """Set `ctx.stats` to the statistics of what the asker may see; False when they may see nothing."""
    key = (tuple(sorted({x for x in (f.visibility or ()) if x})), frozenset(f.exclude_documents))
    if not key[0]:
        return False
    ctx.stats = v.statistics(key, lambda: visible_mask(v, f))
    return True


def _apply_preferences(v: VecIndex, score: np.ndarray, prefer) -> np.ndarray:
    """Filters.prefer: scores multiplied for passages with a field value (a ranking, not a filter)."""
    if not prefer:
        return score
    score = score.copy()
    for fname, value, factor in prefer:
        if fname in PREFER_FIELDS and value:
            score[v.mask_of(fname, [str(value)])] *= min(max(float(factor), 0.0), MAX_PREFER_FACTOR)
    return score


def _rank(ctx: Context, mask, score, n: int, group: bool) -> list[tuple[int, float]]:
    matched = np.flatnonzero(mask)
    if not len(matched):
        return []
    sc = score[matched]
    if group:
        docidx, _names = _doc_index(ctx)
        head = _best_scores(sc, GROUP_HEAD * n)
        if head is not None and np.count_nonzero(documents_in(ctx, matched[head])) >= n:
            # the head is a prefix of the full order and spans n documents, so it holds the n best documents'
            # best passages: sorting it alone gives the same list (a common word matches 30,000 passages)
            matched, sc = matched[head], sc[head]
        order = np.lexsort((matched, -sc))  # score desc, docnum asc (deterministic)
        di = docidx[matched[order]]
        _u, first = np.unique(di, return_index=True)
        order = order[np.sort(first)][:n]
    else:
        head = _best_scores(sc, n)  # ties at the n-th score included, so that docnum decides among them
        if head is not None:
            matched, sc = matched[head], sc[head]
        order = np.lexsort((matched, -sc))
    return [(int(matched[k]), float(sc[k])) for k in order[:n]]


def _best_scores(scores: np.ndarray, k: int) -> np.ndarray | None:
    """Indexes of the scores at least as high as the k-th highest (ties included: a prefix of the order by
    score), or None when there are no more than k or the scores cannot be ordered."""
    if len(scores) <= k or k <= 0:
        return None
    kth = np.partition(scores, len(scores) - k)[len(scores) - k]
    return None if np.isnan(kth) else np.flatnonzero(scores >= kth)


def stored_fields(s, docnum: int, stored: dict | None = None) -> dict:
    """A passage's stored fields, kept in `stored` (one query's) so re-rank and hits decode each once."""
    if stored is None:
        return s.stored_fields(docnum)
    fields = stored.get(docnum)
    if fields is None:
        fields = stored[docnum] = s.stored_fields(docnum)
    return fields


def _rerank(s, top: list[tuple[int, float]], words: list[str], abbreviations: list[tuple[str, str]],
            stored: dict | None = None) -> list[tuple[int, float]]:
    """Re-score the few top candidates from their stored text: a boost when the query words they contain (two
    or more) stand close together — within a window of their number plus three words — and one when they
    spell out an abbreviation the query asks about ("Europeiska socialfonden (ESF)" for "ESF"). Cheaper than
    a phrase query over all hits."""
    head = top[: RERANK_DEPTH]
    wanted = set(words)
    out = []
    for docnum, sc in head:
        fields = stored_fields(s, docnum, stored)
        text, title = fields.get("text") or "", fields.get("title") or ""
        if len(wanted) >= 2 and _close_together(rerank_sequence(text, title), wanted):
            sc *= 1.0 + W_PROXIMITY
        if abbreviations and asks_for_definition(text, abbreviations, words):
            sc *= 1.0 + W_DEFINITION
        out.append((docnum, sc))
    out.sort(key=lambda x: (-x[1], x[0]))
    return out + top[RERANK_DEPTH:]


def _close_together(seq: tuple[str, ...], wanted: set[str]) -> bool:
    need = wanted.intersection(seq)
    if len(need) < 2:
        return False
    width = len(need) + 3
    last: dict[str, int] = {}
    # only the wanted words' positions matter: the scan skips every other token
    for i, t in [(i, t) for i, t in enumerate(seq) if t in need]:
        last[t] = i
        if len(last) == len(need) and i - min(last.values()) < width:
            return True
    return False
