"""Shortcuts taken for speed give what the plain way gives: facet counts read by passage equal counting every
value's postings, results turned into JSON equal `dataclasses.asdict`, and an answer from the result cache
shares nothing a caller could change with the cached one."""
from __future__ import annotations

import random
from dataclasses import asdict

import numpy as np

from search import Filters, IndexDoc, SearchIndex
from search._facets import FACET_FIELDS, _facet_postings, _facet_table

WORDS = ["regional", "utveckling", "hållbar", "samverkan", "kommun", "kompetensförsörjning", "vuxenutbildning",
         "klimat", "energi", "näringsliv", "och"]
ORGS = ["Region Västmanland", "Västerås stad", "Sala kommun", "Campus Westum"]
GOALS = [f"rus:delmal-{n}" for n in range(1, 9)] + ["agenda2030:mal-4", "agenda2030:mal-13"]
ENTITIES = [f"project:p{n}" for n in range(15)]


def _docs(rng: random.Random, doc_no: int) -> list[IndexDoc]:
    organisation, year = rng.choice(ORGS), rng.choice([2019, 2021, 2023, None])
    return [IndexDoc(passage_id=f"d{doc_no}-{i}", document_id=f"d{doc_no}", title=f"Plan {doc_no}",
                     heading="Mål", heading_path=["Mål"], ord=i, organisation=organisation, year=year,
                     doc_type=rng.choice(["verksamhetsplan", "projektrapport"]),
                     text=" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 30))),
                     goal_ids=rng.sample(GOALS, rng.randint(0, 4)), entity_ids=rng.sample(ENTITIES, rng.randint(0, 3)),
                     section_type=rng.choice(["", "resultat", "lardomar"]), visibility=rng.choice(["public", "internal"]))
            for i in range(rng.randint(3, 15))]


def _index(tmp_path) -> SearchIndex:
    rng = random.Random(11)
    ix = SearchIndex(tmp_path / "ix")
    for batch in range(4):  # several segments, and deletions in them
        ix.replace_documents({f"d{n}": _docs(rng, n) for n in range(batch * 20, batch * 20 + 20)})
    ix.replace_document("d3", _docs(rng, 3))
    return ix


def test_facet_counts_by_passage_equal_counting_each_values_postings(tmp_path):
    """Few matched passages are counted by gathering their values, many by one pass over all postings:
    both must equal the plain count, for one-valued (organisation) and many-valued (goal, entity) fields."""
    ix = _index(tmp_path)
    store = ix.backend._store
    with store.lock:
        ctx = ix.backend._context()
        n = ctx.s.doc_count_all()
        rng = np.random.default_rng(4)
        for size in (0, 1, 2, 5, 20, n // 3, n - 1, n):
            matched = np.sort(rng.choice(n, size, replace=False))
            mask = np.zeros(n, dtype=bool)
            mask[matched] = True
            for field in FACET_FIELDS.values():
                table = _facet_table(ctx, field)
                want = [int(np.count_nonzero(mask[ids])) for ids in _facet_postings(ctx, field).values()]
                assert table.counts(matched, mask).tolist() == (want if table.values else []), (field, size)
    ix.close()


def test_search_facets_match_the_hits_filters_give(tmp_path):
    """Each facet value's count is the number of passages the same search finds with that value as a filter."""
    ix = _index(tmp_path)
    everyone = ("public", "internal")
    for query in ("utveckling", "klimat energi", "kompetensförsörjning vuxenutbildning"):
        res = ix.search(query, Filters(visibility=everyone), limit=5, group=False)
        assert res.total and res.facets["goal"] and res.facets["entity"]
        for facet, param in (("organisation", "organisation"), ("goal", "goal"), ("entity", "entity"),
                             ("year", "year")):
            for value in res.facets[facet][:4]:
                narrowed = ix.search(query, Filters(visibility=everyone, **{param: [value["value"]]}), limit=1,
                                     group=False)
                assert narrowed.total == value["count"], (query, facet, value)
    ix.close()


def test_results_json_equals_asdict_and_cached_answers_are_copies(tmp_path):
    ix = _index(tmp_path)
    first = ix.search("hållbar samverkan", Filters(visibility=("public", "internal")), limit=10)
    assert first.hits and first.facets["organisation"]
    data = first.to_json()
    assert data == {**asdict(first), "hits": [asdict(h) for h in first.hits]}
    assert list(data) == list(asdict(first)) and list(data["hits"][0]) == list(asdict(first.hits[0]))
    data["hits"][0]["missing"].append("ändrat")
    data["facets"]["organisation"][0]["count"] = -1
    assert first.to_json() != data, "the JSON is a copy"

    again = ix.search("hållbar samverkan", Filters(visibility=("public", "internal")), limit=10)  # from the cache
    assert again.to_json() == first.to_json()
    again.hits[0].missing.append("ändrat")
    again.hits[0].url = "/annat"
    again.facets["organisation"][0]["count"] = -1
    again.notices.append("annat")
    third = ix.search("hållbar samverkan", Filters(visibility=("public", "internal")), limit=10)
    assert third.to_json() == first.to_json(), "changing one answer never changes the cached one"
    ix.close()


def test_top_n_from_the_best_scores_equals_sorting_every_match(tmp_path):
    """_rank sorts only the best-scoring passages (ties included); the list must be the one a full sort by
    score, then docnum, gives — one passage per document when grouped — with many equal scores."""
    from search._facets import _doc_index
    from search._ranking import _rank

    ix = _index(tmp_path)
    with ix.backend._store.lock:
        ctx = ix.backend._context()
        docidx, _names = _doc_index(ctx)
        n_docs = ctx.s.doc_count_all()
        rng = np.random.default_rng(8)
        for trial in range(60):
            mask = rng.random(n_docs) < rng.choice([0.02, 0.3, 1.0])
            score = rng.choice([0.5, 1.0, 2.0, 3.0], n_docs).astype(np.float32) if trial % 2 else \
                rng.random(n_docs).astype(np.float32)
            for group in (False, True):
                for n in (1, 3, 10, 40):
                    full = sorted((int(d) for d in np.flatnonzero(mask)), key=lambda d: (-score[d], d))
                    if group:
                        seen: set[int] = set()
                        full = [d for d in full if not (docidx[d] in seen or seen.add(docidx[d]))]
                    want = [(d, float(score[d])) for d in full[:n]]
                    assert _rank(ctx, mask, score, n, group) == want, (trial, group, n)
    ix.close()


def test_kept_suggestions_follow_the_index_and_the_asker(tmp_path):
    """"Menade du" answers are kept per searcher and visible set: a word added, made internal or removed
    changes the next answer at once, and an internal word is never suggested to the public."""
    ix = _index(tmp_path)
    public, staff = Filters(), Filters(visibility=("public", "internal"))

    def rural(visibility: str) -> list[IndexDoc]:
        return [IndexDoc(passage_id="rural-0", document_id="rural", title="Landsbygd", heading="", heading_path=[],
                         text="Landsbygdsutveckling i hela länet", visibility=visibility)]

    assert ix.suggest("landsbygdsutvekling", ("public",)) is None
    ix.replace_document("rural", rural("internal"))
    assert ix.search("landsbygdsutvekling", public).suggestion is None
    assert ix.search("landsbygdsutvekling", staff).suggestion == "landsbygdsutveckling"
    assert ix.search("landsbygdsutvekling", public, limit=5).suggestion is None, "the staff's answer is not shared"
    ix.replace_document("rural", rural("public"))
    assert ix.search("landsbygdsutvekling", public).suggestion == "landsbygdsutveckling"
    ix.delete_document("rural")
    assert ix.search("landsbygdsutvekling", staff, limit=7).suggestion is None
    ix.close()
