"""Rank: match sets and scores for a parsed query over all passages at once, top-n, proximity re-rank, facets.

The numpy evaluator (`_evaluate`, over search._scoring.VecIndex) gives the match set and the scores of
every match in one pass; Whoosh's own matchers are used for quoted phrases (`_matching`) and for
Whoosh-scored queries such as more-like-this (`_top`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from whoosh import collectors

from search._query import W_ALT, W_BODY, W_HEADING, W_PARTS, W_TITLE, _phrase_clause
from search._scoring import SegmentCache, VecIndex, _segment_key
from search._snippets import _rerank_terms
from search._synonyms import SynonymTable
from search.api import Filters

SEARCH_TIME_LIMIT = 1.0  # seconds for Whoosh-scored searches (more_like_this)
COUNT_TIME_LIMIT = 0.5  # seconds for matching a quoted phrase over all passages

# Query-time weights besides the field boosts (search._query).
W_SYNONYM = 0.5
W_PROXIMITY = 0.6

FACET_FIELDS = {"organisation": "organisation", "doc_type": "doc_type", "year": "year", "goal": "goal", "entity": "entity",
                "section_type": "section_type"}
PREFER_FIELDS = ("section_type", "doc_type", "good_example")  # fields Filters.prefer may weigh
MAX_PREFER_FACTOR = 10.0
FACET_LIMIT = 30
RERANK_DEPTH = 30  # candidates re-scored for word proximity


@dataclass
class Context:
    """What ranking needs from the index for one search: the searcher, the caches tied to it
    (IndexStore.aux), the per-segment cache kept across searchers, and the index's options."""

    s: object  # the Whoosh searcher
    aux: dict
    segments: SegmentCache
    decompound: bool
    synonyms: SynonymTable | None  # None: synonyms switched off


# --------------------------------------------------------------------------- vectorised evaluation


def _vec(ctx: Context) -> VecIndex:
    v = ctx.aux.get("vec")
    if v is None or v.s is not ctx.s:
        v = ctx.aux["vec"] = VecIndex(ctx.s, ctx.segments)
    return v


def _term_scores(ctx: Context, v: VecIndex, term: str, alts=(), with_parts=True, scale=1.0) -> np.ndarray:
    """Same shape as _term_clause: title + heading + max(body, parts), or the alternatives."""
    out = v.dense("title", term, W_TITLE * scale)
    v.add(out, "heading", term, W_HEADING * scale)
    body = v.dense("body", term, W_BODY * scale)
    if with_parts and ctx.decompound:
        np.maximum(body, v.dense("parts", term, W_PARTS * scale), out=body)
    out += body
    if alts:
        a_scale = W_ALT * scale
        alt_sum = np.zeros(v.N, dtype=np.float32)
        alt_all = np.ones(v.N, dtype=bool)
        for a in alts:
            one = v.dense("body", a, a_scale)
            v.add(one, "heading", a, a_scale * W_HEADING)
            v.add(one, "title", a, a_scale * W_TITLE)
            alt_all &= one > 0
            alt_sum += one
        alt_sum[~alt_all] = 0
        np.maximum(out, alt_sum, out=out)
    return out


def _words_scores(ctx: Context, v: VecIndex, terms, with_parts=True, scale=1.0) -> np.ndarray:
    """All words present (AND), scores summed; zero where any is missing."""
    total = np.zeros(v.N, dtype=np.float32)
    every = np.ones(v.N, dtype=bool)
    for t in terms:
        one = _term_scores(ctx, v, t, (), with_parts, scale)
        every &= one > 0
        total += one
    total[~every] = 0
    return total


def _phrase_mask(ctx: Context, v: VecIndex, terms, with_parts=True) -> tuple[np.ndarray, bool]:
    q = _phrase_clause(list(terms), with_parts=with_parts and ctx.decompound)
    ids, timed_out = _matching(ctx.s, q)
    m = np.zeros(v.N, dtype=bool)
    if len(ids):
        m[ids] = True
    return m, timed_out


def _evaluate(ctx: Context, v: VecIndex, pos, neg, mode="and"):
    """(match mask, scores, timed_out) for parsed slots."""
    slot_scores = []
    timed_out = False
    mains = [sl.terms[0] if not sl.phrase else None for sl in pos]
    i = 0
    while i < len(pos):
        sl = pos[i]
        if sl.phrase:
            m, t_o = _phrase_mask(ctx, v, sl.terms)
            timed_out |= t_o
            sc = _words_scores(ctx, v, sl.terms)
            sc[~m] = 0
            slot_scores.append(sc)
            i += 1
            continue
        match = None
        if ctx.synonyms is not None and ctx.synonyms.groups:
            seq = []
            for t in mains[i:i + ctx.synonyms.max_len]:
                if t is None:
                    break
                seq.append(t)
            found = ctx.synonyms.alternatives(seq, 0) if seq else []
            if found:
                match = found[0]
        if match:
            n, others = match
            if n == 1:
                sc = _term_scores(ctx, v, pos[i].terms[0], pos[i].alts[0])
            else:
                sc = _words_scores(ctx, v, [p.terms[0] for p in pos[i:i + n]])
            for o in others:  # multi-word alternatives: all words present (not checked as a phrase)
                np.maximum(sc, _words_scores(ctx, v, list(o), with_parts=False, scale=W_SYNONYM), out=sc)
            slot_scores.append(sc)
            i += n
            continue
        slot_scores.append(_term_scores(ctx, v, sl.terms[0], sl.alts[0]))
        i += 1
    if not slot_scores:
        return np.zeros(v.N, dtype=bool), np.zeros(v.N, dtype=np.float32), timed_out
    score = np.zeros(v.N, dtype=np.float32)
    count = np.zeros(v.N, dtype=np.int16)
    for sc in slot_scores:
        score += sc
        count += sc > 0
    n = len(slot_scores)
    if mode == "and" or n == 1:
        mask = count == n
    elif mode == "relaxed" and n > 2:
        mask = count >= n - 1
    else:
        mask = count >= 1
    for sl in neg:
        if sl.phrase:
            m, t_o = _phrase_mask(ctx, v, sl.terms, with_parts=False)
            timed_out |= t_o
        else:
            m = _words_scores(ctx, v, sl.terms, with_parts=False) > 0
        mask &= ~m
    return mask, score, timed_out


def _filter_mask(v: VecIndex, f: Filters) -> np.ndarray | None:
    """The filters as a mask over all passages (None: the asker may see nothing); the same logic as the
    Whoosh query of search._query._filter_query."""
    vis = [x for x in (f.visibility or ()) if x]
    if not vis:
        return None
    mask = v.mask_of("visibility", vis)
    for fname, values in (("organisation", f.organisation), ("doc_type", f.doc_type), ("goal", f.goal),
                          ("entity", f.entity), ("year", f.year), ("section_type", f.section_type)):
        vals = [str(x) for x in (values or []) if str(x)]
        if vals:
            mask &= v.mask_of(fname, vals)
    if f.document_id:
        mask &= v.mask_of("document_id", [f.document_id])
    if f.exclude_documents:
        mask &= ~v.mask_of("document_id", sorted(f.exclude_documents))
    return mask


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
        order = np.lexsort((matched, -sc))  # score desc, docnum asc (deterministic)
        di = docidx[matched[order]]
        _u, first = np.unique(di, return_index=True)
        order = order[np.sort(first)][:n]
    else:
        if len(matched) > n:
            part = np.argpartition(-sc, n - 1)[:n]
            order = part[np.lexsort((matched[part], -sc[part]))]
        else:
            order = np.lexsort((matched, -sc))
    return [(int(matched[k]), float(sc[k])) for k in order[:n]]


# --------------------------------------------------------------------------- per-searcher caches


def _facet_postings(ctx: Context, field: str) -> dict[str, np.ndarray]:
    key = ("facet", field)
    if key not in ctx.aux:
        out: dict[str, list] = {}
        for sub, offset in ctx.s.leaf_searchers():
            reader = sub.reader()
            if field not in reader.indexed_field_names():
                continue
            segment = _segment_key(reader)
            local = ctx.segments.get((segment, "facet", field)) if segment else None
            if local is None:  # read once per segment version, not once per searcher
                local = {}
                for term in reader.lexicon(field):
                    value = term.decode("utf-8") if isinstance(term, bytes) else term
                    local[value] = np.fromiter(reader.postings(field, term).all_ids(), dtype=np.int64)
                if segment:
                    ctx.segments.put((segment, "facet", field), local)
            for value, ids in local.items():
                out.setdefault(value, []).append(ids + offset)
        ctx.aux[key] = {v: np.concatenate(a) for v, a in out.items()}
    return ctx.aux[key]


def _doc_index(ctx: Context) -> tuple[np.ndarray, list[str]]:
    """docnum -> small int per document_id (for 'more in this document' counts)."""
    key = ("docidx",)
    if key not in ctx.aux:
        arr = np.full(ctx.s.doc_count_all(), -1, dtype=np.int64)
        names: list[str] = []
        for value, ids in _facet_postings(ctx, "document_id").items():
            arr[ids] = len(names)
            names.append(value)
        ctx.aux[key] = (arr, names)
    return ctx.aux[key]


# --------------------------------------------------------------------------- Whoosh matching, facets, top-n, re-rank


def _matching(s, q, max_docs: int | None = None) -> tuple[np.ndarray, bool]:
    """All matching docnums without scoring (for totals and facets), within a time budget."""
    deadline = time.monotonic() + COUNT_TIME_LIMIT
    chunks = []
    timed_out = False
    for sub, offset in s.leaf_searchers():
        m = q.matcher(sub, sub.boolean_context())
        buf = []
        n = 0
        while m.is_active():
            buf.append(m.id())
            m.next()
            n += 1
            if max_docs is not None and n >= max_docs:
                break
            if n & 1023 == 0 and time.monotonic() > deadline:
                timed_out = True
                break
        if buf:
            chunks.append(np.asarray(buf, dtype=np.int64) + offset)
        if timed_out or (max_docs is not None and n >= max_docs):
            break
    if not chunks:
        return np.zeros(0, dtype=np.int64), timed_out
    return np.concatenate(chunks), timed_out


def _facets(ctx: Context, matched: np.ndarray, mask: np.ndarray | None = None) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    if len(matched) == 0:
        return {k: [] for k in FACET_FIELDS}
    if mask is None:
        mask = np.zeros(ctx.s.doc_count_all(), dtype=bool)
        mask[matched] = True
    for name, field in FACET_FIELDS.items():
        counts = []
        for value, ids in _facet_postings(ctx, field).items():
            c = int(np.count_nonzero(mask[ids]))
            if c:
                counts.append({"value": int(value) if name == "year" and value.isdigit() else value, "count": c})
        if name == "year":
            counts.sort(key=lambda d: (-d["count"], -int(d["value"]) if isinstance(d["value"], int) else 0))
        else:
            counts.sort(key=lambda d: (-d["count"], str(d["value"])))
        out[name] = counts[:FACET_LIMIT]
    return out


def _top(ctx: Context, q, n: int, group: bool, total: int | None = None) -> tuple[list[tuple[int, float]], bool]:
    """Top-n passages (group=False) or the best passage of each of the top-n documents.

    Top-N scoring (Whoosh skips blocks that cannot enter the top), under a time limit. Grouping is
    done here rather than with Whoosh's CollapseCollector, which TimeLimitCollector bypasses:
    fetch k passages, keep the best per document, and widen k only when too few documents came back.
    """
    if not group:
        return _collect(ctx.s, q, n)
    docidx, _names = _doc_index(ctx)
    k = max(40, n * 6)
    while True:
        top, timed_out = _collect(ctx.s, q, k)
        seen: set[int] = set()
        out = []
        for d, sc in top:
            di = int(docidx[d])
            if di in seen and di >= 0:
                continue
            seen.add(di)
            out.append((d, sc))
        if len(out) >= n or len(top) < k or timed_out or (total is not None and k >= total):
            return out[:n], timed_out
        k *= 4


def _collect(s, q, k: int) -> tuple[list[tuple[int, float]], bool]:
    col = s.collector(limit=k)
    tlc = collectors.TimeLimitCollector(col, timelimit=SEARCH_TIME_LIMIT, use_alarm=False)
    timed_out = False
    try:
        s.search_with_collector(q, tlc)
    except collectors.TimeLimit:
        timed_out = True
    res = tlc.results()
    return [(hit.docnum, float(hit.score or 0.0)) for hit in res], timed_out


def _proximity_rerank(s, top: list[tuple[int, float]], words: list[str]) -> list[tuple[int, float]]:
    """Boost candidates whose body has the query words close together (window of len+3 words).
    Done on the few top candidates from their stored text, not as a phrase query over all hits."""
    head = top[: RERANK_DEPTH]
    need = set(words)
    width = len(need) + 3
    out = []
    for docnum, sc in head:
        seq = _rerank_terms(s.stored_fields(docnum).get("text") or "")
        close = False
        last: dict[str, int] = {}
        for i, t in enumerate(seq):
            if t in need:
                last[t] = i
                if len(last) == len(need) and i - min(last.values()) < width:
                    close = True
                    break
        out.append((docnum, sc * (1.0 + W_PROXIMITY) if close else sc))
    out.sort(key=lambda x: (-x[1], x[0]))
    return out + top[RERANK_DEPTH:]
