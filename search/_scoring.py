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
import threading
from collections import OrderedDict

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
        self.scored: OrderedDict = OrderedDict()  # (field, term) -> (docnums, BM25 scores): see VecIndex.term

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
        self._post: OrderedDict = OrderedDict()
        self._stats: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ raw data

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        key = (field, term)
        with self._lock:
            hit = self._post.get(key)
            if hit is not None:
                self._post.move_to_end(key)
                return hit
        ids_parts, tf_parts = [], []
        for sub, offset in self.leaves:
            reader = sub.reader()
            segment = segment_key(reader) if self.shared is not None else None
            local = self.shared.get((segment, "p", field, term)) if segment else None
            if local is None:
                local = read_postings(reader, field, term)
                if segment:
                    self.shared.put((segment, "p", field, term), local)
            if len(local[0]):
                ids_parts.append(local[0] + offset)
                tf_parts.append(local[1])
        if ids_parts:
            value = (np.concatenate(ids_parts), np.concatenate(tf_parts))
        else:
            value = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        with self._lock:
            self._post[key] = value
            if len(self._post) > POSTINGS_CACHE:
                self._post.popitem(last=False)
        return value

    def phrase_ids(self, field: str, terms) -> np.ndarray:
        """Sorted docnums where `terms` stand at consecutive positions of `field` (what Whoosh's Phrase with
        slop 1 finds), from each term's positions read once per segment version and intersected in numpy."""
        found = []
        for sub, offset in self.leaves:
            reader = sub.reader()
            segment = segment_key(reader) if self.shared is not None else None
            keys = None
            for i, term in enumerate(terms):
                local = self.shared.get((segment, "pos", field, term)) if segment else None
                if local is None:
                    local = read_positions(reader, field, term)
                    if segment:
                        self.shared.put((segment, "pos", field, term), local)
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
                segment = segment_key(reader, with_deletions=False) if self.shared is not None else None
                cached = self.shared.get((segment, "len", field)) if segment else None
                if cached is None or len(cached) != n:
                    cached = field_lengths(reader, field)
                    if segment:
                        self.shared.put((segment, "len", field), cached)
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
        with self._lock:
            stats = self._stats.get(key)
            if stats is not None:
                self._stats.move_to_end(key)
                return stats
        stats = Statistics(self, make_mask())
        with self._lock:
            self._stats[key] = stats
            if len(self._stats) > STATISTICS_CACHE:
                self._stats.popitem(last=False)
        return stats

    # ------------------------------------------------------------------ scoring

    def term(self, stats: Statistics, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, BM25 scores) of one term in one field, with the statistics of `stats`; kept with them (a
        query asks for the same term in several fields, parts and weights; the arrays are never written to)."""
        key = (field, term)
        with self._lock:
            hit = stats.scored.get(key)
            if hit is not None:
                stats.scored.move_to_end(key)
                return hit
        ids, tfs = self.postings(field, term)
        if not len(ids):
            return ids, tfs
        dl = self.lengths(field)[ids]
        norm = K1 * ((1.0 - B) + B * dl / stats.avg_length(field))
        value = ids, (stats.idf(ids) * tfs * (K1 + 1.0) / (tfs + norm)).astype(np.float32)
        with self._lock:
            stats.scored[key] = value
            if len(stats.scored) > TERM_SCORES_CACHE:
                stats.scored.popitem(last=False)
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
