"""Project cards: Swedish amounts and periods, cards extracted from the sample corpus through the real
pipeline (every value with its evidence passage), the card in /api/entities and the CLI, visibility of
internal documents, and editors' corrections that survive re-ingest and are audited."""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import EDITOR, run_cli

DIGI = "project:digi-60-plus"


# -- Swedish wording -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, sek", [
    ("beviljade 2,4 miljoner kronor", 2_400_000), ("totalt 2 400 000 kr", 2_400_000), ("850 tkr", 850_000),
    ("1,2 mnkr", 1_200_000), ("budgeten var 640 000 kronor", 640_000), ("3,5 MSEK", 3_500_000),
])
def test_swedish_amounts(text, sek):
    from ingest.enrich.swedish_numbers import find_amounts

    assert [a.sek for a in find_amounts(text)] == [sek]


def test_a_bare_million_is_kronor_only_when_the_sentence_speaks_of_kronor():
    from ingest.enrich.swedish_numbers import find_amounts

    assert [a.sek for a in find_amounts("9,8 miljoner kronor, varav 6,1 miljoner från ESF+")] == [9_800_000, 6_100_000]
    assert find_amounts("Länet har 2 miljoner invånare.") == []


@pytest.mark.parametrize("text, start, end", [
    ("2020-05-01–2021-10-31", "2020-05-01", "2021-10-31"),
    ("maj 2020 till oktober 2021", "2020-05", "2021-10"),
    ("mellan mars och oktober 2025", "2025-03", "2025-10"),
    ("hösten 2020 – december 2023", "2020-08", "2023-12"),
    ("under 2022", "2022", "2022"),
    ("hösten 2023", "2023-08", "2023-12"),
])
def test_swedish_periods(text, start, end):
    from ingest.enrich.swedish_periods import find_periods

    period = find_periods(text)[0]
    assert (period.start, period.end) == (start, end)


def test_status_is_relative_to_today():
    from ingest.store.project_cards import status_for

    assert status_for("2020-05", "2021-10", date(2021, 10, 31)) == "pågående"
    assert status_for("2020-05", "2021-10", date(2021, 11, 1)) == "avslutat"
    assert status_for("2026-09", "2028-06", date(2026, 3, 1)) == "planerat"
    assert status_for("2020", None, date(2026, 3, 1)) is None  # no end: not known to be over, nor ongoing
    assert status_for("2023", "2023", date(2023, 12, 31)) == "pågående"


# -- cards from the sample corpus ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(corpus_data: Path):
    from ingest.config import DataDir
    from webapp.app import create_app

    with TestClient(create_app(DataDir(corpus_data))) as c:
        yield c


def test_digi_60_card_from_report_and_business_plan(client):
    card = client.get(f"/api/entities/{DIGI}").json()["card"]
    assert set(card) >= {"owner", "partners", "period", "status", "financing", "target_groups", "results", "goals"}
    assert card["owner"]["name"] == "Region Västmanland"
    assert {p["name"] for p in card["partners"]} == {"Västmanlands länsbildningsförbund", "Länsstyrelsen Västmanland"}
    assert (card["period"]["start"], card["period"]["end"]) == ("2020-01", "2021-12")
    assert card["status"] == "avslutat"
    assert card["financing"] == []  # the texts do not say who paid: empty, not guessed
    assert any(r["text"].startswith("712 personer deltog") for r in card["results"])
    documents = {d["document_id"] for d in client.get(f"/api/entities/{DIGI}").json()["documents"]}
    assert set(card["documents"]) == documents  # the report and the verksamhetsplan both contribute


def test_amounts_and_total_budget(client):
    card = client.get("/api/entities/project:validering-inom-vård-och-omsorg-i-västerås").json()["card"]
    amounts = {(f["programme"], f["amount_sek"]) for f in card["financing"]}
    assert ("ESF", 6_100_000) in amounts and (None, 9_800_000) in amounts
    assert next(f for f in card["financing"] if f["programme"] is None)["total"] is True


def test_every_value_keeps_its_evidence_passage(client):
    """Each owner, partner, financier, target group and result is read from a passage that says it."""
    from ingest.enrich.gazetteers import load_gazetteer

    surfaces: dict[str, list[str]] = {}  # a canonical name and the ways texts write it ("ESF", "Europeiska socialfonden")
    for surface, known in load_gazetteer().names.items():
        surfaces.setdefault(known.name, []).append(surface)
    projects = client.get("/api/entities", params={"type": "project"}).json()
    checked = 0
    for item in projects:
        card = client.get(f"/api/entities/{item['id']}").json()["card"]
        values = ([(card["owner"]["name"], card["owner"]["passage_ids"])] if card["owner"] else []) \
            + [(p["name"], p["passage_ids"]) for p in card["partners"]] \
            + [(f["programme"], f["passage_ids"]) for f in card["financing"] if f["programme"]] \
            + [(t["text"], t["passage_ids"]) for t in card["target_groups"]]
        for value, passage_ids in values:
            assert passage_ids, f"{item['name']}: {value!r} has no evidence"
            assert passage_ids == [p.split("/p/")[1] for p in next(
                x["sources"] for x in [card["owner"], *card["partners"], *card["financing"], *card["target_groups"]]
                if x and x.get("passage_ids") == passage_ids)]
            texts = " ".join(client.get(f"/api/passages/{pid}").json()["text"].lower() for pid in passage_ids)
            stems = [w[:5] for form in [value, *surfaces.get(value, [])] for w in re.findall(r"\w{3,}", form.lower())]
            # the plan's "Driva projektet X" gives its organisation as owner: then the document says who it is
            assert any(s in texts for s in stems) or value == "Region Västmanland", (item["name"], value)
            checked += 1
        for result in card["results"]:
            assert result["text"] in client.get(f"/api/passages/{result['passage_id']}").json()["text"]
            checked += 1
    assert checked > 100


def test_cards_of_the_eleven_reports_are_filled(client):
    """Every project report gives its project an owner, a period or financing, and results."""
    reports = [d for d in client.get("/api/documents").json()["documents"] if d["doc_type"] == "projektrapport"]
    assert len(reports) == 11
    projects = {p["id"]: p for p in client.get("/api/entities", params={"type": "project"}).json()}
    filled = 0
    for project_id in projects:
        card = client.get(f"/api/entities/{project_id}").json()["card"]
        if card["owner"] and (card["period"]["start"] or card["financing"]) and card["results"]:
            filled += 1
    assert filled >= 10


def test_goals_of_a_project_roll_up_with_their_passages(client):
    card = client.get("/api/entities/project:vägar-framåt").json()["card"]
    goals = {g["goal_id"]: g for g in card["goals"]}
    assert "rus-vastmanland:delmal-17" in goals  # "Projektet bidrar direkt till delmål #17"
    for goal in card["goals"]:
        assert goal["passages"] and set(goal) >= {"goal_id", "label", "passages", "confirmed"}
        links = client.get(f"/api/passages/{goal['passages'][0]}").json()["goal_links"]
        assert goal["goal_id"] in {l["goal_id"] for l in links}


def test_cli_entities_json_includes_the_same_card(client, corpus_data: Path):
    result = run_cli("entities", "--type", "project", "--json", data=corpus_data)
    assert result.returncode == 0, result.stderr
    items = {i["id"]: i for i in json.loads(result.stdout)}
    api = client.get(f"/api/entities/{DIGI}").json()["card"]
    cli = items[DIGI]["card"]
    for field in ("owner", "partners", "period", "status", "financing", "target_groups", "results"):
        assert cli[field] == api[field], field


def test_project_page_shows_the_card(client):
    page = client.get(f"/entiteter/{DIGI}")
    assert page.status_code == 200
    assert "Projektkort" in page.text and "Länsstyrelsen Västmanland" in page.text
    assert "januari 2020 – december 2021" in page.text
    assert "Framgår inte av texterna" in page.text  # financing is unknown and says so
    assert "Rätta projektkortet" not in page.text  # anonymous visitors get no editor controls


# -- visibility --------------------------------------------------------------------------------------------
INTERNAL_NOTE = """# Intern uppföljning av Digi 60+

Digi 60+ finansierades av Hemliga stiftelsen med 5 miljoner kronor. Projektet genomfördes i samverkan med Hemliga föreningen.

## Resultat

Totalt deltog 999 personer i de interna träffarna.
"""


@pytest.fixture
def writable(fresh_data: Path, tmp_path: Path):
    from ingest.config import DataDir
    from ingest.pipeline import IngestReport, Ingester
    from webapp.app import create_app

    note = tmp_path / "intern-digi.md"
    note.write_text(INTERNAL_NOTE, encoding="utf-8")
    ingester = Ingester(DataDir(fresh_data))
    assert ingester.ingest_file(note, IngestReport(), visibility="internal")
    ingester.catalogue.close()
    with TestClient(create_app(DataDir(fresh_data))) as c:
        yield c


def editor_auth(client) -> dict:
    return {"Authorization": f"Bearer {client.app.state.kb.accounts.create_token(EDITOR[0])}"}


def test_internal_documents_never_reach_an_anonymous_card(writable):
    anonymous = json.dumps(writable.get(f"/api/entities/{DIGI}").json(), ensure_ascii=False)
    assert "Hemliga" not in anonymous and "999" not in anonymous
    staff = writable.get(f"/api/entities/{DIGI}", headers=editor_auth(writable)).json()["card"]
    assert "Hemliga stiftelsen" in {f["programme"] for f in staff["financing"]}
    assert "Hemliga föreningen" in {p["name"] for p in staff["partners"]}
    assert any("999" in r["text"] for r in staff["results"])
    page = writable.get(f"/entiteter/{DIGI}").text
    assert "Hemliga" not in page and "999" not in page
    for url in ("/mal/rus-vastmanland:malomrade-2/insatser", "/api/goals/rus-vastmanland:malomrade-2/projects",
                "/mal/rus-vastmanland:malomrade-2/insatser.csv"):
        assert "Hemliga" not in writable.get(url).text, url


def test_a_project_only_internal_documents_name_is_not_there_for_anonymous(writable):
    assert writable.get("/api/entities/project:hemlig-satsning").status_code == 404
    assert writable.get("/api/entities/project:hemlig-satsning", headers=editor_auth(writable)).status_code == 200


# -- corrections -----------------------------------------------------------------------------------------
def test_editor_corrects_a_field_audited_and_kept_through_reanalysis(writable):
    auth = editor_auth(writable)
    url = "/api/entities/project:lärcentrum-sala/card"
    assert writable.put(url, json={"owner": "Någon"}).status_code == 401
    response = writable.put(url, json={"period": {"start": "2021-08", "end": "2022-12"}, "owner": "Sala kommun"},
                            headers=auth)
    assert response.status_code == 200, response.text
    card = response.json()["card"]
    assert card["period"]["start"] == "2021-08" and card["status"] == "avslutat"
    assert set(card["corrections"]) == {"period"}  # the owner agreed with the documents: nothing stored
    entries = writable.get("/api/audit", headers={"Authorization": f"Bearer {writable.app.state.kb.accounts.create_token('chefen')}"}).json()["entries"]
    assert any(e["action"] == "project_card.correct" and e["target"] == "project:lärcentrum-sala" for e in entries)

    from ingest.config import DataDir
    from ingest.pipeline import Ingester

    kb = writable.app.state.kb
    Ingester(DataDir(kb.data.root), index=kb.index).reanalyse_all()  # facts are written anew
    again = writable.get("/api/entities/project:lärcentrum-sala").json()["card"]
    assert (again["period"]["start"], again["period"]["end"]) == ("2021-08", "2022-12")
    assert again["corrections"]["period"]["editor"] == EDITOR[0]
    reset = writable.put(url, json={"reset": ["period"]}, headers=auth).json()["card"]
    assert reset["period"]["start"] is None and "period" not in reset["corrections"]


def test_bad_corrections_are_refused_in_swedish(writable):
    auth = editor_auth(writable)
    url = f"/api/entities/{DIGI}/card"
    for body in ({"period": {"start": "maj 2020"}}, {"status": "kanske"}, {"färg": "blå"},
                 {"period": {"start": "2022", "end": "2020"}}):
        response = writable.put(url, json=body, headers=auth)
        assert response.status_code == 422, body
        assert re.search(r"[åäöÅÄÖ]|Ange|Okänd", response.json()["detail"])


def test_correction_over_internal_facts_stays_internal(writable):
    """Partners from an internal note are on the editor's card; a correction of that field may carry them
    and is therefore not shown to anonymous readers."""
    auth = editor_auth(writable)
    staff = writable.get(f"/api/entities/{DIGI}", headers=auth).json()["card"]
    partners = [p["name"] for p in staff["partners"]] + ["Tillagd partner"]
    assert writable.put(f"/api/entities/{DIGI}/card", json={"partners": partners}, headers=auth).status_code == 200
    assert "Tillagd partner" in {p["name"] for p in writable.get(f"/api/entities/{DIGI}", headers=auth).json()["card"]["partners"]}
    anonymous = writable.get(f"/api/entities/{DIGI}").json()["card"]
    assert {p["name"] for p in anonymous["partners"]} == {"Västmanlands länsbildningsförbund", "Länsstyrelsen Västmanland"}


def test_editor_corrects_with_the_form(writable):
    from tests.test_api import login

    login(writable, *EDITOR)
    page = writable.get("/entiteter/project:besökskraft")
    assert "Rätta projektkortet" in page.text
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    form = {"csrf": token, "owner": "Handelskammaren Mälardalen", "partners": "Region Västmanland",
            "period_start": "2020", "period_end": "2022", "status": "", "financing": "Europeiska socialfonden; 2,5 miljoner kronor",
            "target_groups": "anställda i besöksnäringen", "results": ""}
    response = writable.post("/entiteter/project:besökskraft/kort", data=form, follow_redirects=False)
    assert response.status_code == 303
    card = writable.get("/api/entities/project:besökskraft").json()["card"]
    assert card["financing"] == [{"programme": "Europeiska socialfonden", "amount_sek": 2_500_000, "total": False,
                                  "passage_ids": [], "sources": []}]  # an editor's value has no source passage
    assert card["status"] == "avslutat" and set(card["corrections"]) >= {"partners", "period", "financing"}
    assert "owner" not in card["corrections"]  # the same as the documents say
    assert writable.post("/entiteter/project:besökskraft/kort", data={**form, "csrf": "fel"}).status_code == 403


# -- other ways of writing a report --------------------------------------------------------------------
TEXTS = Path(__file__).parent / "files" / "project_texts"


@pytest.fixture(scope="module")
def other_texts(tmp_path_factory) -> dict[str, dict]:
    """Three texts worded unlike the sample corpus (a fact box, an ESF final report, an annual report that
    mentions projects in passing), through the real pipeline."""
    from ingest.config import DataDir
    from ingest.enrich import shared
    from ingest.pipeline import Ingester
    from ingest.store.project_cards import project_cards

    ingester = Ingester(DataDir(tmp_path_factory.mktemp("texts")))
    assert ingester.ingest_paths([TEXTS]).ok
    projects = ingester.catalogue.entities("project", ("public",))
    cards = project_cards(ingester.catalogue, projects, ("public",), shared.frameworks(), date(2026, 3, 1))
    return {p["name"]: cards[p["id"]] for p in projects}


def test_a_fact_box_gives_every_field(other_texts):
    card = other_texts["Digital vård i glesbygd"]  # named only by "Projektnamn: …"
    assert card["owner"]["name"] == "Region Västmanland"
    assert {p["name"] for p in card["partners"]} == {"Sala kommun", "Heby kommun"}
    assert (card["period"]["start"], card["period"]["end"], card["status"]) == ("2023-01-01", "2025-12-31", "avslutat")
    assert {(f["programme"], f["amount_sek"]) for f in card["financing"]} == {("Vinnova", None), (None, 3_400_000)}
    assert [t["text"] for t in card["target_groups"]] == ["äldre"]
    assert len(card["results"]) == 2


def test_an_esf_final_report_named_only_in_its_title(other_texts):
    card = other_texts["Nya vägar till arbete"]
    assert card["owner"]["name"] == "Arboga kommun"  # "drivs gemensamt av Arboga kommun och Kungsörs kommun"
    assert [p["name"] for p in card["partners"]] == ["Kungsörs kommun"]
    assert (card["period"]["start"], card["period"]["end"]) == ("2019-09-01", "2022-08-31")
    financing = {f["programme"]: f["amount_sek"] for f in card["financing"]}
    assert financing == {"ESF": 3_200_000, "Samordningsförbundet Västra Mälardalen": None}
    assert [t["text"] for t in card["target_groups"]] == ["långtidsarbetslösa kvinnor med utländsk bakgrund"]
    assert not any("Arbetsförmedlingen" in p["name"] for p in card["partners"])  # lessons learnt are not partners


def test_an_annual_report_gives_a_project_only_what_it_says_of_it(other_texts):
    card = other_texts["Kreativa rum"]
    assert {p["name"] for p in card["partners"]} == {"Köpings kommun", "Arboga kommun"}
    assert (card["period"]["start"], card["period"]["end"]) == ("2022", "2024")
    # the next project in the text ("Ett annat exempel är …") and the unit's budget are not Kreativa rum's
    assert not any(p["name"] == "biblioteken" for p in card["partners"])
    assert all(f["amount_sek"] != 12_000_000 for f in card["financing"])
