"""What makes ingest and indexing fast must change nothing they produce: the memoised analysis gives the
index the same terms and positions as the analyser chain, the batch pipeline with an analysis process
gives the same documents, passages, entities and links as one worker, and a searcher refreshed after
a commit sees exactly the committed index while keeping the readers of untouched segments.
(Speed itself is measured by bench/, never by a test.)"""
from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from whoosh.fields import TEXT

from ingest.config import SEEDS_DIR, DataDir
from ingest.pipeline import Ingester
from search import IndexDoc, SearchIndex
from search._analysis import (STOP_WORDS, HeadingPartsAnalyzer, SwedishAnalyzer, SwedishDecompoundAnalyzer,
                              compound_parts, raw_tokens, sv_stem)
from search._memo import MemoAnalyzer, memo_text, memoised
from search.text import analyse_terms

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus" / "documents"

TRICKY = [
    "hälso- och sjukvård samt för- och grundskola", "", "och i det att", "t.ex. EU-frågor, erasmus+ #17 1:a",
    "Region Västmanlands kompetensförsörjning och vuxenutbildningen 2021–2024 (RUS).",
    "Arbets- och näringslivsfrågor, bl.a. s.k. kompetenscentrum; e-post: info@example.se",
]


def seed_texts() -> list[str]:
    """Swedish texts to analyse: the seed texts beside the checkout when they are there, and always the
    repository's own (project reports under tests/files, goal descriptions in corpus/goals), so a clean
    clone without ../shared checks the same rules."""
    import yaml

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from strings(v)
        elif isinstance(value, list):
            for v in value:
                yield from strings(v)

    paths = sorted(SEEDS_DIR.glob("*.txt")) + sorted((REPO / "tests" / "files" / "project_texts").glob("*.md"))
    texts = [p.strip() for path in paths for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if p.strip()]
    texts += [s for path in sorted((REPO / "corpus" / "goals").glob("*.yaml"))
              for s in strings(yaml.safe_load(path.read_text(encoding="utf-8"))) if len(s) >= 40]
    assert len(texts) > 100, "the texts to analyse are missing"
    return texts + TRICKY


def tokens(analyzer, text: str, **kwargs) -> list[tuple]:
    return [(t.text, t.pos, bool(getattr(t, "sub", False)), t.boost)
            for t in analyzer(text, positions=True, boosts=True, **kwargs)]


@pytest.mark.parametrize("make", [SwedishAnalyzer, SwedishDecompoundAnalyzer])
def test_memoised_analysis_gives_the_index_the_same_tokens(make):
    chain, memo = make(), memoised(make())
    assert isinstance(memo, MemoAnalyzer)
    texts = seed_texts()
    for round_ in range(2):  # the second time every form comes from the memo
        for text in texts + [t[:150] for t in texts]:  # short values are kept whole
            assert tokens(memo, text, mode="index") == tokens(chain, text, mode="index"), (round_, text[:80])


def test_memoised_analysis_leaves_queries_and_highlights_to_the_chain():
    chain, memo = SwedishDecompoundAnalyzer(), memoised(SwedishDecompoundAnalyzer())
    text = "Kompetensförsörjning i Västmanland"
    assert tokens(memo, text, mode="query") == tokens(chain, text, mode="query")
    with_chars = [(t.text, t.startchar, t.endchar) for t in memo(text, chars=True, positions=True, mode="index")]
    assert with_chars == [(t.text, t.startchar, t.endchar) for t in chain(text, chars=True, positions=True, mode="index")]
    assert len({(s, e) for _t, s, e in with_chars}) < len(with_chars), "compound parts at the word's own offsets"


# as in make_schema: hparts keeps no positions (the memo numbers them only for words that yield a term)
@pytest.mark.parametrize("make, phrase", [(SwedishAnalyzer, True), (SwedishAnalyzer, False),
                                          (SwedishDecompoundAnalyzer, True), (HeadingPartsAnalyzer, False)])
def test_postings_from_the_memo_are_the_postings_of_the_chain(make, phrase):
    """The index's TEXT fields take their postings (terms, frequencies, weights, encoded positions) straight
    from the memo: they must be what Whoosh's own formats make from the analyser chain."""
    fast, plain = memo_text(memoised(make()), phrase=phrase), TEXT(analyzer=make(), phrase=phrase)
    assert type(fast.format) is not type(plain.format) and isinstance(fast.format, type(plain.format))
    texts = seed_texts()
    for round_ in range(2):  # the second time every form and short value comes from the memo
        for text in texts + [t[:150] for t in texts]:
            assert sorted(fast.index(text)) == sorted(plain.index(text)), (round_, text[:80])
    query = [(t.text, t.pos) for t in fast.tokenize("Kompetensförsörjning i Västmanland", positions=True, mode="query")]
    assert query == [(t.text, t.pos) for t in plain.tokenize("Kompetensförsörjning i Västmanland", positions=True,
                                                              mode="query")]


def test_memo_is_bounded_and_not_pickled():
    import pickle

    memo = memoised(SwedishAnalyzer())
    memo.MAX_FORMS = 50
    for text in seed_texts()[:40]:
        list(memo(text, positions=True, mode="index"))
        assert len(memo._forms) <= 50
    copy = pickle.loads(pickle.dumps(memo))
    assert copy == memo and copy._forms == {} and copy._short == {}


def reference_terms(text: str, decompound: bool = True) -> list[str]:
    """analyse_terms as it was before it was memoised."""
    terms: list[str] = []
    for token, _start, _end, alternatives in raw_tokens(text):
        if token in STOP_WORDS or len(token) < 2:
            continue
        terms.append(sv_stem(token))
        for alt in alternatives:
            if alt not in STOP_WORDS and len(alt) > 1 and not alt.isdigit():
                terms.append(sv_stem(alt))
        if decompound and token.isalpha():
            terms.extend("~" + sv_stem(part) for part in compound_parts(token))
    return terms


def test_memoised_terms_for_goal_linking_are_unchanged():
    texts = seed_texts()
    words = {w for t in texts[:30] for w in re.findall(r"\w[\w:+-]*", t.lower())}
    for decompound in (True, False):
        for text in texts + sorted(words):
            assert analyse_terms(text, decompound) == reference_terms(text, decompound), text[:80]


# ---------------------------------------------------------------------------------------- batch ingest


def catalogue_rows(root: Path) -> dict[str, list]:
    with sqlite3.connect(root / "catalogue.sqlite3") as db:
        return {
            "documents": db.execute("SELECT id, title, organisation, year, doc_type, visibility, pages "
                                    "FROM documents ORDER BY id").fetchall(),
            "passages": db.execute("SELECT id, document_id, ord, text FROM passages ORDER BY id").fetchall(),
            "mentions": db.execute("SELECT passage_id, entity_id, surface, start FROM mentions "
                                   "ORDER BY passage_id, entity_id, start, surface").fetchall(),
            "links": db.execute("SELECT passage_id, goal_id, score, kind FROM goal_links "
                                "ORDER BY passage_id, goal_id").fetchall(),
        }


def test_batch_with_an_analysis_process_writes_what_one_worker_writes(tmp_path: Path):
    results, searches = {}, {}
    for workers in (1, 2):
        data = DataDir(tmp_path / f"w{workers}")
        ingester = Ingester(data)
        ingester.workers = workers
        report = ingester.ingest_paths([CORPUS])
        assert report.ok and report.ingested, report.failed
        results[workers] = catalogue_rows(data.root)
        hits = ingester.index.search("kompetensförsörjning", limit=20)
        # ids, not scores: when commits fall (every 10 s or 32 documents) decides which deleted passages a
        # segment merge has dropped yet, and BM25's document count with it
        searches[workers] = [h.passage_id for h in hits.hits]
        ingester.catalogue.close()
    assert results[1]["passages"], "nothing ingested"
    assert results[1]["links"] and results[1]["mentions"]
    for table in results[1]:
        assert results[2][table] == results[1][table], table
    assert searches[2] == searches[1]


def test_a_failing_analysis_process_costs_no_document(tmp_path: Path, monkeypatch):
    from concurrent.futures import Future

    from ingest.enrich import worker

    def broken(self, *args):
        future = Future()
        future.set_exception(RuntimeError("analysprocessen dog"))
        return future

    monkeypatch.setattr(worker.AnalysisWorker, "submit", broken)
    data = DataDir(tmp_path / "kb")
    ingester = Ingester(data)
    ingester.workers = 2
    report = ingester.ingest_paths([CORPUS])
    assert report.ok and report.ingested, report.failed
    rows = catalogue_rows(data.root)
    assert rows["links"] and rows["mentions"], "analysed in the ingest process instead"
    assert not any("kunde inte tas fram" in w["warning"] for w in report.warnings)


# ---------------------------------------------------------------------------------------- refresh


def passage(pid: str, doc: str, text: str) -> IndexDoc:
    return IndexDoc(passage_id=pid, document_id=doc, title=f"Dokument {doc}", heading="Rubrik", heading_path=["Rubrik"],
                    text=text, page=1, ord=0, organisation="Testorg", doc_type="rapport", year=2024,
                    visibility="public", goal_ids=[], entity_ids=[], state=f"1:{doc}")


def test_refreshed_searcher_sees_deletions_and_keeps_untouched_segments(tmp_path: Path):
    index = SearchIndex(tmp_path / "index")
    index.replace_documents({"a": [passage("a1", "a", "Biblioteket i Sala ordnar läsecirklar.")]})
    index.replace_documents({"b": [passage("b1", "b", "Biblioteket i Köping har nya öppettider.")]})
    assert {h.passage_id for h in index.search("biblioteket").hits} == {"a1", "b1"}
    store = index.backend._store
    before = {r.segment().segment_id(): r for r, _ in store.get_searcher().reader().leaf_readers()}
    # another writer (as an ingest process would) replaces document a: its old segment gets a deletion
    other = SearchIndex(tmp_path / "index")
    other.replace_documents({"a": [passage("a2", "a", "Biblioteket i Sala flyttar till stationen.")]})
    with store.lock:
        searcher = store.get_searcher()
        after = {r.segment().segment_id(): r for r, _ in searcher.reader().leaf_readers()}
    hits = {h.passage_id for h in index.search("biblioteket").hits}
    assert hits == {"a2", "b1"}, "old passages of a replaced document must not be found"
    assert searcher.up_to_date()
    reused = [sid for sid in after if sid in before and after[sid] is before[sid]]
    assert reused, "the segment the commit did not touch keeps its reader"
    assert all(after[sid].segment().deleted_count() == before[sid].segment().deleted_count() for sid in reused)
    assert index.search("öppettider").total == 1
    other.close()
    index.close()


def test_entities_over_a_batch_are_the_entities_of_each_text():
    from ingest.enrich.entities import extract_entities, extract_entities_many

    texts = seed_texts()[:120] + ["Region Västmanland och Västerås stad driver projektet \"Vägar framåt\" 2021–2023."]
    assert extract_entities_many(texts) == [extract_entities(t) for t in texts]
    assert any(extract_entities_many(texts)), "the seed texts name organisations and places"


def test_analysis_process_uses_the_retrained_linker_and_peoples_verdicts(tmp_path: Path, caplog):
    """After `goals retrain`, a batch whose links come from the analysis process stores what the ingest
    process's own (retrained) linker finds: rejected links stay away, the fingerprint is the catalogue's."""
    from ingest import retrain
    from ingest.store.catalogue import Catalogue
    from tests.conftest import run_cli
    from tests.test_goal_retrain import BUS_GOAL, EXPORT_GOAL, TRAFFIC_PLAN, ingest_files, passage_with, stored_links

    data = ingest_files(tmp_path, {"trafikplan.md": TRAFFIC_PLAN})
    catalogue = Catalogue(data.catalogue)
    bus = passage_with(catalogue, "busslinjer")
    catalogue.review_link(bus.id, BUS_GOAL, "rejected", "redaktor")
    catalogue.review_link(bus.id, EXPORT_GOAL, "confirmed", "redaktor")
    assert retrain.retrain(data, "test").status == "done"

    folder = tmp_path / "filer"  # the plan changed (same file, new text) and a second plan beside it
    (folder / "trafikplan.md").write_text(TRAFFIC_PLAN + "\nTurerna utökas även på helger.\n", encoding="utf-8")
    (folder / "cykelplan.md").write_text(TRAFFIC_PLAN.replace("Trafikplan", "Cykelplan"), encoding="utf-8")
    ingester = Ingester(data)
    ingester.workers = 2
    with caplog.at_level("INFO", logger="ingest.batch"):
        report = ingester.ingest_paths([folder])
    assert report.ok and len(report.ingested) == 2, report
    assert not caplog.records, "the analysis process's links were used, not found again here"
    ingester.catalogue.close()
    assert passage_with(catalogue, "busslinjer").id == bus.id, "the passage keeps its id and its verdicts"
    rows = stored_links(data, bus.id)
    assert BUS_GOAL not in rows and EXPORT_GOAL in rows
    check = run_cli("check", "--json", data=data.root)
    assert json.loads(check.stdout)["clean"], "documents carry the retrained model's fingerprint"
    links = lambda: sqlite3.connect(data.catalogue).execute(  # noqa: E731
        "SELECT passage_id, goal_id, score, kind FROM goal_links ORDER BY passage_id, goal_id").fetchall()
    before = links()
    assert run_cli("reanalyse", "--all", data=data.root).returncode == 0  # in this process, one worker
    assert links() == before
