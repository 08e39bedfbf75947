"""Search that finds the passage (issue 12): all-words hits first, then partial ones under a flag; compounds,
derivations and word order; covers, running footers and reference lists below the passage that answers;
snippets from the best window on word boundaries; browsing by filter; the document filter."""
from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from search import Filters, IndexDoc, SearchIndex
from search._analysis import sv_stem
from search._searching import PARTIAL_WHEN_FEWER
from search._snippets import make_snippet
from search.api import NOTICE_NO_EXACT

PLAN = "Verksamhetsplan för regional utveckling"
DIGI = "Digi 60+ – digital delaktighet för äldre i Västmanland"


def doc(pid, did, title, heading, text, ord_=0, **kw) -> IndexDoc:
    return IndexDoc(passage_id=pid, document_id=did, title=title, heading=heading, heading_path=[heading], text=text,
                    ord=ord_, **kw)


DOCS = [
    doc("p-avhopp", "plan", PLAN, "#17 Öka andelen elever som fullföljer sina studier",
        "Fler elever ska ta gymnasieexamen och färre avhopp från gymnasiet ska ske i länet.", 1,
        goal_ids=["rus:delmal-17"], entity_ids=["org:region"], year=2021),
    doc("p-studier", "plan", PLAN, "Skolresultat",
        "Andelen elever som klarar sina gymnasiestudier med examen har ökat något under året.", 2,
        goal_ids=["rus:delmal-17"], year=2021),
    doc("p-elever", "skola", "Skolans årsrapport", "Elevhälsa", "Elever och lärare har fått stöd av elevhälsan.", 1,
        year=2023),
    doc("p-export", "plan", PLAN, "#15 Öka andelen exporterade företag",
        "Fler företag ska inkluderas i globala värdekedjor, och det exportfrämjande arbetet fortsätter.", 3,
        goal_ids=["rus:delmal-15"], year=2021),
    doc("p-exportor", "handel", "Handelsrapport", "Handel", "En exportör av maskiner har vuxit snabbt i regionen.", 1,
        year=2022),
    doc("p-cykel", "trafik", "Trafikplan", "Cykel", "Nya leder för cykling och vandring byggs längs ån.", 1,
        goal_ids=["rus:delmal-7"], entity_ids=["place:arboga"], year=2022),
    doc("p-kollektiv", "trafik", "Trafikplan", "Resor", "Kollektivtrafiken ska öka sin marknadsandel i hela länet.", 2,
        goal_ids=["rus:delmal-7"], entity_ids=["place:arboga", "org:region"], year=2022),
    doc("p-gymnasieexamen", "vagar", "Vägar framåt", "Bakgrund",
        "En avslutad gymnasieexamen är avgörande för egen försörjning och ett gott liv.", 1, year=2023),
    # a project report: cover (first passage, under the title, metadata), body passages, a running footer
    doc("d-cover", "digi", DIGI, DIGI, "Slutrapport, december 2021. Region Västmanland i samverkan med "
        "länsbildningsförbundet och länsstyrelsen.", 0, year=2021),
    doc("d-bakgrund", "digi", DIGI, "Bakgrund", "Allt fler samhällstjänster finns bara digitalt. Region "
        "Västmanland startade därför projektet under 2020 tillsammans med studieförbunden.", 1, year=2021),
    doc("d-resultat", "digi", DIGI, "Resultat", "712 personer deltog i minst tre cirkelträffar, varav 64 procent "
        f"kvinnor. Region Västmanland – {DIGI} Sida 2", 2, year=2021),
    # a footnote beside the chapter that answers
    doc("k-fotnot", "klimat", "Klimatstrategi för kommunen", "4.1 Klimatanpassning",
        "[30] Hinder och möjligheter vid klimatanpassning, sid 20, Boverket (PDF)", 4, year=2022),
    doc("k-kapitel", "klimat", "Klimatstrategi för kommunen", "4.1 Klimatanpassning",
        "Det svenska samhället är inte dimensionerat för ett förändrat klimat. Kommunens klimatanpassning "
        "handlar om skyfall, översvämning och värmeböljor, och om vem som bär kostnaderna för åtgärderna.", 3,
        year=2022),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    ix = SearchIndex(tmp_path_factory.mktemp("ranking"))
    ix.rebuild(DOCS)
    yield ix
    ix.close()


def ids(res) -> list[str]:
    return [h.passage_id for h in res.hits]


def test_passages_with_most_words_follow_the_exact_ones_flagged_partial(index):
    res = index.search("elever gymnasieexamen avhopp", group=False)
    assert ids(res)[0] == "p-avhopp" and not res.hits[0].partial  # every word: first, not partial
    # elever, and gymnasie(studier) ... examen for gymnasieexamen: two of three words
    assert [h.passage_id for h in res.hits if h.partial] == ["p-studier"]
    assert all(h.partial for h in res.hits[1:])  # never instead of the exact ones: below them
    assert "p-elever" not in ids(res) and "p-gymnasieexamen" not in ids(res)  # one word of three is not "most"
    assert res.exact_total == 1 and res.total == len(res.hits) and NOTICE_NO_EXACT not in res.notices
    assert res.to_json()["hits"][1]["partial"] is True  # the JSON contract gains the flag
    assert res.hits[1].missing == ["avhopp"] and res.hits[0].missing == []  # the word the partial hit lacks
    assert res.to_json()["hits"][1]["missing"] == ["avhopp"]


def test_no_exact_hit_says_so_and_lists_partial_ones(index):
    res = index.search("gymnasieexamen avhopp cirkelträffar", group=False)
    assert res.hits and all(h.partial for h in res.hits) and res.exact_total == 0
    assert NOTICE_NO_EXACT in res.notices and "Inga träffar innehöll alla orden" in res.message
    assert all(h.missing and set(h.missing) <= {"gymnasieexamen", "avhopp", "cirkelträffar"} for h in res.hits)


def test_many_exact_hits_leave_no_room_for_partial_ones(tmp_path):
    many = [doc(f"m{i}", f"d{i}", f"Rapport {i}", "Text", "Kollektivtrafik och pendling i länet.", 1)
            for i in range(PARTIAL_WHEN_FEWER + 2)] + [doc("only-one", "x", "X", "Text", "Kollektivtrafik i länet.", 1)]
    ix = SearchIndex(tmp_path / "i")
    ix.rebuild(many)
    res = ix.search("kollektivtrafik pendling", limit=50)
    assert res.total == PARTIAL_WHEN_FEWER + 2 and not any(h.partial for h in res.hits)
    assert "only-one" not in ids(res)  # it has one of the words: enough exact hits leave it out
    ix.close()


def test_a_compound_finds_its_parts_written_apart_and_the_reverse(index):
    assert ids(index.search("exportföretag", group=False))[0] == "p-export"  # exporterade företag
    assert "p-gymnasieexamen" in ids(index.search("gymnasie examen", group=False))  # parts typed apart
    assert ids(index.search('"gymnasie examen"', group=False))[0] == "p-gymnasieexamen"  # even as a phrase
    assert ids(index.search("kollektiv trafik", group=False))[0] == "p-kollektiv"


def test_derivations_meet(index):
    assert "p-export" in ids(index.search("exportör", group=False))  # exportör -> exporterade, exportfrämjande
    assert "p-exportor" in ids(index.search("exportera", group=False))
    assert ids(index.search("cykel", group=False))[0] == "p-cykel"  # cykel -> cykling
    assert ids(index.search("cyklister", group=False))[0] == "p-cykel"
    hit = index.search("cykel", group=False).hits[0]
    assert "<mark>cykling</mark>" in hit.snippet


def test_word_order_does_not_matter_for_two_word_concepts(index):
    for a, b in (("kollektiv trafik", "trafik kollektiv"), ("gymnasie examen", "examen gymnasie")):
        ra, rb = index.search(a, group=False), index.search(b, group=False)
        assert [(h.passage_id, round(h.score, 4)) for h in ra.hits] == [(h.passage_id, round(h.score, 4)) for h in rb.hits]


def test_a_cover_or_running_footer_does_not_outrank_the_passage_that_answers(index):
    res = index.search("Digi 60+")  # every passage matches through the title
    assert [h.document_id for h in res.hits] == ["digi"]
    assert res.hits[0].passage_id != "d-cover"  # the document's best body passage, not its cover
    flat = index.search("Digi 60+ studieförbunden", group=False)
    assert ids(flat)[0] == "d-bakgrund"
    resultat = index.search("digital delaktighet kvinnor", group=False)
    assert ids(resultat)[0] == "d-resultat"
    # the title's words: the cover's heading and the running footer of "Resultat" repeat them, Bakgrund has one
    footer = index.search("digital delaktighet äldre", group=False)
    assert ids(footer)[0] == "d-bakgrund"


def test_a_footnote_does_not_outrank_the_chapter(index):
    assert ids(index.search("klimatanpassning", group=False))[:2] == ["k-kapitel", "k-fotnot"]


def test_browse_by_filter_without_words(index):
    res = index.search("", Filters(goal=["rus:delmal-17"]), group=False)
    assert sorted(ids(res)) == ["p-avhopp", "p-studier"] and res.total == 2 and not res.notices
    both = index.search("", Filters(goal=["rus:delmal-7"], entity=["org:region"]), group=False)
    assert ids(both) == ["p-kollektiv"]  # both filters must hold
    either = index.search("", Filters(entity=["place:arboga", "org:region"]), group=False)
    assert ids(either)[0] == "p-kollektiv"  # carries both chosen entities: first
    grouped = index.search("", Filters(goal=["rus:delmal-17"]))
    assert len(grouped.hits) == 1 and grouped.hits[0].more_in_document == 1 and grouped.total_documents == 1
    assert index.search("").notices == ["empty_query"]  # no words and no filter: nothing to browse


def test_document_filter_grouped_and_flat(index):
    f = Filters(document_id="plan")
    flat = index.search("elever", f, group=False)
    assert set(ids(flat)) == {"p-avhopp", "p-studier"} and flat.total == 2
    grouped = index.search("elever", f)
    assert len(grouped.hits) == 1 and grouped.hits[0].more_in_document == 1 and grouped.total == 2
    assert grouped.hits[0].document_id == "plan"
    assert index.search("", f, group=False).total == 3  # browse the document


def test_pages_of_exact_and_partial_hits_follow_each_other(index):
    whole = index.search("elever gymnasieexamen avhopp", group=False, limit=20)
    pages = [index.search("elever gymnasieexamen avhopp", group=False, limit=1, offset=i) for i in range(whole.total)]
    assert [p.hits[0].passage_id for p in pages] == ids(whole)
    assert [p.hits[0].partial for p in pages] == [h.partial for h in whole.hits]
    grouped = index.search("elever gymnasieexamen avhopp", limit=20)
    assert sum(1 + h.more_in_document for h in grouped.hits) == grouped.total


def test_snippet_takes_the_window_with_most_distinct_words_and_starts_on_a_word():
    text = ("Inledning om ojektrapporten. " + "Kollektivtrafik " * 8 + "och mycket annat som fyller ut texten. " * 6
            + "Här står kollektivtrafik, pendling och cykling tillsammans i en mening. " + "Slut på texten. " * 8)
    terms = {sv_stem("kollektivtrafik"), sv_stem("pendling"), sv_stem("cykling")}
    snippet = make_snippet(text, terms, focus=terms)
    assert "<mark>pendling</mark>" in snippet and "<mark>cykling</mark>" in snippet
    assert snippet.startswith("… Här står")  # the sentence that holds them, from its start


words = st.sampled_from(["kollektivtrafik", "pendling", "och", "länet", "ojektrapport", "Region", "Västmanland.",
                         "december", "2021,", "bussar", "tåg!", "skola"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(words, min_size=1, max_size=160), st.sampled_from(["kollektivtrafik", "pendling", "bussar", "saknas"]))
def test_snippets_start_and_end_on_word_boundaries(tokens, word):
    text = " ".join(tokens)
    snippet = make_snippet(text, {sv_stem(word)})
    body = html.unescape(re.sub(r"</?mark>", "", snippet)).removeprefix("… ").removesuffix(" …")
    start = text.find(body)
    assert start >= 0, (snippet, text)
    assert start == 0 or text[start - 1] == " "  # never from the middle of a word
    end = start + len(body)
    assert end == len(text) or text[end] == " " or body[-1] in ".!?,:;"
