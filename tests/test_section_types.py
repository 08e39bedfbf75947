"""Section types: the rules over the Swedish analysis, and the type of every passage through the real
pipeline into the catalogue, the index (facet and filter), the web pages and `kunskapsbank search --section`."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ingest.enrich.section_types import classify, heading_type, parse_vocabulary, text_type
from tests.conftest import run_cli


# -- the rules -----------------------------------------------------------------------------------
@pytest.mark.parametrize("heading, expected", [
    ("Projektets resultat", "resultat"),
    ("Resultat och effekter", "resultat"),
    ("5.2 Uppnådda resultat", "resultat"),
    ("Utfall", "resultat"),
    ("Måluppfyllelse", "resultat"),
    ("Slutresultat", "resultat"),  # a compound meaning its last part
    ("Erfarenheter och lärdomar", "lardomar"),
    ("Vad har vi lärt oss?", "lardomar"),
    ("Reflektioner kring arbetet med kommunerna", "lardomar"),
    ("Framgångsfaktorer", "lardomar"),
    ("Utmaningar", "lardomar"),
    ("Syfte och mål", "syfte"),
    ("Förväntade resultat", "syfte"),  # what a plan hopes for is a goal, not a result
    ("Slutsatser och rekommendationer", "slutsatser"),
    ("Nästa steg", "uppfoljning"),
    ("Budget och finansiering", "ekonomi"),
    ("Sammanfattning och övergripande resultat", "resultat"),  # a summary that names its content
])
def test_headings_name_their_type(heading, expected):
    assert heading_type(heading) == expected


@pytest.mark.parametrize("heading", [
    "#17 Öka andelen elever som fullföljer sina studier med godkänt resultat",  # a goal, not a result
    "Resultaträkning",  # a compound whose last part is not "resultat"
    "Organisation och samverkan",
    "Förord",
    "Vår strategi för ett livskraftigt Västmanland",
])
def test_words_elsewhere_in_a_heading_do_not_type_it(heading):
    assert heading_type(heading) != "resultat" and heading_type(heading) != "lardomar"


def test_wording_counts_when_the_heading_is_generic_or_absent():
    results = "Resultaten visar att frånvaron minskade med en tredjedel bland deltagarna."
    lessons = "En viktig lärdom är att arbetsgivarna måste vara med från början. Vi har lärt oss mycket."
    assert classify([], results) == "resultat"
    assert classify(["Kapitel 3"], lessons) == "lardomar"
    assert classify(["Lärdomar"], results) == "lardomar"  # a heading that names a type wins over the wording
    assert text_type("Projektet drevs av kommunen i samverkan med Arbetsförmedlingen.") == ""


def test_parents_type_their_subsections_but_not_the_title_or_an_introduction():
    assert classify(["Resultat", "Deltagare"], "Totalt deltog 126 personer.") == "resultat"
    title = "Uppföljnings- och lärandesystem"
    assert classify([title, "Hållbar regional utveckling"], "Regionen tillämpar resiliens.",
                    skip=frozenset({title.lower()})) == ""
    assert classify(["1 Inledning", "1.4 Disposition"], "Rapporten har fem kapitel.") == ""


def test_the_vocabulary_is_data():
    vocab = parse_vocabulary({"types": {"resultat": {"label": "Resultat", "words": ["utfall"]},
                                        "lardomar": {"label": "Lärdomar", "words": ["insikter"]}}})
    assert heading_type("Insikter", vocab) == "lardomar"
    assert heading_type("Resultat", vocab) == ""  # only what the file says
    assert vocab.label("lardomar") == "Lärdomar"


# -- through the pipeline --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(corpus_data: Path):
    from ingest.config import DataDir
    from webapp.app import create_app

    with TestClient(create_app(DataDir(corpus_data))) as c:
        yield c


def _types_in_catalogue(data: Path) -> dict[str, tuple[str, str, str]]:
    """passage id -> (document title, heading, type) read straight from the SQLite file."""
    db = sqlite3.connect(data / "catalogue.sqlite3")
    rows = db.execute("""SELECT p.id, d.title, p.heading_path, t.section_type FROM passages p
                         JOIN documents d ON d.id = p.document_id
                         LEFT JOIN passage_section_types t ON t.passage_id = p.id""").fetchall()
    db.close()
    return {r[0]: (r[1], (json.loads(r[2]) or [""])[-1], r[3] or "") for r in rows}


def test_every_report_section_is_typed_in_the_catalogue(corpus_data: Path):
    stored = _types_in_catalogue(corpus_data)
    reports = [v for v in stored.values() if "Slutrapport" in v[0] or "rapport" in v[0].lower()]
    by_heading = {(title, heading): kind for title, heading, kind in reports}
    digi = next(t for t, _h in by_heading if t.startswith("Digi 60+"))
    assert by_heading[(digi, "Resultat")] == "resultat"
    assert by_heading[(digi, "Lärdomar")] == "lardomar"
    assert by_heading[(digi, "Bakgrund")] == "bakgrund"
    assert by_heading[(digi, "Syfte och mål")] == "syfte"


def test_facet_counts_match_the_catalogue_and_the_filter_narrows(client, corpus_data: Path):
    data = client.get("/api/search", params={"q": "projektet", "limit": 100, "all": "1"}).json()
    facet = {f["value"]: f["count"] for f in data["facets"]["section_type"]}
    assert facet.get("resultat", 0) > 0 and facet.get("lardomar", 0) > 0
    only = client.get("/api/search", params={"q": "projektet", "section": "lardomar", "all": "1", "limit": 100}).json()
    assert only["total"] == facet["lardomar"]
    stored = _types_in_catalogue(corpus_data)
    assert only["hits"] and all(stored[h["passage_id"]][2] == "lardomar" for h in only["hits"])
    assert all(h["section_type"] == "lardomar" and h["section_label"] == "Lärdomar" for h in only["hits"])
    both = client.get("/api/search", params=[("q", "projektet"), ("section", "lardomar"), ("section", "resultat"),
                                             ("all", "1")]).json()
    assert both["total"] == facet["lardomar"] + facet["resultat"]


def test_sok_shows_the_facet_labels_and_keeps_the_filter(client):
    page = client.get("/sok", params={"q": "projektet"}).text
    assert "Typ av avsnitt" in page and "section=lardomar" in page
    filtered = client.get("/sok", params={"q": "projektet", "section": "resultat"}).text
    assert '<input type="hidden" form="sokform" name="section" value="resultat">' in filtered
    assert 'class="section-label section-resultat"' in filtered
    assert "Ta bort alla filter" in filtered


def test_unknown_mode_is_refused(client):
    assert client.get("/api/search", params={"q": "x", "mode": "annat"}).status_code == 422


def test_document_table_of_contents_is_labelled(client):
    docs = client.get("/api/documents").json()["documents"]
    doc = next(d for d in docs if d["title"].startswith("Digi 60+"))
    detail = client.get(f"/api/documents/{doc['id']}").json()
    labels = {s["heading"]: s["section_label"] for s in detail["sections"]}
    assert labels["Resultat"] == "Resultat" and labels["Lärdomar"] == "Lärdomar"
    assert all("section_type" in p for p in detail["passages"])
    assert detail["project"]["id"] == "project:digi-60-plus"
    other = next(d for d in docs if d["title"].startswith("Digitalt kompetenta folkbibliotek"))
    page = client.get(f"/d/{other['id']}").text
    toc = page.split('class="toc"', 1)[1].split("</nav>", 1)[0]
    # a label where the heading does not already say it: "Fortsättning" is about the next steps
    assert ">Fortsättning</a> <span class=\"section-label section-uppfoljning\">" in toc
    assert "Uppföljning och nästa steg" in toc


def test_cli_search_section(corpus_data: Path):
    out = run_cli("search", "projektet", "--section", "resultat", "--all-passages", "--json", data=corpus_data)
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)["hits"]
    assert hits and all(h["section_type"] == "resultat" for h in hits)
    text = run_cli("search", "deltagare", "--section", "resultat", data=corpus_data)
    assert text.returncode == 0 and "— Resultat" in text.stdout
    bad = run_cli("search", "projektet", "--section", "påhittad", data=corpus_data)
    assert bad.returncode == 2 and "Okänd typ av avsnitt" in bad.stderr


def test_reanalysis_types_again_when_the_rules_change(fresh_data: Path):
    """Section types come with the knowledge fingerprint: `reanalyse` writes them from stored text."""
    db = sqlite3.connect(fresh_data / "catalogue.sqlite3")
    before = db.execute("SELECT COUNT(*) FROM passage_section_types").fetchone()[0]
    db.execute("DELETE FROM passage_section_types")
    db.commit()
    db.close()
    out = run_cli("reanalyse", "--all", data=fresh_data)
    assert out.returncode == 0, out.stderr + out.stdout
    db = sqlite3.connect(fresh_data / "catalogue.sqlite3")
    assert db.execute("SELECT COUNT(*) FROM passage_section_types").fetchone()[0] == before > 0
    db.close()


def test_fingerprint_follows_the_rules_file(tmp_path, monkeypatch):
    import shutil

    from ingest import config
    from ingest.enrich.fingerprint import knowledge_fingerprint

    corpus = tmp_path / "corpus"
    shutil.copytree(config.CORPUS_DIR / "goals", corpus / "goals")
    shutil.copy(config.CORPUS_DIR / "section_types.yaml", corpus / "section_types.yaml")
    monkeypatch.setattr(config, "CORPUS_DIR", corpus)
    first = knowledge_fingerprint(corpus / "goals")
    (corpus / "section_types.yaml").write_text((corpus / "section_types.yaml").read_text() + "\n# ändrad\n")
    assert knowledge_fingerprint(corpus / "goals") != first
