"""Swedish analysis: stemming, lemma lookup, decompounding, coordination and special tokens."""
from __future__ import annotations

import pickle

import pytest

from search._analysis import SwedishAnalyzer, SwedishDecompoundAnalyzer, analyse, compound_parts, split_compound, sv_stem
from search._store import make_schema


def mains(text: str) -> list[str]:
    return [t for t, _p, sub in analyse(text) if not sub]


def terms_at(text: str, analyzer=None, mode="query") -> list[tuple[str, int]]:
    return [(t, p) for t, p, _sub in analyse(text, analyzer, mode=mode)]


@pytest.mark.parametrize("a,b", [
    ("arbetet", "arbete"), ("kompetens", "kompetensen"), ("hållbar", "hållbara"), ("nätverket", "nätverk"),
    ("biblioteken", "bibliotek"), ("utbildningar", "utbildning"), ("regionen", "region"), ("vuxna", "vuxen"),
])
def test_inflections_meet_in_one_term(a, b):
    assert sv_stem(a) == sv_stem(b)


def test_lowercase_nfc_and_swedish_letters_kept():
    decomposed = "Va\u0308stmanland"  # ä as a + combining diaeresis
    assert mains(decomposed) == mains("västmanland")
    assert "å" in sv_stem("årsredovisning") or sv_stem("årsredovisning").startswith("års")


def test_stop_words_removed_and_positions_renumbered():
    toks = terms_at("utbildning för vuxna i regionen")
    assert [t for t, _ in toks] == [sv_stem("utbildning"), sv_stem("vuxna"), sv_stem("regionen")]
    assert [p for _, p in toks] == [0, 1, 2]


@pytest.mark.parametrize("word,parts", [
    ("kompetensförsörjning", ("kompetens", "försörjning")),
    ("arbetsmarknad", ("arbete", "marknad")),
    ("folkbiblioteken", ("folk", "biblioteken")),
    ("vuxenutbildning", ("vuxen", "utbildning")),
    ("skolchefsnätverket", ("skolchef", "nätverket")),
    ("kollektivtrafik", ("kollektiv", "trafik")),
])
def test_decompounding_real_words(word, parts):
    assert split_compound(word) == parts


@pytest.mark.parametrize("word", ["förslag", "underlag", "regionen", "organisationer", "västmanland"])
def test_no_short_or_false_parts(word):
    parts = compound_parts(word)
    assert "lag" not in parts
    assert all(len(p) >= 4 for p in parts)
    if word in ("förslag", "underlag", "regionen"):
        assert parts == []


def test_decompound_parts_share_the_position():
    toks = terms_at("digitala folkbiblioteken i länet", SwedishDecompoundAnalyzer(), mode="index")
    pos = {t: p for t, p in toks}
    assert pos[sv_stem("bibliotek")] == pos[sv_stem("folkbiblioteken")] == 1
    assert pos[sv_stem("länet")] == 2
    # at query time the parts field does not split the typed word
    assert sv_stem("bibliotek") not in [t for t, _ in terms_at("folkbiblioteken", SwedishDecompoundAnalyzer())]


def test_hyphen_coordination():
    got = mains("hälso- och sjukvård")
    assert got == [sv_stem("hälsovård"), sv_stem("sjukvård")]
    assert mains("för- och grundskola") == [sv_stem("förskola"), sv_stem("grundskola")]


def test_eu_fragor_stays_and_splits():
    toks = analyse("EU-frågor")
    assert toks[0][0] == "eu-frågor" and not toks[0][2]
    assert {t for t, _p, sub in toks if sub} == {"eu", sv_stem("frågor")}
    assert {p for _t, p, _s in toks} == {0}


@pytest.mark.parametrize("text,token", [
    ("1:1-medel", "1:1-medel"), ("Erasmus+", "erasmus+"), ("Digi 60+", "60+"), ("ISO 14001", "14001"),
    ("#17 Öka andelen elever", "#17"), ("Agenda 2030", "2030"),
])
def test_special_tokens_survive(text, token):
    assert token in [t for t, _p, _s in analyse(text)]


def test_abbreviations_are_stop_words():
    assert mains("t.ex. bibliotek bl.a. skolor") == [sv_stem("bibliotek"), sv_stem("skolor")]


def test_analysers_pickle_small():
    # Whoosh stores the schema with its analysers in the index: no word lists inside
    assert len(pickle.dumps(make_schema())) < 8000
    assert len(pickle.dumps(SwedishDecompoundAnalyzer())) < 2000
    a = pickle.loads(pickle.dumps(SwedishAnalyzer()))
    assert [t.text for t in a("Kompetensen")] == [sv_stem("kompetens")]
