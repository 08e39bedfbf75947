"""Goal frameworks have a scope: explicit references count only in documents within it. Real files through
the real pipeline: no corpus-real document gets an explicit RUS Västmanland link, and the sample corpus keeps
its explicit links."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from ingest.config import GOALS_DIR, REAL_CORPUS_DIR, DataDir
from ingest.enrich.explicit_goals import ExplicitMatcher
from ingest.enrich.goal_scope import ScopeMatcher
from ingest.enrich.goals import load_frameworks
from ingest.model import Passage

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def frameworks():
    return load_frameworks(GOALS_DIR)


@pytest.fixture(scope="module")
def real_data(tmp_path_factory) -> Path:
    """Every file of ../shared/corpus-real ingested through the real pipeline."""
    if not REAL_CORPUS_DIR.exists():
        pytest.skip("../shared/corpus-real is not beside the repo")
    from ingest.pipeline import Ingester

    root = tmp_path_factory.mktemp("real-data")
    ingester = Ingester(DataDir(root))
    report = ingester.ingest_paths([REAL_CORPUS_DIR])
    assert report.ingested, report.failed
    ingester.catalogue.close()
    return root


def _links(data: Path) -> list[sqlite3.Row]:
    db = sqlite3.connect(DataDir(data).catalogue)
    db.row_factory = sqlite3.Row
    rows = db.execute(
        """SELECT l.goal_id, l.kind, l.score, l.evidence, d.file_name, p.text, p.heading_path
           FROM goal_links l JOIN passages p ON p.id = l.passage_id JOIN documents d ON d.id = l.document_id"""
    ).fetchall()
    db.close()
    return rows


def test_scope_names_in_title_organisation_or_repeatedly_in_text(frameworks):
    scopes = ScopeMatcher(frameworks)
    assert scopes.in_document() == {"agenda-2030"}, "Agenda 2030 is global"
    assert "rus-vastmanland" in scopes.in_document(organisation="Region Västmanland")
    assert "rus-vastmanland" in scopes.in_document(title="Lärcentrum Sala – rapport 2023")
    assert "natverk-westum" in scopes.in_document(texts=["Westum-nätverket samlar", "Nätverk Westums plan"])
    # One passing mention (a surname, a reference list) is not enough in a whole document ...
    assert "rus-vastmanland" not in scopes.in_document(texts=["Tack till Anton Norberg och Lisa Berg."])
    # ... and "RUS" alone is also the national emissions database.
    assert "rus-vastmanland" not in scopes.in_document(texts=["Statistik från RUS.", "Källa: RUS"])
    # Quoting a goal's wording names its framework; a short label shared with other plans does not.
    assert "rus-vastmanland" in scopes.in_text("#17 Öka andelen elever som fullföljer sina studier")
    assert "natverk-westum" not in scopes.in_text("Vi arbetar med strategisk kompetensförsörjning.")
    # An editor's placement replaces what the text says; global frameworks stay.
    assert scopes.in_document(title="Västmanlands plan", override=set()) == {"agenda-2030"}
    assert scopes.in_document(override={"natverk-westum"}) == {"agenda-2030", "natverk-westum"}


def test_knowledge_analyse_decides_scope_per_document(frameworks):
    from ingest.enrich.knowledge import Knowledge

    knowledge = Knowledge.load()
    passages = [
        Passage(id="p1", ord=0, section_ord=0, heading_path=["Behandling"],
                text="Se kapitel 3 (#1) och tabell 2 (#2) för dosering vid nedsatt njurfunktion.", page_start=1, page_end=1),
    ]
    outside = knowledge.analyse(passages, "Terapirekommendationer", organisation="Region Halland")[2]
    assert not [l for l in outside if l["goal_id"].startswith("rus-vastmanland:") and l["kind"] == "explicit"]
    placed = knowledge.analyse(passages, "Terapirekommendationer", organisation="Region Halland",
                               scope_override={"rus-vastmanland"})[2]
    assert {"rus-vastmanland:delmal-1", "rus-vastmanland:delmal-2"} <= {
        l["goal_id"] for l in placed if l["kind"] == "explicit"}
    named = knowledge.analyse(passages, "Terapirekommendationer", organisation="Region Västmanland")[2]
    assert "rus-vastmanland:delmal-1" in {l["goal_id"] for l in named if l["kind"] == "explicit"}
    for link in named:
        assert {"evidence_sentences", "resembles", "in_scope", "shown"} <= set(link)


@pytest.mark.slow
def test_no_corpus_real_document_gets_an_explicit_rus_link(real_data: Path):
    rows = _links(real_data)
    assert rows, "the real corpus produced no goal links at all"
    rus = [(r["file_name"], r["evidence"]) for r in rows if r["goal_id"].startswith("rus-vastmanland:") and r["kind"] == "explicit"]
    assert rus == []
    westum = [(r["file_name"], r["evidence"]) for r in rows if r["goal_id"].startswith("natverk-westum:") and r["kind"] == "explicit"]
    assert westum == []
    # Agenda 2030 is global, but only for references that say which goals they mean.
    for r in rows:
        if r["goal_id"].startswith("agenda-2030:mal-") and r["kind"] == "explicit":
            assert any(w in r["evidence"].lower() for w in ("globala", "agenda", "sdg", "hållbarhetsmål", "mål ")), r["evidence"]


@pytest.mark.slow
def test_no_corpus_real_document_gets_a_shown_rus_or_westum_link(real_data: Path):
    from ingest.enrich.linking import SHOW_LINK_SCORE

    shown = [(r["file_name"], r["goal_id"], r["score"]) for r in _links(real_data)
             if r["goal_id"].split(":")[0] in ("rus-vastmanland", "natverk-westum") and r["score"] >= SHOW_LINK_SCORE]
    assert shown == [], "outside their scope these frameworks give weaker suggestions at most"


@pytest.mark.slow
def test_court_rulings_and_annual_accounts_abstain(real_data: Path):
    from ingest.enrich.linking import SHOW_LINK_SCORE

    rows = _links(real_data)
    shown = lambda name: {r["text"] for r in rows if r["file_name"] == name and r["score"] >= SHOW_LINK_SCORE}  # noqa: E731
    assert shown("arbetsdomstolen_ad-2013-nr-63_layout-table.docx") == set()
    assert shown("brf-kastanjen-4_arsredovisning_2024.pdf") == set()
    # The Supreme Court case narrates visits to a health centre: a few of its passages may suggest the
    # global health goal, never more than a tenth of them.
    nja = "hogsta-domstolen_nja-2014-s499_T3592-13_layout-table.docx"
    db = sqlite3.connect(DataDir(real_data).catalogue)
    passages = db.execute("SELECT COUNT(*) FROM passages p JOIN documents d ON d.id = p.document_id "
                          "WHERE d.file_name = ?", (nja,)).fetchone()[0]
    db.close()
    assert passages > 20 and len(shown(nja)) <= passages // 10


def test_sample_corpus_keeps_its_explicit_links(corpus_data: Path, frameworks):
    """Every reference the matcher finds in the sample corpus is an explicit link when the document is within
    the framework's scope — and every RUS and Agenda 2030 reference is (all those documents name Västmanland)."""
    matcher = ExplicitMatcher(frameworks)
    scopes = ScopeMatcher(frameworks)
    rows = _links(corpus_data)
    stored = {(r["file_name"], r["text"], r["goal_id"]) for r in rows if r["kind"] == "explicit"}
    db = sqlite3.connect(DataDir(corpus_data).catalogue)
    db.row_factory = sqlite3.Row
    docs = db.execute("SELECT id, file_name, title, organisation FROM documents").fetchall()
    expected, outside = set(), set()
    for doc in docs:
        if not (REPO / "corpus" / "documents" / doc["file_name"]).exists():
            continue  # the extra test files of the fixture
        passages = db.execute("SELECT text, heading_path FROM passages WHERE document_id = ?", (doc["id"],)).fetchall()
        texts = [t for p in passages for t in (p["text"], *json.loads(p["heading_path"])[-1:])]
        scope = scopes.in_document(doc["title"], doc["organisation"] or "", texts)
        for p in passages:
            headings = [h for h in json.loads(p["heading_path"]) if h][-2:]
            refs = matcher.find(p["text"]) + [r for h in headings for r in matcher.find(h, in_heading=True)]
            for ref in refs:
                goal = frameworks.linkable(ref.goal)
                key = (doc["file_name"], p["text"], goal.global_id)
                (expected if goal.framework in scope else outside).add(key)
    db.close()
    assert expected and expected <= stored, sorted(expected - stored)[:5]
    assert not [k for k in outside if k[2].split(":")[0] in ("rus-vastmanland", "agenda-2030")]
    assert not outside & stored
