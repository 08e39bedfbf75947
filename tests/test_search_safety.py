"""Nobody can stall the server through search's text analysis, and search fails loudly, never quietly.

The CPU bounds here are not speed measurements (bench/ does those): they are generous ceilings, for a loaded
2-core machine, on inputs that took 12 s (one 100k-letter word to POST /api/link) and 186 s (a 300 kB
one-word file) before analysis was bounded.
"""
from __future__ import annotations

import logging
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from search import SearchIndex
from search._analysis import MAX_TOKEN_CHARS, SwedishDecompoundAnalyzer, analyse, compound_parts, split_compound
from search.text import analyse_terms

REPO = Path(__file__).resolve().parents[1]
CPU_CEILING = 2.0  # seconds; the unbounded code took 12 s for the first of these
HEADS = ["skol", "arbets", "kompetens", "utbildnings", "marknads", "folk", "biblioteks", "region", "nätverks"]


def cpu_seconds(fn) -> float:
    started = time.process_time()
    fn()
    return time.process_time() - started


def compound_chains(chars: int, seed: int = 3) -> str:
    """Words glued from real compound heads: the most work for a compound splitter per character."""
    rng = random.Random(seed)
    words = []
    while sum(len(w) + 1 for w in words) < chars:
        words.append("".join(rng.choice(HEADS) for _ in range(rng.randint(2, 9))))
    return " ".join(words)[:chars]


@pytest.mark.parametrize("word", ["a" * 100_000, "skol" * 25_000, "kompetensförsörjning" * 5_000, "ö-" * 50_000])
def test_a_100k_character_word_is_analysed_in_a_fraction_of_a_second(word):
    analyse("uppvärmning")  # the word list is loaded once per process: not part of what is measured
    assert cpu_seconds(lambda: analyse(word, SwedishDecompoundAnalyzer(), mode="index")) < CPU_CEILING
    assert cpu_seconds(lambda: compound_parts(word)) < CPU_CEILING
    assert cpu_seconds(lambda: analyse_terms(word)) < CPU_CEILING


def test_100k_characters_of_compound_chains_stay_under_the_ceiling():
    text = compound_chains(100_000)
    analyse("uppvärmning")
    assert cpu_seconds(lambda: list(SwedishDecompoundAnalyzer()(text, mode="index"))) < CPU_CEILING
    assert cpu_seconds(lambda: analyse_terms(text)) < CPU_CEILING


def test_over_long_tokens_are_opaque_but_still_found(tmp_path):
    from search import IndexDoc

    word = "x" * 30 + "kompetensförsörjning" * 10
    (term, _pos, _sub), = analyse(word)
    assert term == word[:MAX_TOKEN_CHARS]  # cut, not stemmed, no alternatives
    assert split_compound("kompetensförsörjning" * 3) == ()  # longer than any real compound: not split
    assert split_compound("kompetensförsörjning") == ("kompetens", "försörjning")
    ix = SearchIndex(tmp_path / "i")
    ix.rebuild([IndexDoc(passage_id="p", document_id="d", title="T", heading="", heading_path=[],
                         text=f"Början {word} slut.")])
    assert [h.passage_id for h in ix.search(word).hits] == ["p"]
    ix.close()


@pytest.fixture(scope="module")
def app_client(corpus_data):
    from ingest.config import DataDir
    from webapp.app import create_app
    from webapp.budgets import LINK_CHARS, QUERY_CHARS

    with TestClient(create_app(DataDir(corpus_data))) as client:
        LINK_CHARS.clear(), QUERY_CHARS.clear()
        yield client
        LINK_CHARS.clear(), QUERY_CHARS.clear()


def test_post_api_link_with_a_100k_character_word_costs_a_fraction_of_a_second(app_client):
    from webapp.budgets import LINK_CHARS

    assert app_client.post("/api/link", json={"text": "kollektivtrafik och pendling"}).status_code == 200  # warm
    for text in ("a" * 100_000, compound_chains(100_000)):
        LINK_CHARS.clear()
        response = None

        def call():
            nonlocal response
            response = app_client.post("/api/link", json={"text": text})

        assert cpu_seconds(call) < CPU_CEILING
        assert response.status_code == 200 and "links" in response.json()
    LINK_CHARS.clear()


def test_anonymous_text_has_a_budget_per_minute(app_client, monkeypatch):
    from webapp import budgets

    budgets.LINK_CHARS.clear()
    statuses = [app_client.post("/api/link", json={"text": "b" * 90_000}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # 200k characters a minute per address
    assert app_client.post("/api/link", json={"text": "buss"}).status_code == 200  # what is left may be spent
    refused = app_client.post("/api/link", json={"text": "b" * 20_000})
    assert refused.status_code == 429 and "För mycket text" in refused.json()["detail"]
    assert refused.headers["retry-after"] == "60"
    budgets.LINK_CHARS.clear()
    monkeypatch.setattr(budgets.QUERY_CHARS, "per_minute", 1_000)
    budgets.QUERY_CHARS.clear()
    long_query = "bibliotek " * 100  # 1,000 characters, of which the engine reads 400
    assert [app_client.get("/api/search", params={"q": long_query}).status_code for _ in range(3)] == [200, 200, 429]
    assert app_client.get("/sok", params={"q": long_query}).status_code == 429  # the HTML page shares it
    budgets.QUERY_CHARS.clear()


def _cpu_with_children() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def test_a_300_kb_one_word_file_ingests_quickly(tmp_path):
    from ingest.config import DataDir
    from ingest.pipeline import IngestReport, Ingester

    small, big = tmp_path / "liten.txt", tmp_path / "ett-ord.txt"
    small.write_text("Kollektivtrafik och pendling i Västmanland.\n", encoding="utf-8")
    big.write_text("ä" + "kompetensförsörjning" * 15_000 + "\n", encoding="utf-8")
    ingester = Ingester(DataDir(tmp_path / "data"))
    ingester.ingest_file(small, IngestReport())  # models and word lists load once: not measured
    started = _cpu_with_children()
    report = IngestReport()
    ingester.ingest_file(big, report)
    assert _cpu_with_children() - started < 20  # was 186 s; spaCy's tokenizer alone takes ~2 s of it
    assert report.ingested and not report.failed
    ingester.catalogue.close()


def test_search_refuses_to_start_without_the_swedish_dictionary(tmp_path):
    env = {**os.environ, "KUNSKAPSBANK_HUNSPELL_DIC": str(tmp_path / "saknas" / "sv_SE.dic"),
           "KUNSKAPSBANK_DATA": str(tmp_path / "data")}
    script = ("import sys\nfrom search import SearchIndex, SearchUnavailable\n"
              f"try:\n    SearchIndex({str(tmp_path / 'i')!r})\nexcept SearchUnavailable as e:\n"
              "    print(e)\n    sys.exit(3)\n")
    direct = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=REPO)
    assert direct.returncode == 3, direct.stderr
    assert "Den svenska ordlistan (hunspell sv_SE.dic) saknas" in direct.stdout
    assert "KUNSKAPSBANK_HUNSPELL_DIC" in direct.stdout
    cli = subprocess.run([sys.executable, "-m", "ingest.cli", "search", "bibliotek"], capture_output=True, text=True,
                         env=env, cwd=REPO, timeout=120)
    assert cli.returncode == 1
    assert "ordlistan" in cli.stderr and "Traceback" not in cli.stderr
    # goal linking uses the same analysis: it refuses too, instead of linking without lemmas
    link = subprocess.run([sys.executable, "-c", "from search.text import analyse_terms; analyse_terms('skolorna')"],
                          capture_output=True, text=True, env=env, cwd=REPO)
    assert link.returncode != 0 and "MissingDictionary" in link.stderr


def test_suggestion_failures_are_logged(tmp_path, monkeypatch, caplog):
    from search import IndexDoc
    import search._whoosh_backend as backend

    ix = SearchIndex(tmp_path / "i")
    ix.rebuild([IndexDoc(passage_id="p", document_id="d", title="T", heading="", heading_path=[], text="bibliotek")])

    def broken(*args):
        raise OSError("no lexicon")

    monkeypatch.setattr(backend, "_suggest", broken)
    with caplog.at_level(logging.ERROR, logger="search"):
        assert ix.suggest("biblotek") is None
    assert "suggestion failed for 'biblotek'" in caplog.text and "OSError: no lexicon" in caplog.text
    ix.close()


def test_an_unreadable_new_generation_is_logged_and_the_old_one_kept(tmp_path, caplog):
    from search import IndexDoc

    ix = SearchIndex(tmp_path / "i")
    ix.rebuild([IndexDoc(passage_id="p", document_id="d", title="T", heading="", heading_path=[], text="bibliotek")])
    assert ix.search("bibliotek").total == 1
    (tmp_path / "i" / "g-broken").mkdir()
    (tmp_path / "i" / "CURRENT").write_text("g-broken")  # another process swapped in something unreadable
    ix.backend._store.cache.clear()
    with caplog.at_level(logging.WARNING, logger="search"):
        assert ix.search("bibliotek").total == 1
    assert "index generation g-broken named in CURRENT cannot be opened yet" in caplog.text
    ix.close()
