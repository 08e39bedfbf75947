"""SearchIndex on a real Whoosh index on disk, with Swedish passages taken from the seed documents."""
from __future__ import annotations

import json
import threading

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from search import Filters, IndexDoc, SearchIndex, SearchResults
from search._store import SETTINGS_FILE

RV = "Region Västmanland"

# (passage_id, document_id, title, heading, text, organisation, doc_type, year, visibility, goals)
PASSAGES = [
    ("p-bib", "vp-2021", "Verksamhetsplan 2021", "Regional biblioteksverksamhet",
     "Den regionala biblioteksverksamhetens uppdrag är att främja samarbete, verksamhetsutveckling och kvalité "
     "när det gäller folkbiblioteken i länet samt vara en viktig kunskapsnod för utvecklingen av "
     "folkbibliotekspersonalens digitala kompetens.", RV, "verksamhetsplan", 2021, "public", ["rus-vm:delmal-11"]),
    ("p-bib-exact", "kultur-2022", "Kulturplan", "Bibliotek",
     "Ett bibliotek i varje kommun ska vara öppet för alla. Biblioteket erbjuder läsfrämjande verksamhet.",
     "Simrishamn", "plan", 2022, "public", []),
    ("p-digi", "vp-2021", "Verksamhetsplan 2021", "#11 Öka deltagande i kultur och fritidsaktiviteter",
     "För att öka den digitala delaktigheten bland äldre driver Region Västmanland sedan 2020 projektet Digi 60+. "
     "Projektet är ett samverkansprojekt mellan Region Västmanland, Västmanlands länsbildningsförbund och "
     "länsstyrelsen.", RV, "verksamhetsplan", 2021, "public", ["rus-vm:delmal-11"]),
    ("p-17", "vp-2021", "Verksamhetsplan 2021", "#17 Öka andelen elever som fullföljer sina studier med godkänt resultat",
     "Skolresultaten måste stärkas och den grundläggande utbildningsnivån i länet behöver höjas. Därigenom "
     "tillgodoses näringslivets och det offentligas behov av förnyelse och kompetensförsörjning. Region "
     "Västmanland främjar skolutveckling i länet via Skolchefsnätverket.", RV, "verksamhetsplan", 2021, "public",
     ["rus-vm:delmal-17"]),
    ("p-hs", "vp-2021", "Verksamhetsplan 2021", "Nära vård",
     "Omställningen till en Nära vård pågår i länet. En del i det arbetet handlar om att stärka samverkan mellan "
     "den regionala respektive kommunala hälso- och sjukvården.", RV, "verksamhetsplan", 2021, "public", []),
    ("p-11", "lp-2024", "Uppföljnings- och lärandesystem", "Finansiering",
     "1. Regionala utvecklingsmedel, 1:1-medel 2. Medel från andra huvudsakliga medfinansiärer 3. Region "
     "Västmanlands egna medel", RV, "webbsida", 2024, "public", []),
    ("p-eras", "westum-2026", "Verksamhetsplan 2026: Nätverk Westum", "Prioriterat område 3: Internationellt utbyte",
     "Fortsatt deltagande i Erasmus+ och andra internationella samarbetsprogram. Genomföra internationella "
     "mobilitetsprojekt för både elever, studerande och personal.", "Nätverk Westum", "verksamhetsplan", 2026,
     "public", []),
    ("p-vux", "westum-2026", "Verksamhetsplan 2026: Nätverk Westum", "Om Nätverk Westum",
     "Nätverk Westum är en ideell förening som idag består av 41 medlemmar, kommunal vuxenutbildning, "
     "yrkeshögskolor och lärcentra i Västsverige.", "Nätverk Westum", "verksamhetsplan", 2026, "public", []),
    ("p-rus", "rus-2030", "Västmanlands regionala utvecklingsstrategi 2030", "Samverkan regional utveckling",
     "Den regionala utvecklingsstrategin är en övergripande och långsiktig strategi. Till varje målområde har "
     "det identifierats delmål.", RV, "strategi", 2020, "public", []),
    ("p-arb", "rus-2030", "Västmanlands regionala utvecklingsstrategi 2030", "Arbetsmarknad",
     "Arbetet med matchning på arbetsmarknaden kräver att alla aktörer tar ansvar.", RV, "strategi", 2020,
     "public", []),
    ("p-int", "intern-1", "Internt PM om budget", "Hemligt",
     "Internt underlag: zylofonbudgeten för kvartalet och kompetensförsörjning i förvaltningen.", RV, "pm", 2025,
     "internal", ["rus-vm:delmal-99"]),
    ("p-html", "html-1", "Testdokument <b>", "Rubrik",
     "Texten innehåller <script>alert(1)</script> och ordet bibliotekarie & mer.", "Testorg", "test", 2023,
     "public", []),
]


def make_docs() -> list[IndexDoc]:
    out = []
    for i, (pid, did, title, heading, text, org, dtype, year, vis, goals) in enumerate(PASSAGES):
        out.append(IndexDoc(passage_id=pid, document_id=did, title=title, heading=heading, heading_path=[heading],
                            text=text, page=1, ord=i, organisation=org, doc_type=dtype, year=year, visibility=vis,
                            goal_ids=goals, entity_ids=["org:" + org.lower().replace(" ", "-")]))
    return out


def by_doc(docs):
    out: dict[str, list[IndexDoc]] = {}
    for d in docs:
        out.setdefault(d.document_id, []).append(d)
    return out


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    ix = SearchIndex(tmp_path_factory.mktemp("idx"))
    assert ix.needs_rebuild  # new and empty
    assert ix.rebuild(make_docs()) == len(PASSAGES)
    assert not ix.needs_rebuild
    yield ix
    ix.close()


def ids(res: SearchResults) -> list[str]:
    return [h.passage_id for h in res.hits]


@pytest.mark.parametrize("query,expected", [
    ("bibliotek", "p-bib"), ("utbildning", "p-vux"), ("skolchefer", "p-17"), ("kompetens", "p-17"),
    ("hälsovård", "p-hs"), ("sjukvård", "p-hs"), ("hälso- och sjukvård", "p-hs"),
    ("arbete", "p-arb"), ("arbetsmarknad", "p-arb"),
])
def test_stemming_and_decompounding_find_passages(index, query, expected):
    assert expected in ids(index.search(query, group=False, limit=20))


def test_compound_matches_rank_below_exact(index):
    res = index.search("bibliotek", group=False)
    order = ids(res)
    assert order.index("p-bib-exact") < order.index("p-bib")
    assert "<mark>folkbiblioteken</mark>" in next(h for h in res.hits if h.passage_id == "p-bib").snippet


def test_decompound_can_be_switched_off(tmp_path):
    ix = SearchIndex(tmp_path / "i", decompound=False)
    ix.rebuild(make_docs())
    assert "p-bib" not in ids(ix.search("bibliotek", group=False))
    ix.close()


@pytest.mark.parametrize("query,first", [
    ("Digi 60+", "p-digi"), ("#17", "p-17"), ("1:1-medel", "p-11"), ("Erasmus+", "p-eras"),
    ('"regionala utvecklingsstrategin"', "p-rus"),
])
def test_special_tokens_rank_first(index, query, first):
    assert ids(index.search(query, group=False))[0] == first


@pytest.mark.parametrize("query,expected", [("RUS", "p-rus"), ("YH", "p-vux"), ("komvux", "p-vux")])
def test_synonyms(index, query, expected, tmp_path):
    assert expected in ids(index.search(query, group=False))
    plain = SearchIndex(tmp_path / "nosyn", synonyms=False)
    plain.rebuild(make_docs())
    assert expected not in ids(plain.search(query, group=False))
    plain.close()


def test_phrase_and_exclusion(index):
    assert ids(index.search('"digitala delaktigheten"', group=False)) == ["p-digi"]
    res = index.search('region -"Digi 60+" -skolresultaten', group=False, limit=50)
    assert "p-digi" not in ids(res) and "p-17" not in ids(res) and res.total > 0


ODD = ["", " ", "-", "--", '"', '""', '"unbalanced phrase', "(((", "AND OR NOT", "title:bibliotek", "bibl*",
       "och att det", "\x00\x01\x1f", "🙂📚", "a" * 10_000, "ord " * 3000, "-bibliotek", '-"hela fraser"',
       "~", "\\", "bibliotek)", "<script>", "NOT", "*:*", "%s %d {0}", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\u202e\u200b"]


@pytest.mark.parametrize("query", ODD)
def test_odd_queries_never_raise(index, query):
    res = index.search(query)
    assert isinstance(res, SearchResults)
    if res.total == 0 and not query.strip("\x00\x01\x1f \u202e\u200b"):
        assert res.message
    index.suggest(query)


def test_long_query_is_capped_with_message(index):
    res = index.search("bibliotek " + " ".join(f"ord{i}" for i in range(40)))
    assert res.message and "kortats" in res.message


def test_only_stop_words_message(index):
    res = index.search("och att det")
    assert res.total == 0 and "småord" in res.message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_random_strings_never_raise(index, query):
    res = index.search(query, limit=3)
    assert isinstance(res, SearchResults) and res.total >= 0
    index.suggest(query)


def test_filters_and_facets(index):
    res = index.search("region", group=False, limit=50)
    assert res.total == len(res.hits)
    facets = {f["value"]: f["count"] for f in res.facets["organisation"]}
    assert facets.get(RV) == sum(1 for h in res.hits if h.document_id in ("vp-2021", "lp-2024", "rus-2030"))
    years = {f["value"]: f["count"] for f in res.facets["year"]}
    assert sum(years.values()) == res.total
    f = Filters(organisation=[RV], year=[2021])
    sub = index.search("region", f, group=False, limit=50)
    assert sub.total == years[2021] == len(sub.hits)
    assert all(h.document_id == "vp-2021" for h in sub.hits)
    goal = index.search("region", Filters(goal=["rus-vm:delmal-17"]), group=False)
    assert ids(goal) == ["p-17"]
    assert index.search("region", Filters(document_id="lp-2024"), group=False).total == 1


def test_grouping_and_pagination(index):
    grouped = index.search("region", limit=50)
    docs = [h.document_id for h in grouped.hits]
    assert len(docs) == len(set(docs)) == grouped.total_documents
    flat = index.search("region", group=False, limit=50)
    assert sum(1 + h.more_in_document for h in grouped.hits) == flat.total == grouped.total
    page1 = index.search("region", group=False, limit=2, offset=0)
    page2 = index.search("region", group=False, limit=2, offset=2)
    assert ids(page1) + ids(page2) == ids(flat)[:4]


def test_visibility_enforced_everywhere(index):
    public = index.search("zylofonbudgeten")
    assert public.total == 0 and not public.hits
    assert index.suggest("zylofnbudgeten") is None
    assert index.search("zylofnbudgeten").suggestion is None
    res = index.search("kompetensförsörjning", group=False, limit=50)
    assert "p-int" not in ids(res)
    for facet in res.facets.values():
        assert all(v["value"] not in ("pm", 2025, "rus-vm:delmal-99", "intern-1") for v in facet)
    assert index.more_like_this("p-int") == []
    assert all(h.passage_id != "p-int" for h in index.more_like_this("p-17", limit=20))
    internal = Filters(visibility=("public", "internal"))
    assert "p-int" in ids(index.search("zylofonbudgeten", internal))
    assert index.suggest("zylofnbudgeten", visibility=("public", "internal")) == "zylofonbudgeten"
    assert index.search("region", Filters(visibility=())).total == 0


def test_suggest(index):
    assert index.suggest("kompetensförsörjnig") == "kompetensförsörjning"
    assert index.suggest("bibliotek") is None
    assert index.search("kompetensförsörjnig").suggestion == "kompetensförsörjning"


def test_snippets_escape_html(index):
    hit = index.search("bibliotekarie", group=False).hits[0]
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    assert "&amp;" in hit.snippet and "<mark>bibliotekarie</mark>" in hit.snippet


def test_more_like_this(index):
    similar = index.more_like_this("p-bib", limit=3)
    assert similar and all(h.passage_id != "p-bib" for h in similar)


def test_rebuild_equals_incremental(tmp_path):
    a = SearchIndex(tmp_path / "a")
    a.rebuild(make_docs())
    b = SearchIndex(tmp_path / "b")
    for doc_id, docs in by_doc(make_docs()).items():
        b.replace_document(doc_id, docs)
    for q in ["bibliotek", "region", "kompetens", "Digi 60+", "hälso- och sjukvård", "RUS"]:
        ra, rb = a.search(q, group=False, limit=50), b.search(q, group=False, limit=50)
        assert ids(ra) == ids(rb) and ra.total == rb.total and ra.facets == rb.facets
    assert a.document_counts() == b.document_counts()
    a.close(), b.close()


def test_replace_and_delete_document(tmp_path):
    ix = SearchIndex(tmp_path / "i")
    ix.rebuild(make_docs())
    counts = ix.document_counts()
    assert counts["vp-2021"] == 4
    new = [d for d in make_docs() if d.document_id == "vp-2021"][:1]
    ix.replace_document("vp-2021", new)
    assert ix.document_counts()["vp-2021"] == 1
    assert ix.search("Digi 60+", group=False).total == 0  # cache invalidated on commit
    ix.delete_document("vp-2021")
    assert "vp-2021" not in ix.document_counts()
    ix.close()


def test_replace_document_is_atomic_for_readers(tmp_path):
    ix = SearchIndex(tmp_path / "i")
    docs = make_docs()
    ix.rebuild(docs)
    vp = [d for d in docs if d.document_id == "vp-2021"]
    seen = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            seen.append(ix.search("region", Filters(document_id="vp-2021"), group=False, limit=50).total)

    t = threading.Thread(target=reader)
    t.start()
    for _ in range(8):
        ix.replace_document("vp-2021", vp)
    stop.set()
    t.join()
    expected = ix.search("region", Filters(document_id="vp-2021"), group=False).total
    assert seen and set(seen) == {expected}
    ix.close()


def test_needs_rebuild_flips_on_settings_change(tmp_path):
    ix = SearchIndex(tmp_path / "i")
    ix.rebuild(make_docs())
    current = (tmp_path / "i" / "CURRENT").read_text().strip()
    ix.close()
    settings_path = tmp_path / "i" / current / SETTINGS_FILE
    data = json.loads(settings_path.read_text())
    data["version"] = "schema-0/analysis-0"
    settings_path.write_text(json.dumps(data))
    old = SearchIndex(tmp_path / "i")
    assert old.needs_rebuild
    old.rebuild(make_docs())
    assert not old.needs_rebuild
    old.close()
    assert not SearchIndex(tmp_path / "i").needs_rebuild


def test_corrupt_index_reports_rebuild(tmp_path):
    ix = SearchIndex(tmp_path / "i")
    ix.rebuild(make_docs())
    current = (tmp_path / "i" / "CURRENT").read_text().strip()
    ix.close()
    for f in (tmp_path / "i" / current).glob("*.toc"):
        f.write_bytes(b"garbage")
    broken = SearchIndex(tmp_path / "i")
    assert broken.needs_rebuild
    assert broken.search("bibliotek").total == 0
    broken.rebuild(make_docs())
    assert broken.search("bibliotek").total > 0


def test_stale_lock_file_does_not_block(tmp_path):
    ix = SearchIndex(tmp_path / "i")
    ix.rebuild(make_docs())
    current = (tmp_path / "i" / "CURRENT").read_text().strip()
    ix.close()
    (tmp_path / "i" / current / "MAIN_WRITELOCK").write_text("left by a killed process")
    again = SearchIndex(tmp_path / "i")
    again.delete_document("html-1")
    assert "html-1" not in again.document_counts()


def test_failed_write_leaves_no_lock(tmp_path):
    ix = SearchIndex(tmp_path / "i")
    ix.rebuild(make_docs())
    bad = make_docs()[:1]
    with pytest.raises(ValueError):
        ix.replace_document("other-doc", bad)  # passage of another document: refused, writer cancelled
    ix.delete_document("html-1")  # would time out if the failed writer had kept the lock
    assert "html-1" not in ix.document_counts()


def test_multiprocess_rebuild_matches_single(tmp_path, monkeypatch):
    import search._store as store

    single = SearchIndex(tmp_path / "single")
    single.rebuild(make_docs())
    monkeypatch.setattr(store, "MP_REBUILD_MIN", 4)  # force the two-process writer on a small corpus
    multi = SearchIndex(tmp_path / "multi")
    assert multi.rebuild(make_docs()) == len(PASSAGES)
    assert multi.document_counts() == single.document_counts()
    for q in ["bibliotek", "region", "Digi 60+"]:
        a, b = single.search(q, group=False, limit=50), multi.search(q, group=False, limit=50)
        assert sorted(ids(a)) == sorted(ids(b)) and a.total == b.total
    single.close(), multi.close()


def test_filters_combine_with_query_and_visibility(index):
    everything = Filters(visibility=("public", "internal"), goal=["rus-vm:delmal-99"])
    assert ids(index.search("kompetensförsörjning", everything, group=False)) == ["p-int"]
    assert index.search("kompetensförsörjning", Filters(goal=["rus-vm:delmal-99"])).total == 0
