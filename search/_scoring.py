"""Vectorised BM25F over Whoosh postings (numpy), one instance per open Whoosh searcher.

Profiling showed Whoosh's matcher tree (Python objects per posting, ~10 µs per match for a word
query over four fields, plus a second pass to count for facets) dominating latency. Here each term's
postings (docnums and term frequencies) are read once per searcher into numpy arrays and cached;
a query is then a handful of vector operations over dense per-document arrays, which gives the
match set (total, facets) and the scores of all matches in one go. Whoosh remains the storage
(read through search._segments) and the analysis; quoted phrases intersect each term's positions,
read once per segment version like its postings (`VecIndex.phrase_ids`).

Statistics (passage count, document frequencies, average lengths) are taken over the passages the
asker may see (`Statistics`), never over all: content an anonymous asker may not see cannot shift
the scores or the order of what they do see.
"""
from __future__ import annotations

import math

import numpy as np

from search._segments import (
    POSITION_BITS, POSTINGS_CACHE, SegmentCache, field_lengths, read_positions, read_postings, segment_key,
)

K1 = 1.2
B = 0.75
STATISTICS_CACHE = 8  # visibility scopes kept per searcher (public; public+internal; with exclusions)
TERM_SCORES_CACHE = 1024  # (field, term) score arrays kept per scope: a query needs a few dozen


class Statistics:
    """BM25 collection statistics over the passages in `mask` (those the asker may see)."""

    def __init__(self, v: "VecIndex", mask: np.ndarray):
        self.v = v
        self.mask = mask
        self.n = max(1, int(np.count_nonzero(mask)))
        self._avg: dict[str, float] = {}
        self.scored = SegmentCache(max_entries=TERM_SCORES_CACHE)  # (field, term) -> (docnums, BM25 scores): see VecIndex.term

    def avg_length(self, field: str) -> float:
        avg = self._avg.get(field)
        if avg is None:
            lengths = self.v.lengths(field)[self.mask]
            avg = self._avg[field] = max(1.0, float(lengths.sum()) / self.n)
        return avg

    def idf(self, ids: np.ndarray) -> float:
        df = int(np.count_nonzero(self.mask[ids]))
        return math.log(self.n / (df + 1.0)) + 1.0  # Whoosh's idf, as its BM25F scorer uses


class VecIndex:
    def __init__(self, searcher, shared: SegmentCache | None = None):
        self.s = searcher
        self.shared = shared
        self.N = searcher.doc_count_all()
        self.leaves = list(searcher.leaf_searchers())
        self._lengths: dict[str, np.ndarray] = {}
        self._post = SegmentCache(max_entries=POSTINGS_CACHE)  # this searcher's (field, term) -> postings
        self._stats = SegmentCache(max_entries=STATISTICS_CACHE)

    # ------------------------------------------------------------------ raw data

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        key = (field, term)
        hit = self._post.get(key)
        if hit is not None:
            return hit
        ids_parts, tf_parts = [], []
        for sub, offset in self.leaves:
            reader = sub.reader()
            local = self._per_segment(reader, "p", read_postings, field, term)
            if len(local[0]):
                ids_parts.append(local[0] + offset)
                tf_parts.append(local[1])
        if ids_parts:
            value = (np.concatenate(ids_parts), np.concatenate(tf_parts))
        else:
            value = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        self._post.put(key, value)
        return value

    def _per_segment(self, reader, tag: str, read, *args, with_deletions: bool = True, valid=None):
        """`read(reader, *args)` for one segment, kept in the shared cache across searchers (keyed by segment
        version, `tag` and `args`); a kept value that fails `valid` is read again."""
        segment = segment_key(reader, with_deletions) if self.shared is not None else None
        key = (segment, tag, *args)
        found = self.shared.get(key) if segment else None
        if found is None or (valid is not None and not valid(found)):
            found = read(reader, *args)
            if segment:
                self.shared.put(key, found)
        return found

    def phrase_ids(self, field: str, terms) -> np.ndarray:
        """Sorted docnums where `terms` stand at consecutive positions of `field` (what Whoosh's Phrase with
        slop 1 finds), from each term's positions read once per segment version and intersected in numpy."""
        found = []
        for sub, offset in self.leaves:
            reader = sub.reader()
            keys = None
            for i, term in enumerate(terms):
                local = self._per_segment(reader, "pos", read_positions, field, term)
                # term i of a phrase starting at p stands at p + i (never across passages: p + i is a position)
                keys = local if keys is None else np.intersect1d(keys, local - i, assume_unique=True)
                if not len(keys):
                    break
            if keys is not None and len(keys):
                found.append(np.unique(keys >> POSITION_BITS) + offset)
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)

    def lengths(self, field: str) -> np.ndarray:
        arr = self._lengths.get(field)
        if arr is None:
            arr = np.zeros(self.N, dtype=np.float32)
            for sub, offset in self.leaves:
                reader = sub.reader()
                n = reader.doc_count_all()
                # field lengths stay valid through deletions (the segment id alone keys them)
                cached = self._per_segment(reader, "len", field_lengths, field, with_deletions=False,
                                           valid=lambda lengths, n=n: len(lengths) == n)
                arr[offset:offset + n] = cached
            self._lengths[field] = arr
        return arr

    def mask_of(self, field: str, values) -> np.ndarray:
        m = np.zeros(self.N, dtype=bool)
        for v in values:
            ids, _ = self.postings(field, v)
            if len(ids):
                m[ids] = True
        return m

    def statistics(self, key, make_mask) -> Statistics:
        """The statistics of one visibility scope (`key`), made from `make_mask()` once per searcher."""
        stats = self._stats.get(key)
        if stats is None:
            stats = Statistics(self, make_mask())
            self._stats.put(key, stats)
        return stats

    # ------------------------------------------------------------------ scoring

    def term(self, stats: Statistics, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, BM25 scores) of one term in one field, with the statistics of `stats`; kept with them (a
        query asks for the same term in several fields, parts and weights; the arrays are never written to)."""
        key = (field, term)
        hit = stats.scored.get(key)
        if hit is not None:
            return hit
        ids, tfs = self.postings(field, term)
        if not len(ids):
            return ids, tfs
        dl = self.lengths(field)[ids]
        norm = K1 * ((1.0 - B) + B * dl / stats.avg_length(field))
        value = ids, (stats.idf(ids) * tfs * (K1 + 1.0) / (tfs + norm)).astype(np.float32)
        stats.scored.put(key, value)
        return value

    def dense(self, stats: Statistics, field: str, term: str, weight: float = 1.0) -> np.ndarray:
        out = np.zeros(self.N, dtype=np.float32)
        ids, sc = self.term(stats, field, term)
        if len(ids):
            out[ids] = sc * weight
        return out

    def add(self, stats: Statistics, out: np.ndarray, field: str, term: str, weight: float) -> np.ndarray:
        ids, sc = self.term(stats, field, term)
        if len(ids):
            out[ids] += sc * weight
        return out
