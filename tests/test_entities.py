"""Named entities (projects, organisations, places, programmes, time spans) in text and through the
real ingest pipeline; people's verdicts on goal links survive a re-ingest."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import docx
import pytest

from ingest.store.catalogue import Catalogue
from ingest.config import DataDir
from ingest.enrich.entities import extract_entities
from ingest.enrich.gazetteers import entity_key
from ingest.pipeline import Ingester
from tests.conftest import run_cli

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus" / "documents"


def found(text: str) -> set[tuple[str, str]]:
    return {(m.type, m.name) for m in extract_entities(text)}




def make_docx(path: Path, title: str, sections: list[tuple[str, list[str]]]) -> Path:
    document = docx.Document()
    document.add_heading(title, level=1)
    for heading, paragraphs in sections:
        document.add_heading(heading, level=2)
        for text in paragraphs:
            document.add_paragraph(text)
    document.save(path)
    return path


# -- extraction ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, name",
    [
        ("Projektet Digi 60+ startade 2020 och riktade sig till äldre som ville bli digitalt delaktiga.", "Digi 60+"),
        ("Inom projektet Vägar framåt genomfördes sex delprojekt i länet.", "Vägar framåt"),
        ("Erfarenheterna från Hälsoinsatser för nyanlända har spridits till alla kommuner.",
         "Hälsoinsatser för nyanlända"),
        ("Företag inom industrin deltar i Kompetenslyft för Sverige.", "Ett kompetenslyft för Sverige"),
    ],
)
def test_known_projects(text, name):
    assert ("project", name) in found(text)


def test_unknown_project_names_are_found_by_rule():
    # Names no gazetteer knows, introduced the way reports introduce projects.
    assert ("project", "Lärande Landsbygd") in found("Inom projektet Lärande Landsbygd drivs studiecirklar i Norberg.")
    assert ("project", "Framtidens vård") in found('I satsningen "Framtidens vård" deltar tre kommuner.')
    # "projektet syftar till" names nothing.
    assert not [m for m in extract_entities("Projektet syftar till att fler ska få arbete.") if m.type == "project"]


@pytest.mark.parametrize(
    "text",
    [
        "Region Västmanland har beviljat medel till satsningen.",
        "Projektet Region Västmanland driver tillsammans med kommunerna är ett samarbete.",
        'I projektet "Region Västmanland" ingår flera förvaltningar.',
        "Regionen Västmanland och Västerås stad samverkar.",
    ],
)
def test_region_vastmanland_is_an_organisation_never_a_project(text):
    mentions = extract_entities(text)
    assert ("organisation", "Region Västmanland") in {(m.type, m.name) for m in mentions}
    assert not any(m.type == "project" and "Västmanland" in m.name for m in mentions)


def test_funding_programmes_and_agencies():
    text = ("Projektet finansierades av ESF och Region Västmanlands 1:1-medel. Tillväxtverket beviljade stöd "
            "från ERUF, och personalen gjorde utbyten inom Erasmus+.")
    entities = found(text)
    for programme in ("ESF", "1:1-medel", "ERUF", "Erasmus+"):
        assert ("programme", programme) in entities, programme
    assert ("organisation", "Tillväxtverket") in entities
    assert not any(t == "programme" and n == "Tillväxtverket" for t, n in entities)
    # The long forms are the same programmes.
    assert ("programme", "ESF") in found("Medel från Europeiska socialfonden användes.")
    assert ("programme", "ERUF") in found("Satsningen får stöd från Europeiska regionala utvecklingsfonden.")


def test_time_span():
    text = "Projektet pågick mellan maj 2020 och oktober 2021 i Kungsör, Arboga och Köping."
    spans = [m for m in extract_entities(text) if m.type == "timespan"]
    assert len(spans) == 1
    assert "maj 2020 och oktober 2021" in spans[0].surface
    assert text[spans[0].start: spans[0].end] == spans[0].surface
    places = {n for t, n in found(text) if t == "place"}
    assert {"Kungsör", "Arboga", "Köping"} <= places


def test_aliases_share_one_entity_key():
    text = "Digi60+ blev känt som Digi 60 plus, men det officiella namnet är Digi 60+."
    projects = [m for m in extract_entities(text) if m.type == "project"]
    assert len(projects) == 3
    assert {m.surface for m in projects} == {"Digi60+", "Digi 60 plus", "Digi 60+"}
    assert len({m.entity_key for m in projects}) == 1
    assert projects[0].entity_key == entity_key("project", "Digi 60+") == entity_key("project", "digi 60 plus")
    # Different entity types never share a key.
    assert entity_key("project", "Valideringslyft") != entity_key("programme", "Valideringslyft")


def test_offsets_point_at_the_surface():
    text = "Under hösten 2020 samarbetade Samordningsförbundet Västra Mälardalen med Arbetsförmedlingen."
    mentions = extract_entities(text)
    assert mentions
    for m in mentions:
        assert text[m.start: m.end] == m.surface
    # The longest name wins: the place inside the organisation's name is not a mention of its own.
    assert ("organisation", "Samordningsförbundet Västra Mälardalen") in {(m.type, m.name) for m in mentions}
    assert ("place", "Västra Mälardalen") not in {(m.type, m.name) for m in mentions}


# -- through the pipeline ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus_data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("corpus") / "data"
    done = run_cli("ingest", str(CORPUS), "--json", data=data)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert not report["failed"] and len(report["ingested"]) >= 10
    return data


def test_entities_cli_lists_projects_across_documents(corpus_data):
    done = run_cli("entities", "--type", "project", "--json", data=corpus_data)
    assert done.returncode == 0, done.stderr
    projects = json.loads(done.stdout)
    assert projects and all(p["type"] == "project" for p in projects)
    assert {"id", "type", "name", "mentions", "documents"} <= set(projects[0])
    shared = [p for p in projects if p["documents"] >= 2]
    assert shared, "no project is mentioned in two documents"
    names = {p["name"] for p in projects}
    # Each has its own report and is also named in the business plan 2021–2023.
    for name in ("Digi 60+", "Vägar framåt"):
        assert name in names
        assert next(p for p in projects if p["name"] == name)["documents"] >= 2, name
    assert not any("Region Västmanland" in n for n in names)
    for p in projects:
        assert p["id"] == entity_key("project", p["name"])

    everything = json.loads(run_cli("entities", "--json", data=corpus_data).stdout)
    region = next(e for e in everything if e["name"] == "Region Västmanland")
    assert region["type"] == "organisation" and region["documents"] >= 5
    assert {e["type"] for e in everything} <= {"project", "organisation", "place", "programme"}


def test_a_project_named_only_in_a_report_title_is_linked_to_that_report(corpus_data):
    projects = json.loads(run_cli("entities", "--type", "project", "--json", data=corpus_data).stdout)
    project = next(p for p in projects if p["name"] == "Hälsoinsatser för nyanlända")
    assert project["documents"] >= 2  # its own final report and the business plan


def test_one_entity_for_a_project_under_two_aliases(tmp_path):
    make_docx(tmp_path / "a.docx", "Lägesrapport", [("Läget", ["Projektet Digi60+ har nått 200 äldre i Sala."])])
    make_docx(tmp_path / "b.docx", "Slutrapport", [("Resultat", ["Digi 60 plus avslutades med en konferens."])])
    data = DataDir(tmp_path / "data")
    report = Ingester(data).ingest_paths([tmp_path / "a.docx", tmp_path / "b.docx"])
    assert report.ok and len(report.ingested) == 2
    projects = Catalogue(data.catalogue).entities("project", ("public", "internal"))
    digi = [p for p in projects if "digi" in p["id"]]
    assert len(digi) == 1
    assert digi[0]["name"] == "Digi 60+" and digi[0]["documents"] == 2 and digi[0]["mentions"] == 2


# -- reviews survive re-ingest -----------------------------------------------------------------
SECTIONS = [
    ("#17 Öka andelen elever som fullföljer sina studier med godkänt resultat",
     ["Studenter gav läxhjälp två gånger i veckan till elever i årskurs nio, och fler elever klarade "
      "sina betyg i matematik och svenska."]),
    ("Kollektivtrafik",
     ["Nya busslinjer och tätare turer gör det lättare att pendla mellan Sala och Västerås med buss och tåg."]),
]


def test_a_review_survives_reingest_of_a_changed_file(tmp_path):
    source = make_docx(tmp_path / "rapport.docx", "Slutrapport Skolframgång", SECTIONS)
    data = DataDir(tmp_path / "data")
    first = Ingester(data).ingest_paths([source])
    assert first.ok and len(first.ingested) == 1
    catalogue = Catalogue(data.catalogue)
    doc = catalogue.document_by_source(str(source.resolve()))
    passages = {p.text.split()[0]: p for p in catalogue.passages(doc.id)}
    school = passages["Studenter"]
    links = catalogue.links_for_passages([school.id])[school.id]
    by_goal = {l["goal_id"]: l for l in links}
    assert by_goal["rus-vastmanland:delmal-17"]["kind"] == "explicit"
    assert len(links) >= 2
    weakest = min(links, key=lambda l: l["score"])
    assert weakest["goal_id"] != "rus-vastmanland:delmal-17" and weakest["score"] < 1.0

    catalogue.review_link(school.id, weakest["goal_id"], "confirmed", "anna")
    catalogue.review_link(school.id, "rus-vastmanland:delmal-17", "rejected", "anna")
    reviewed = {l["goal_id"]: l for l in catalogue.links_for_passages([school.id])[school.id]}
    assert "rus-vastmanland:delmal-17" not in reviewed
    assert reviewed[weakest["goal_id"]]["kind"] == "confirmed" and reviewed[weakest["goal_id"]]["score"] == 1.0

    # The same file, edited: a section is added, so it is converted, split and linked again.
    make_docx(source, "Slutrapport Skolframgång",
              SECTIONS + [("Lärdomar", ["Samverkan med skolorna behöver en tydlig ägare efter projekttiden."])])
    second = Ingester(data).ingest_paths([source])
    assert second.ingested == [str(source)] and not second.unchanged
    catalogue = Catalogue(data.catalogue)
    assert catalogue.document_by_source(str(source.resolve())).id == doc.id
    assert school.id in {p.id for p in catalogue.passages(doc.id)}, "the unchanged passage kept its id"
    assert len(catalogue.passages(doc.id)) == len(passages) + 1

    after = {l["goal_id"]: l for l in catalogue.links_for_passages([school.id])[school.id]}
    assert after[weakest["goal_id"]]["kind"] == "confirmed"
    assert after[weakest["goal_id"]]["score"] == 1.0
    assert after[weakest["goal_id"]]["reviewer"] == "anna"
    assert "rus-vastmanland:delmal-17" not in after
    # The linker is told the verdicts: it writes the confirmed link (with its evidence) and never the rejected
    # one again (the catalogue's reviewed_links view would hide it anyway).
    with sqlite3.connect(data.catalogue) as db:
        raw = {r[0] for r in db.execute("SELECT goal_id FROM goal_links WHERE passage_id = ?", (school.id,))}
    assert "rus-vastmanland:delmal-17" not in raw and weakest["goal_id"] in raw

    # Ingesting the unchanged file again is a no-op that keeps the verdicts too.
    third = Ingester(data).ingest_paths([source])
    assert third.unchanged == [str(source)]
    assert "rus-vastmanland:delmal-17" not in {l["goal_id"] for l in
                                               Catalogue(data.catalogue).links_for_passages([school.id])[school.id]}
