"""Quoted phrases: the numpy phrase matcher (VecIndex.phrase_ids over cached positions) finds exactly the passages
Whoosh's own Phrase query finds, over segments with deletions, repeated words and phrases that
straddle passages."""
from __future__ import annotations

import random

from whoosh.query import Phrase

from search import IndexDoc, SearchIndex
from search._scoring import VecIndex
from search._segments import SegmentCache

WORDS = ["regional", "utveckling", "hållbar", "samverkan", "kommun", "region", "kompetensförsörjning", "och"]


def _docs(rng: random.Random, doc_no: int) -> list[IndexDoc]:
    out = []
    for i in range(12):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 25)))
        heading = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        out.append(IndexDoc(passage_id=f"d{doc_no}-{i}", document_id=f"d{doc_no}", title=f"Plan {doc_no} hållbar utveckling",
                            heading=heading, heading_path=[heading], text=text, ord=i))
    return out


def test_phrase_ids_equal_whooshs_phrase_query(tmp_path):
    rng = random.Random(3)
    ix = SearchIndex(tmp_path / "ix", cache_size=0)
    for doc_no in range(6):  # one commit per document (segments, merged as Whoosh decides)
        ix.replace_document(f"d{doc_no}", _docs(rng, doc_no))
    ix.replace_document("d2", _docs(rng, 2))  # deletions in an earlier segment
    store = ix.backend._store
    s = store.get_searcher()
    v = VecIndex(s, SegmentCache())
    stemmed = sorted({t for f in ("body", "title", "heading", "parts") for t in s.reader().field_terms(f)})
    phrases = [[a, b] for a in stemmed[:12] for b in stemmed[:12]] + [
        [rng.choice(stemmed) for _ in range(rng.randint(2, 4))] for _ in range(60)]
    checked = 0
    for terms in phrases:
        for field in ("body", "heading", "title", "parts"):
            want = sorted(s.docs_for_query(Phrase(field, terms)))
            got = v.phrase_ids(field, terms).tolist()
            assert got == want, (field, terms)
            assert list(v.phrase_ids(field, terms)) == want  # again, from the cache
            checked += bool(want)
    assert checked > 20
    ix.close()


def test_segment_cache_is_bounded_in_bytes_as_well_as_entries():
    """A common word's positions at 100k passages are megabytes: the cache drops the oldest to stay in bounds."""
    import numpy as np

    cache = SegmentCache(max_entries=100, max_bytes=10_000)
    for k in range(10):
        cache.put(("seg", "pos", "body", f"ord{k}"), np.zeros(500, dtype=np.int64))  # 4,000 bytes each
    assert cache.bytes <= 10_000
    assert cache.get(("seg", "pos", "body", "ord9")) is not None, "the newest stays"
    assert cache.get(("seg", "pos", "body", "ord0")) is None, "the oldest went"
    cache.put(("seg", "pos", "body", "ord9"), np.zeros(10, dtype=np.int64))  # replacing counts the new size only
    assert cache.bytes == sum(4000 if k != 9 else 80 for k in range(10) if cache.get(("seg", "pos", "body", f"ord{k}")) is not None)


def test_postings_read_a_block_at_a_time_equal_whooshs_matcher(tmp_path):
    """read_postings decodes whole posting blocks; it must give what stepping Whoosh's matcher gives, deleted
    documents left out, for rare and common terms (more than one block: Whoosh blocks hold 128 postings)."""
    import numpy as np

    from search._segments import read_postings

    rng = random.Random(5)
    ix = SearchIndex(tmp_path / "ix", cache_size=0)
    ix.replace_documents({f"d{n}": _docs(rng, n) for n in range(30)})  # one segment: 360 passages
    ix.replace_document("d7", _docs(rng, 7))  # deletions in it
    s = ix.backend._store.get_searcher()
    checked = multi_block = 0
    for reader, _offset in s.reader().leaf_readers():
        for field in ("body", "title", "heading", "parts"):
            for term in reader.field_terms(field):
                m, ids, weights = reader.postings(field, term), [], []
                while m.is_active():
                    ids.append(m.id())
                    weights.append(m.weight())
                    m.next()
                got_ids, got_weights = read_postings(reader, field, term)
                assert got_ids.tolist() == ids and np.allclose(got_weights, weights), (field, term)
                checked += 1
                multi_block += len(ids) > 128
    assert checked > 20 and multi_block, "common words span several blocks"
    assert any(r.segment().deleted_count() for r, _ in s.reader().leaf_readers())
    ix.close()
