"""Vectorised BM25F over Whoosh postings (numpy), one instance per open Whoosh searcher.

Profiling showed Whoosh's matcher tree (Python objects per posting, ~10 µs per match for a word
query over four fields, plus a second pass to count for facets) dominating latency. Here each term's
postings (docnums and term frequencies) are read once per searcher into numpy arrays and cached;
a query is then a handful of vector operations over dense per-document arrays, which gives the
match set (total, facets) and the scores of all matches in one go. Whoosh remains the storage,
the analysis, and the phrase matcher for quoted phrases.
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict

import numpy as np

K1 = 1.2
B = 0.75
POSTINGS_CACHE = 8192


def _length_lut() -> np.ndarray:
    from whoosh.util.numeric import byte_to_length

    return np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


_LUT = None


class SegmentCache:
    """Postings and field lengths per Whoosh segment, kept across searchers.

    A commit during an ingest adds a small segment; the big ones are unchanged, so a new searcher
    reuses what was read from them instead of decoding 100k postings again in Python. Deletion counts
    are part of the key: a segment with new deletions is read again."""

    def __init__(self, max_entries: int = 4 * POSTINGS_CACHE):
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)


def _segment_key(reader, with_deletions: bool = True) -> str | None:
    """The segment's id, plus its deletion count: Whoosh leaves deleted documents out of a segment's
    postings, so a deletion makes its cached postings stale (field lengths stay valid)."""
    try:
        segment = reader.segment()
        return f"{segment.segment_id()}:{segment.deleted_count()}" if with_deletions else segment.segment_id()
    except Exception:
        return None


class VecIndex:
    def __init__(self, searcher, shared: SegmentCache | None = None):
        self.s = searcher
        self.shared = shared
        self.N = searcher.doc_count_all()
        self.live = max(1, searcher.doc_count())
        self.leaves = list(searcher.leaf_searchers())
        self._lengths: dict[str, np.ndarray] = {}
        self._avg: dict[str, float] = {}
        self._post: OrderedDict = OrderedDict()
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
            segment = _segment_key(reader) if self.shared is not None else None
            local = self.shared.get((segment, "p", field, term)) if segment else None
            if local is None:
                local = self._read_postings(reader, field, term)
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

    @staticmethod
    def _read_postings(reader, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        ids, tfs = [], []
        try:
            if (field, term) in reader:
                m = reader.postings(field, term)
                while m.is_active():
                    ids.append(m.id())
                    tfs.append(m.weight())
                    m.next()
        except Exception:
            ids, tfs = [], []
        return np.asarray(ids, dtype=np.int64), np.asarray(tfs, dtype=np.float32)

    def lengths(self, field: str) -> np.ndarray:
        arr = self._lengths.get(field)
        if arr is None:
            global _LUT
            if _LUT is None:
                _LUT = _length_lut()
            arr = np.zeros(self.N, dtype=np.float32)
            for sub, offset in self.leaves:
                reader = sub.reader()
                n = reader.doc_count_all()
                segment = _segment_key(reader, with_deletions=False) if self.shared is not None else None
                cached = self.shared.get((segment, "len", field)) if segment else None
                if cached is not None and len(cached) == n:
                    arr[offset:offset + n] = cached
                    continue
                col = None
                try:
                    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

                    col = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
                except Exception:
                    col = None
                if col is not None:
                    raw = np.fromiter((col[i] for i in range(n)), dtype=np.uint8, count=n)
                    arr[offset:offset + n] = _LUT[raw]
                else:
                    arr[offset:offset + n] = [reader.doc_field_length(i, field, 0) or 0 for i in range(n)]
                if segment:
                    self.shared.put((segment, "len", field), arr[offset:offset + n].copy())
            self._lengths[field] = arr
            total = float(self.s.field_length(field) or 0)
            self._avg[field] = max(1.0, total / max(1, self.N))
        return arr

    # ------------------------------------------------------------------ scoring

    def term(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, BM25 scores) of one term in one field."""
        ids, tfs = self.postings(field, term)
        if not len(ids):
            return ids, tfs
        df = len(ids)
        idf = math.log(self.N / (df + 1.0)) + 1.0  # Whoosh's idf, as its BM25F scorer uses
        dl = self.lengths(field)[ids]
        norm = K1 * ((1.0 - B) + B * dl / self._avg[field])
        return ids, (idf * tfs * (K1 + 1.0) / (tfs + norm)).astype(np.float32)

    def dense(self, field: str, term: str, weight: float = 1.0) -> np.ndarray:
        out = np.zeros(self.N, dtype=np.float32)
        ids, sc = self.term(field, term)
        if len(ids):
            out[ids] = sc * weight
        return out

    def add(self, out: np.ndarray, field: str, term: str, weight: float) -> np.ndarray:
        ids, sc = self.term(field, term)
        if len(ids):
            out[ids] += sc * weight
        return out

    def mask_of(self, field: str, values) -> np.ndarray:
        m = np.zeros(self.N, dtype=bool)
        for v in values:
            ids, _ = self.postings(field, v)
            if len(ids):
                m[ids] = True
        return m
