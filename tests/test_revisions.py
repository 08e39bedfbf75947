"""Revisions, the change feed, migrations and identity: a real SQLite catalogue, real pipeline, real index."""
from __future__ import annotations

import multiprocessing
import shutil
import sqlite3
from pathlib import Path

import pytest

from ingest.config import DataDir
from ingest.pipeline import IngestReport, Ingester
from ingest.store.catalogue import Catalogue
from ingest.store.indexing import find_drift
from ingest.store.migrate import available, current_version
from tests.conftest import run_cli

REPO = Path(__file__).resolve().parents[1]
GOALS = REPO / "corpus" / "goals"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def ingest_one(data: DataDir, path: Path, **kwargs) -> str:
    report = IngestReport()
    doc_id = Ingester(data).ingest_file(path, report, **kwargs)
    assert doc_id, report.failed
    return doc_id


# -- migrations ----------------------------------------------------------------------------------
def test_a_fresh_catalogue_has_every_migration_once(tmp_path):
    catalogue = Catalogue(tmp_path / "c.sqlite3")
    assert current_version(catalogue.db) == len(available())
    rows = catalogue.db.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
    assert [r[0] for r in rows] == list(range(1, len(available()) + 1))


def test_a_catalogue_from_before_migrations_is_brought_up_to_date(tmp_path):
    """The first migration's schema, with a document in it, as the previous release left catalogues."""
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript((REPO / "ingest/store/migrations/0001_initial.sql").read_text())
    db.execute("""INSERT INTO documents (id, source_path, file_name, sha256, title, ingested_at, indexed_sha256)
                  VALUES ('d1', '/x/plan.md', 'plan.md', 'abc', 'Plan', '2026-01-01T00:00:00+00:00', 'abc')""")
    db.commit()
    db.close()
    catalogue = Catalogue(path)
    doc = catalogue.document("d1")
    assert doc.title == "Plan" and doc.revision > 0
    assert [v.sha256 for v in catalogue.versions("d1")] == ["abc"]
    assert "indexed_sha256" not in {r[1] for r in catalogue.db.execute("PRAGMA table_info(documents)")}


def _open(path: str) -> int:
    return current_version(Catalogue(Path(path)).db)


def test_processes_opening_a_fresh_catalogue_at_once_migrate_it_once(tmp_path):
    path = tmp_path / "race.sqlite3"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        versions = pool.map(_open, [str(path)] * 8)
    assert set(versions) == {len(available())}
    db = sqlite3.connect(path)
    assert db.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] == len(available())


# -- revisions and the change feed ---------------------------------------------------------------
def test_every_write_to_a_document_bumps_its_revision(tmp_path):
    data = DataDir(tmp_path / "data")
    source = write(tmp_path / "in" / "plan.md", "# Plan\n\nVi satsar på vuxenutbildning i Sala.\n")
    doc_id = ingest_one(data, source)
    catalogue = Catalogue(data.catalogue)
    revisions = [catalogue.document(doc_id).revision]
    passage = catalogue.passages(doc_id)[0]

    catalogue.review_link(passage.id, "rus-vastmanland:delmal-17", "confirmed", "anna")
    revisions.append(catalogue.document(doc_id).revision)
    catalogue.set_visibility(doc_id, "internal")
    revisions.append(catalogue.document(doc_id).revision)
    catalogue.set_override(doc_id, "title", "Plan för vuxenutbildning", "anna")
    revisions.append(catalogue.document(doc_id).revision)
    write(source, "# Plan\n\nVi satsar på vuxenutbildning i Sala och Köping.\n")
    ingest_one(data, source)
    revisions.append(catalogue.document(doc_id).revision)

    assert revisions == sorted(set(revisions)), revisions  # strictly increasing
    kinds = [c.kind for c in catalogue.changes_since(0) if c.document_id == doc_id]
    assert kinds == ["content", "review", "visibility", "metadata", "content"]


def test_the_editors_correction_survives_re_ingest_and_the_version_history_is_kept(tmp_path):
    data = DataDir(tmp_path / "data")
    source = write(tmp_path / "in" / "rapport.md", "# Innehållsförteckning\n\nProjektet Digi 60+ i Västerås.\n")
    doc_id = ingest_one(data, source)
    catalogue = Catalogue(data.catalogue)
    catalogue.set_override(doc_id, "title", "Slutrapport Digi 60+", "anna")
    catalogue.set_override(doc_id, "year", 2021, "anna")
    write(source, "# Innehållsförteckning\n\nProjektet Digi 60+ i Västerås, andra upplagan.\n")
    ingest_one(data, source)
    doc = catalogue.document(doc_id)
    assert (doc.title, doc.year) == ("Slutrapport Digi 60+", 2021)
    assert len(catalogue.versions(doc_id)) == 2
    assert all((data.root / v.original_path).is_file() for v in catalogue.versions(doc_id))


# -- visibility is the document's ----------------------------------------------------------------
def test_a_changed_internal_document_stays_internal_when_a_folder_is_ingested_again(tmp_path):
    data = DataDir(tmp_path / "data")
    folder = tmp_path / "mapp"
    budget = write(folder / "budget.md", "# Budget\n\nInterna siffror för hemligtord2026.\n")
    assert run_cli("ingest", str(budget), "--visibility", "internal", data=data.root).returncode == 0
    write(budget, "# Budget\n\nNya interna siffror för hemligtord2026.\n")
    assert run_cli("ingest", str(folder), data=data.root).returncode == 0  # no --visibility
    catalogue = Catalogue(data.catalogue)
    (doc,) = catalogue.documents()
    assert doc.visibility == "internal"
    found = run_cli("search", "hemligtord2026", "--public-only", "--json", data=data.root)
    assert '"total": 0' in found.stdout


def test_publishing_an_internal_document_takes_an_explicit_choice_and_is_audited(tmp_path):
    from webapp.accounts import Accounts

    data = DataDir(tmp_path / "data")
    budget = write(tmp_path / "budget.md", "# Budget\n\nSiffror.\n")
    run_cli("ingest", str(budget), "--visibility", "internal", data=data.root)
    run_cli("ingest", str(budget), data=data.root)  # same file, nothing said: stays internal
    assert Catalogue(data.catalogue).documents()[0].visibility == "internal"
    run_cli("ingest", str(budget), "--visibility", "public", data=data.root)
    assert Catalogue(data.catalogue).documents()[0].visibility == "public"
    actions = [e["action"] for e in Accounts(data.catalogue).audit_entries()]
    assert "document.publish" in actions


# -- identity ------------------------------------------------------------------------------------
def _reserve(args) -> str:
    path, source = args
    return Catalogue(Path(path)).reserve_document_id(["dsame", f"d-{source}"], source)


def test_processes_reserving_ids_at_once_never_share_one(tmp_path):
    path = tmp_path / "ids.sqlite3"
    Catalogue(path)
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        ids = pool.map(_reserve, [(str(path), f"upload:{n}") for n in range(12)])
    assert len(set(ids)) == 12 and ids.count("dsame") == 1


# -- knowledge changes -------------------------------------------------------------------------------
NEW_FRAMEWORK = """
framework: testregion
name: Testregionens strategi
owner: Testregionen
source: "Skriven för ett test"
goals:
  - id: vision
    level: vision
    label: Ett blomstrande biodlarlän
    wording_known: true
    phrases: [blomstrande biodlarlän, biodling, honung]
    keywords: [biodling, honung, bin, pollinering]
    children:
      - id: malomrade-1
        level: malomrade
        number: 1
        label: Biodling i hela länet
        description: Biodling, honung och pollinerande insekter i hela länet.
        phrases: [biodling i hela länet, honung, pollinerande insekter]
        keywords: [biodling, honung, bin]
        wording_known: true
"""


@pytest.mark.slow
def test_a_new_framework_links_existing_documents_after_reanalyse_and_check_reports_it_until_then(tmp_path):
    goals = tmp_path / "goals"
    shutil.copytree(GOALS, goals)
    env = {"KUNSKAPSBANK_GOALS": str(goals)}
    data = tmp_path / "data"
    bees = write(tmp_path / "in" / "bin.md", "# Bin i Sala\n\nProjektet Ett blomstrande biodlarlän stöder "
                                             "biodling och honung i Sala.\n")
    assert run_cli("ingest", str(bees), data=data, env=env).returncode == 0
    assert run_cli("check", data=data, env=env).returncode == 0

    write(goals / "testregion.yaml", NEW_FRAMEWORK)
    check = run_cli("check", "--json", data=data, env=env)
    assert check.returncode == 1 and '"needs_reanalysis": [' in check.stdout and "bin" not in check.stderr
    done = run_cli("reanalyse", "--json", data=data, env=env)
    assert done.returncode == 0, done.stderr
    catalogue = Catalogue(data / "catalogue.sqlite3")
    (doc,) = catalogue.documents()
    links = [l["goal_id"] for ls in catalogue.links_for_passages([p.id for p in catalogue.passages(doc.id)]).values()
             for l in ls]
    assert "testregion:malomrade-1" in links
    assert run_cli("check", data=data, env=env).returncode == 0


# -- check finds what the index lacks ------------------------------------------------------------
def test_a_review_whose_index_write_was_lost_is_found_and_fixed_by_check(tmp_path):
    data = DataDir(tmp_path / "data")
    doc_id = ingest_one(data, write(tmp_path / "plan.md", "# Plan\n\nElever ska ta gymnasieexamen.\n"))
    catalogue = Catalogue(data.catalogue)
    passage = catalogue.passages(doc_id)[0]
    catalogue.review_link(passage.id, "rus-vastmanland:delmal-17", "confirmed", "anna")  # index not told
    found = run_cli("check", "--json", data=data.root)
    assert found.returncode == 1 and doc_id in found.stdout
    assert run_cli("check", "--fix", data=data.root).returncode == 0
    assert run_cli("check", data=data.root).returncode == 0
    from search import SearchIndex

    assert find_drift(catalogue, SearchIndex(data.index)).clean


def test_two_processes_ingesting_at_once_keep_documents_apart(tmp_path):
    """Two CLI ingests at the same moment, of folders holding files with the same names."""
    import subprocess
    import sys

    data = tmp_path / "data"
    folders = []
    for side in ("a", "b"):
        folder = tmp_path / side
        for n in range(6):
            write(folder / f"protokoll-{n}.md", f"# Protokoll {n}\n\nSida {side}, ärende {n}: ordet{side}{n}.\n")
        folders.append(folder)
    env = {**__import__("os").environ, "KUNSKAPSBANK_DATA": str(data)}
    procs = [subprocess.Popen([sys.executable, "-m", "ingest.cli", "ingest", str(f), "--json"], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in folders]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    catalogue = Catalogue(data / "catalogue.sqlite3")
    docs = catalogue.documents()
    assert len(docs) == 12 and len({d.id for d in docs}) == 12
    assert {d.source_path for d in docs} == {str((f / f"protokoll-{n}.md").resolve()) for f in folders for n in range(6)}
    for doc in docs:  # every document whole: its own text, not the other side's
        side = Path(doc.source_path).parent.name
        assert all(f"ordet{side}" in p.text for p in catalogue.passages(doc.id))
    assert run_cli("check", data=data).returncode == 0


def test_goal_counts_roll_up_distinct_passages_and_documents(corpus_data: Path):
    from ingest.enrich import shared

    frameworks = shared.frameworks()
    ancestors = {g.global_id: [a.global_id for a in frameworks.ancestors(g)] for g in frameworks.iter_goals()}
    catalogue = Catalogue(corpus_data / "catalogue.sqlite3")
    counts = catalogue.goal_counts(("public",), 0.4, ancestors)
    direct = catalogue.goal_link_counts(("public",), 0.4)
    area = "rus-vastmanland:malomrade-3"
    below = [g.global_id for g in frameworks.descendants(frameworks.get(area))]
    assert counts[area]["passages"] >= max(direct.get(g, {}).get("passages", 0) for g in [area, *below])
    # distinct: never more than the sum of its parts, and a passage linked at two levels counts once
    assert counts[area]["passages"] <= sum(direct.get(g, {}).get("passages", 0) for g in [area, *below])
    rows = catalogue.passages_for_goals([area, *below], ("public",), min_score=0.4, limit=100_000)
    assert counts[area]["passages"] == len({r["passage_id"] for r in rows})
    assert counts[area]["documents"] == len({r["document_id"] for r in rows})


def test_better_readers_make_the_next_ingest_read_unchanged_files_again(tmp_path, monkeypatch):
    from ingest.enrich import shared

    data = DataDir(tmp_path / "data")
    source = write(tmp_path / "in" / "plan.md", "# Plan\n\nVi satsar på vuxenutbildning i Sala.\n")
    doc_id = ingest_one(data, source)
    catalogue = Catalogue(data.catalogue)
    before = catalogue.document(doc_id)
    passage_ids = [p.id for p in catalogue.passages(doc_id)]
    assert before.conversion_fingerprint == shared.conversion_fingerprint()
    report = IngestReport()
    Ingester(data).ingest_file(source, report)
    assert report.unchanged and catalogue.document(doc_id).revision == before.revision  # same readers: nothing

    monkeypatch.setattr(shared, "conversion_fingerprint", lambda: "a-newer-reader")
    report = IngestReport()
    Ingester(data).ingest_file(source, report)
    after = catalogue.document(doc_id)
    assert report.ingested and after.conversion_fingerprint == "a-newer-reader" and after.revision > before.revision
    assert [p.id for p in catalogue.passages(doc_id)] == passage_ids  # read again, same text, same ids
