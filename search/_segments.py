"""Store: what ranking reads from one Whoosh segment — postings and field lengths as numpy arrays — and the
cache that keeps them across searchers. The only module that knows Whoosh's codec internals.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher

log = logging.getLogger(__name__)

POSTINGS_CACHE = 8192
MAX_CACHE_BYTES = 512 * 1024 * 1024  # per index: postings, positions, field lengths and facets of all segments


class SegmentCache:
    """Postings and field lengths per Whoosh segment, kept across searchers.

    A commit during an ingest adds a small segment; the big ones are unchanged, so a new searcher
    reuses what was read from them instead of decoding 100k postings again in Python. Deletion counts
    are part of the key: a segment with new deletions is read again."""

    def __init__(self, max_entries: int = 4 * POSTINGS_CACHE, max_bytes: int = MAX_CACHE_BYTES):
        self._data: OrderedDict = OrderedDict()  # key -> (value, its size in bytes)
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.max_bytes = max_bytes  # a common word's positions at 100k passages are megabytes: bound the sum
        self.bytes = 0

    def get(self, key):
        with self._lock:
            found = self._data.get(key)
            if found is None:
                return None
            self._data.move_to_end(key)
            return found[0]

    def put(self, key, value) -> None:
        size = _size_of(value)
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._data[key] = (value, size)
            self.bytes += size
            while len(self._data) > self.max_entries or (self.bytes > self.max_bytes and len(self._data) > 1):
                _key, (_value, dropped) = self._data.popitem(last=False)
                self.bytes -= dropped


def _size_of(value) -> int:
    """Bytes held by the numpy arrays in a cached value (an array, or a tuple/dict of them)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, (tuple, list)):
        return sum(_size_of(v) for v in value) + 64
    if isinstance(value, dict):
        return sum(_size_of(v) for v in value.values()) + 64 * (len(value) + 1)
    return 64


def segment_key(reader, with_deletions: bool = True) -> str | None:
    """The segment's id, plus its deletion count: Whoosh leaves deleted documents out of a segment's
    postings, so a deletion makes its cached postings stale (field lengths stay valid). None: the reader
    is not a single segment (nothing is cached for it)."""
    segment = reader.segment()
    if segment is None:
        return None
    return f"{segment.segment_id()}:{segment.deleted_count()}" if with_deletions else segment.segment_id()


def read_postings(reader, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """(docnums, term frequencies) of a term in one segment. A read error is logged and raised: it must
    fail the search loudly, never turn into silently missing hits."""
    ids, tfs = [], []
    try:
        if (field, term) in reader:
            m = reader.postings(field, term)
            leaf, deleted = (m.child, m._ids) if isinstance(m, FilterMatcher) and m._exclude else (m, None)
            if isinstance(leaf, W3LeafMatcher) and not leaf._byteids:
                return _leaf_postings(leaf, deleted)
            while m.is_active():
                ids.append(m.id())
                tfs.append(m.weight())
                m.next()
    except Exception:
        log.exception("could not read the postings of %s:%r in segment %s", field, term[:80], segment_key(reader))
        raise
    return np.asarray(ids, dtype=np.int64), np.asarray(tfs, dtype=np.float32)


def _leaf_postings(m, deleted) -> tuple[np.ndarray, np.ndarray]:
    """A term's postings a block at a time (each block is one pickled array of id deltas and one of weights):
    a common word at 100k passages is tens of thousands of postings, and reading them one matcher call each
    made the first search for it take a second. Deleted documents are left out as Whoosh's filter would."""
    id_blocks, weight_blocks = [], []
    while m.is_active():
        if m._data is None:
            m._read_data()
        raw_ids, raw_weights = m._data[0], m._data[1]
        count = m._blocklength
        block_ids = np.cumsum(np.asarray(raw_ids, dtype=np.int64))  # stored as deltas from 0
        if raw_weights is None:
            block_weights = np.ones(count, dtype=np.float32)
        elif isinstance(raw_weights, float):
            block_weights = np.full(count, raw_weights, dtype=np.float32)
        else:
            block_weights = np.asarray(raw_weights, dtype=np.float32)
        id_blocks.append(block_ids[m._i:])
        weight_blocks.append(block_weights[m._i:])
        m._next_block()
    ids = np.concatenate(id_blocks) if id_blocks else np.zeros(0, dtype=np.int64)
    weights = np.concatenate(weight_blocks) if weight_blocks else np.zeros(0, dtype=np.float32)
    if deleted:
        keep = ~np.isin(ids, np.fromiter(deleted, dtype=np.int64, count=len(deleted)))
        ids, weights = ids[keep], weights[keep]
    return ids, weights


POSITION_BITS = 24  # a position key is docnum << POSITION_BITS | position (positions within a passage are small)


def read_positions(reader, field: str, term: str) -> np.ndarray:
    """Sorted keys docnum << POSITION_BITS | position of every occurrence of a term in one segment, for phrase
    matching in numpy. A read error is logged and raised, as for postings."""
    keys: list[int] = []
    try:
        if (field, term) in reader:
            m = reader.postings(field, term)
            while m.is_active():
                base = m.id() << POSITION_BITS
                keys.extend(base | p for p in m.value_as("positions"))
                m.next()
    except Exception:
        log.exception("could not read the positions of %s:%r in segment %s", field, term[:80], segment_key(reader))
        raise
    return np.unique(np.asarray(keys, dtype=np.int64))


def all_ids(reader, field: str, term) -> np.ndarray:
    """Docnums of a term in one segment (no frequencies): facet values, document ids."""
    return np.fromiter(reader.postings(field, term).all_ids(), dtype=np.int64)


_LUT: np.ndarray | None = None
_warned_lengths = False


def _length_lut() -> np.ndarray:
    global _LUT
    if _LUT is None:
        from whoosh.util.numeric import byte_to_length

        _LUT = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)
    return _LUT


def field_lengths(reader, field: str) -> np.ndarray:
    """Every document's length in `field` in one segment (Whoosh stores them as one byte each)."""
    global _warned_lengths
    n = reader.doc_count_all()
    column = None
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

        column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    except (ImportError, AttributeError, KeyError) as error:
        if not _warned_lengths:  # the documented way below is correct, only slow (another Whoosh version?)
            log.warning("field lengths read one by one (%s: %s)", type(error).__name__, error)
            _warned_lengths = True
    if column is not None:
        raw = np.fromiter((column[i] for i in range(n)), dtype=np.uint8, count=n)
        return _length_lut()[raw]
    return np.asarray([reader.doc_field_length(i, field, 0) or 0 for i in range(n)], dtype=np.float32)
