"""Abbreviations in a query: the passage that spells one out ("Europeiska socialfonden (ESF)") is lifted when the
query asks what it is — the abbreviation alone, or with words of its long form — and not when the query asks
about something else ("ESF uppföljning")."""
from __future__ import annotations

import pytest

from search import IndexDoc, SearchIndex
from search import _ranking
from search._definitions import spelt_out


def doc(pid: str, did: str, title: str, heading: str, text: str, ord_: int = 0) -> IndexDoc:
    return IndexDoc(passage_id=pid, document_id=did, title=title, heading=heading, heading_path=[heading], text=text,
                    ord=ord_)


DOCS = [
    doc("esf-budget", "rapport", "Slutrapport Vägar framåt", "Ekonomi",
        "ESF-medlen räckte: ESF betalade 60 procent, och ESF-rapporteringen gjordes varje kvartal till ESF. "
        "Uppföljningen av budgeten visade ett litet överskott.", 3),
    doc("esf-resultat", "plan", "Verksamhetsplan", "Resultat",
        "Två ESF-projekt avslutades under året; ESF-rådet följde båda. Uppföljning sker halvårsvis.", 2),
    doc("esf-definition", "utvardering", "Utvärdering av sfi med yrkesinriktning", "Finansiering",
        "Projektet finansierades av Europeiska socialfonden (ESF) under tre år och samordnades av kommunen.", 1),
    doc("esf-granskning", "revision", "Revisionsrapport", "Granskning",
        "Uppföljning görs av Europeiska socialfonden (ESF) en gång om året.", 1),
    doc("sfi-tider", "koping", "Yrkesspår i Köping", "Väntetider",
        "Väntetiden till sfi kortades när sfi lästes parallellt med yrkeskurser.", 2),
    doc("sfi-definition", "halsa", "Hälsoinsatser för nyanlända", "Bakgrund",
        "Kurser i svenska för invandrare (sfi) är ofta den första kontakten med kommunen.", 1),
    doc("ssyk-bygger", "ssyk", "SSYK och ESCO", "Strukturen",
        "SSYK bygger på en internationell yrkesklassificering och SSYK uppdateras sällan; SSYK har fyra nivåer.", 2),
    doc("ssyk-definition", "ssyk", "SSYK och ESCO", "Inledning",
        "SSYK (Standard för svensk yrkesklassificering) är en förteckning över yrken.", 1),
]


SPELLING_OUT_ESF = {"esf-definition", "esf-granskning"}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    ix = SearchIndex(tmp_path_factory.mktemp("abbreviations"), cache_size=0)  # each search ranks anew
    ix.rebuild(DOCS)
    yield ix
    ix.close()


def order(index, query: str) -> list[str]:
    return [h.passage_id for h in index.search(query, limit=10, group=False).hits]


def scored(index, query: str) -> list[tuple[str, float]]:
    return [(h.passage_id, round(h.score, 4)) for h in index.search(query, limit=10, group=False).hits]


@pytest.mark.parametrize("text, abbreviation, long_form", [
    ("Finansiering: Europeiska socialfonden (ESF). Projektet", "esf", "Europeiska socialfonden"),
    ("kurser i svenska för invandrare (sfi) och", "sfi", "svenska för invandrare"),
    ("SSYK (Standard för svensk yrkesklassificering) är", "ssyk", "Standard för svensk yrkesklassificering"),
    ("ESF+ (Europeiska socialfonden plus) finansierar", "esf+", "Europeiska socialfonden plus"),
    ("en satsning från Europeiska socialfonden (ESF)", "esf", "Europeiska socialfonden"),
    ("Uppföljning görs av Europeiska socialfonden (ESF) varje år", "esf", "Europeiska socialfonden"),
    ("den regionala utvecklingsstrategin (RUS) gäller", "rus", "regionala utvecklingsstrategin"),
])
def test_a_long_form_before_or_inside_the_parenthesis_is_found(text, abbreviation, long_form):
    assert spelt_out(text, abbreviation) == long_form


@pytest.mark.parametrize("text, abbreviation", [
    ("en ny förordning (EU) 2016/679", "eu"),  # no word of the text spells E-U
    ("ESF (se bilaga 2)", "esf"),  # a parenthesis that is not the long form
    ("medel från ESF (ESF)", "esf"),  # the abbreviation itself
    ("RUS 2030 (regional utvecklingsstrategi)", "rus"),  # the year stands between
    ("Europeiska socialfonden finansierar projektet", "esf"),  # no parenthesis at all
    ("en ny (ESF) rutin", "esf"),  # the words before hold no E…S…F
])
def test_what_is_not_a_long_form_is_not_taken_for_one(text, abbreviation):
    assert spelt_out(text, abbreviation) is None


def test_the_passage_that_spells_out_an_abbreviation_is_lifted_when_the_query_is_the_abbreviation(index, monkeypatch):
    with_boost = order(index, "ESF")
    monkeypatch.setattr(_ranking, "W_DEFINITION", 0.0)
    without = order(index, "ESF")
    assert without[0] == "esf-budget"  # the passage that repeats "ESF" scores highest on the words alone
    assert with_boost[0] in SPELLING_OUT_ESF and sorted(with_boost) == sorted(without)


def test_a_lowercase_abbreviation_the_synonym_list_spells_out_counts_too(index, monkeypatch):
    with_boost = order(index, "sfi")
    monkeypatch.setattr(_ranking, "W_DEFINITION", 0.0)
    assert order(index, "sfi")[0] != "sfi-definition"
    assert with_boost[0] == "sfi-definition"


def test_the_abbreviation_with_words_of_its_long_form_still_asks_what_it_is(index, monkeypatch):
    with_boost = order(index, "SSYK yrkesklassificering")
    monkeypatch.setattr(_ranking, "W_DEFINITION", 0.0)
    assert order(index, "SSYK yrkesklassificering")[0] == "ssyk-bygger"
    assert with_boost[0] == "ssyk-definition"


def test_an_abbreviation_beside_another_subject_gets_no_lift(index, monkeypatch):
    """"ESF uppföljning" asks about follow-up: the passages that spell out ESF gain nothing, not even the one
    that also says "Uppföljning" just before the long form; scores are those the words alone give."""
    with_boost = scored(index, "ESF uppföljning")
    monkeypatch.setattr(_ranking, "W_DEFINITION", 0.0)
    assert with_boost == scored(index, "ESF uppföljning")
    assert {pid for pid, _score in with_boost} >= SPELLING_OUT_ESF


def test_the_work_per_passage_is_bounded_whatever_the_file_holds():
    """A passage of endless "(ESF)" costs at most MAX_TRIES tries per pattern within its first MAX_TEXT_READ
    characters: a long form after them is not looked for (a definition stands early, or not at all)."""
    from search._definitions import MAX_TEXT_READ, MAX_TRIES

    definition = "Europeiska socialfonden (ESF)"
    assert spelt_out("x y z (ESF) " * (MAX_TRIES - 1) + definition, "esf") == "Europeiska socialfonden"
    assert spelt_out("x y z (ESF) " * MAX_TRIES + definition, "esf") is None
    assert spelt_out("ord " * (MAX_TEXT_READ // 4) + definition, "esf") is None
    assert spelt_out("x y z (ESF) " * 30_000, "esf") is None
