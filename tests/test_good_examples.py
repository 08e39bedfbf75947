"""Good examples: the search mode's ranking and grouping, editors' marks (audit, change feed, visibility,
re-ingest), /goda-exempel with its JSON twin and Atom feed, and the goal pages' good examples."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from tests.conftest import CORPUS, EDITOR, READER, SECRET_WORD
from webapp.urls import urls

ATOM = "{http://www.w3.org/2005/Atom}"


def _app(data: Path):
    from ingest.config import DataDir
    from webapp.app import create_app

    return create_app(DataDir(data))


@pytest.fixture(scope="module")
def client(corpus_data: Path):
    with TestClient(_app(corpus_data)) as c:
        yield c


@pytest.fixture
def data(fresh_data: Path) -> Path:
    return fresh_data


def login(client: TestClient, username: str, password: str) -> str:
    """Signs in; returns the CSRF token of the session."""
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/logga-in").text).group(1)
    response = client.post("/logga-in", data={"username": username, "password": password, "csrf": token},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return token


def _report(client, title_start: str) -> dict:
    docs = client.get("/api/documents").json()["documents"]
    doc = next(d for d in docs if d["title"].startswith(title_start))
    return client.get(f"/api/documents/{doc['id']}").json()


def _passage(detail: dict, section_type: str) -> dict:
    return next(p for p in detail["passages"] if p["section_type"] == section_type)


def _position(hits: list[dict], passage_id: str) -> int:
    ids = [h["passage_id"] for h in hits]
    assert passage_id in ids, f"{passage_id} not among the hits"
    return ids.index(passage_id)


# -- the mode ------------------------------------------------------------------------------------
def test_result_passage_outranks_background_of_the_same_report(client):
    detail = _report(client, "Digi 60+")
    result, background = _passage(detail, "resultat"), _passage(detail, "bakgrund")
    params = {"q": "äldre digital", "all": "1", "limit": 50}
    plain = client.get("/api/search", params=params).json()["hits"]
    mode = client.get("/api/search", params={**params, "mode": "goda-exempel"}).json()["hits"]
    # the background matches the words better, so plain search puts it first; the mode does not
    assert _position(plain, background["id"]) < _position(plain, result["id"])
    assert _position(mode, result["id"]) < _position(mode, background["id"])
    assert _position(mode, _passage(detail, "lardomar")["id"]) < _position(mode, background["id"])


def test_mode_groups_by_project_with_owner_year_results_and_lessons(client):
    data = client.get("/api/search", params={"q": "äldre digital", "mode": "goda-exempel"}).json()
    assert data["mode"] == "goda-exempel" and data["total_groups"] >= 1
    assert {"query", "total", "hits", "facets", "suggestion"} <= set(data)  # the contract, extended
    first = data["groups"][0]
    assert first["project"]["id"] == "project:digi-60-plus"
    assert first["owner"] == "Region Västmanland" and first["year"] == 2021
    kinds = [f["section_type"] for f in first["findings"]]
    assert kinds == ["resultat", "lardomar"]
    assert all(f["url"].startswith("/p/") for f in first["findings"])
    projects = [g["project"]["id"] for g in data["groups"] if g["project"]]
    assert len(projects) == len(set(projects))  # one entry per project
    page = client.get("/sok", params={"q": "äldre digital", "mode": "goda-exempel"}).text
    assert 'class="example-groups"' in page and "Digi 60+" in page and "Region Västmanland, 2021" in page
    assert 'id="mode" name="mode" value="goda-exempel" form="sokform" checked' in page


def test_mode_switch_is_on_the_start_page_and_a_plain_form_field(client):
    start = client.get("/").text
    form = start.split('<form id="sokform"', 1)[1].split("</form>", 1)[0]
    assert 'type="checkbox" id="mode" name="mode" value="goda-exempel"' in form and 'method="get"' in start


# -- marks ---------------------------------------------------------------------------------------
def test_marking_needs_an_editor_and_the_csrf_token(data: Path):
    with TestClient(_app(data)) as c:
        lesson = _passage(_report(c, "Digi 60+"), "lardomar")
        url = f"/api/good-examples/passage/{lesson['id']}"
        assert c.put(url, json={"motivation": "Bra"}).status_code == 401
        login(c, *READER)
        assert c.put(url, json={"motivation": "Bra"}).status_code == 403
    with TestClient(_app(data)) as c:
        token = login(c, *EDITOR)
        assert c.put(url, json={"motivation": "Bra"}).status_code == 403  # no X-CSRF-Token
        assert c.put(url, json={"motivation": "  "}, headers={"X-CSRF-Token": token}).status_code == 422
        assert c.put("/api/good-examples/passage/pfinnsinte", json={"motivation": "Bra"},
                     headers={"X-CSRF-Token": token}).status_code == 404
        assert c.put("/api/good-examples/project/project:finns-inte", json={"motivation": "Bra"},
                     headers={"X-CSRF-Token": token}).status_code == 404


def test_mark_and_unmark_a_passage_are_audited_and_followed_by_the_index(data: Path):
    with TestClient(_app(data)) as c:
        token = login(c, *EDITOR)
        detail = _report(c, "Digi 60+")
        lesson = _passage(detail, "lardomar")
        revision = sqlite3.connect(data / "catalogue.sqlite3").execute(
            "SELECT revision FROM documents WHERE id = ?", (detail["id"],)).fetchone()[0]
        response = c.put(f"/api/good-examples/passage/{lesson['id']}", json={"motivation": "Små grupper – värt att ta efter"},
                         headers={"X-CSRF-Token": token})
        assert response.status_code == 200 and response.json()["marked"] is True
        db = sqlite3.connect(data / "catalogue.sqlite3")
        assert db.execute("SELECT revision FROM documents WHERE id = ?", (detail["id"],)).fetchone()[0] > revision
        audit = db.execute("SELECT actor, action, target, detail FROM audit_log WHERE action LIKE 'good_example.%'"
                           ).fetchall()
        assert audit == [(EDITOR[0], "good_example.mark", lesson["id"], audit[0][3])]
        assert "Små grupper" in audit[0][3]
        # the badge on hits and the boost in the mode follow at once (the index was written)
        hits = c.get("/api/search", params={"q": "äldre digital", "all": "1"}).json()["hits"]
        marked = next(h for h in hits if h["passage_id"] == lesson["id"])
        assert marked["good_example"]["motivation"] == "Små grupper – värt att ta efter"
        assert marked["good_example"]["marked_by"] == EDITOR[0]  # signed in
        page = c.get(f"/d/{detail['id']}").text
        assert "Gott exempel" in page and "Små grupper – värt att ta efter" in page
        assert c.delete(f"/api/good-examples/passage/{lesson['id']}", headers={"X-CSRF-Token": token}).json()["marked"] is False
        assert c.delete(f"/api/good-examples/passage/{lesson['id']}", headers={"X-CSRF-Token": token}).status_code == 404
        actions = [r[0] for r in db.execute("SELECT action FROM audit_log WHERE action LIKE 'good_example.%' ORDER BY id")]
        assert actions == ["good_example.mark", "good_example.unmark"]
        hits = c.get("/api/search", params={"q": "äldre digital", "all": "1"}).json()["hits"]
        assert next(h for h in hits if h["passage_id"] == lesson["id"])["good_example"] is None


def test_marked_example_is_boosted_in_the_mode(data: Path):
    with TestClient(_app(data)) as c:
        token = login(c, *EDITOR)
        params = {"q": "äldre digital", "mode": "goda-exempel", "all": "1", "limit": 50}
        hits = c.get("/api/search", params=params).json()["hits"]
        background = _passage(_report(c, "Digi 60+"), "bakgrund")
        before = _position(hits, background["id"])
        assert before > 0
        c.put(f"/api/good-examples/passage/{background['id']}", json={"motivation": "Tydlig problembild"},
              headers={"X-CSRF-Token": token})
        after = _position(c.get("/api/search", params=params).json()["hits"], background["id"])
        assert after < before


def test_project_mark_with_the_form_works_without_javascript(data: Path):
    with TestClient(_app(data)) as c:
        token = login(c, *EDITOR)
        detail = _report(c, "Lärcentrum Sala")
        project = detail["project"]["id"]
        response = c.post("/goda-exempel/markera", data={"csrf": token, "kind": "project", "target_id": project,
                                                        "document_id": detail["id"], "action": "markera",
                                                        "motivation": "Vuxenutbildning nära hemmet"},
                          follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"/d/{detail['id']}#goda-exempel"
        page = c.get(f"/d/{detail['id']}").text
        assert "Vuxenutbildning nära hemmet" in page and "Ta bort markeringen" in page
        listed = c.get("/api/good-examples").json()["examples"]
        assert [e["target_id"] for e in listed] == [project]
        assert listed[0]["project"]["name"].startswith("Lärcentrum Sala") and listed[0]["year"] == 2023
        group = c.get("/api/search", params={"q": "lärcentrum", "mode": "goda-exempel"}).json()["groups"][0]
        assert group["project"]["id"] == project and group["good_example"]["motivation"] == "Vuxenutbildning nära hemmet"
        response = c.post("/goda-exempel/markera", data={"csrf": token, "kind": "project", "target_id": project,
                                                        "document_id": detail["id"], "action": "avmarkera"},
                          follow_redirects=False)
        assert response.status_code == 303 and c.get("/api/good-examples").json()["examples"] == []


def test_mark_survives_reingest(data: Path):
    from ingest.config import DataDir
    from ingest.pipeline import Ingester

    with TestClient(_app(data)) as c:
        token = login(c, *EDITOR)
        result = _passage(_report(c, "Digi 60+"), "resultat")
        c.put(f"/api/good-examples/passage/{result['id']}", json={"motivation": "Mätbara effekter"},
              headers={"X-CSRF-Token": token})
    ingester = Ingester(DataDir(data))
    ingester.catalogue.db.execute("UPDATE documents SET sha256 = 'x' WHERE id = (SELECT document_id FROM passages "
                                  "WHERE id = ?)", (result["id"],))  # as if the file changed: read it again
    report = ingester.ingest_paths([CORPUS / "projekt_digi-60-plus_slutrapport-2021.docx"])
    assert len(report.ingested) == 1
    with TestClient(_app(data)) as anonymous:
        listed = anonymous.get("/api/good-examples").json()["examples"]
        assert [e["target_id"] for e in listed] == [result["id"]]
        assert "marked_by" not in listed[0]  # who marked it is for signed-in staff


# -- visibility ----------------------------------------------------------------------------------
def test_marks_on_internal_documents_are_never_shown_anonymously(data: Path):
    with TestClient(_app(data)) as staff:
        token = login(staff, *EDITOR)
        internal = staff.get("/api/search", params={"q": SECRET_WORD}).json()["hits"][0]["passage_id"]
        public = _passage(_report(staff, "Digi 60+"), "lardomar")["id"]
        for passage_id, why in ((internal, "Intern satsning att ta efter"), (public, "Öppet gott exempel")):
            assert staff.put(f"/api/good-examples/passage/{passage_id}", json={"motivation": why},
                             headers={"X-CSRF-Token": token}).status_code == 200
        assert {e["motivation"] for e in staff.get("/api/good-examples").json()["examples"]} == {
            "Intern satsning att ta efter", "Öppet gott exempel"}
        staff_feed = staff.get("/goda-exempel.atom").text
        assert "Intern satsning att ta efter" in staff_feed
    with TestClient(_app(data)) as anonymous:
        for url in ("/goda-exempel", "/api/good-examples", "/goda-exempel?format=json", "/goda-exempel.atom",
                    "/mal/rus-vastmanland:vision", "/sok?q=styrelsen+prioriterar+vuxenutbildning&mode=goda-exempel",
                    "/api/search?q=styrelsen+prioriterar+vuxenutbildning&mode=goda-exempel"):
            body = anonymous.get(url).text
            assert "Intern satsning att ta efter" not in body and SECRET_WORD not in body, url
        assert "Öppet gott exempel" in anonymous.get("/goda-exempel").text
        feed = ET.fromstring(anonymous.get("/goda-exempel.atom").content)
        assert [e.findtext(f"{ATOM}summary").split(" (")[0] for e in feed.findall(f"{ATOM}entry")] == ["Öppet gott exempel"]
    with TestClient(_app(data)) as reader:
        login(reader, *READER)
        assert "Intern satsning att ta efter" in reader.get("/goda-exempel").text


def test_atom_feed_is_valid_atom_per_goal(data: Path):
    with TestClient(_app(data)) as c:
        token = login(c, *EDITOR)
        detail = _report(c, "Erasmus+ mobilitet")
        c.put(f"/api/good-examples/project/{detail['project']['id']}", json={"motivation": "Små kommuner kunde delta"},
              headers={"X-CSRF-Token": token})
        listed = c.get("/api/good-examples").json()["examples"]
        assert listed and listed[0]["goals"], listed
        goal = listed[0]["goals"][0]["goal_id"]
    with TestClient(_app(data)) as anonymous:
        response = anonymous.get("/goda-exempel.atom", params={"mal": goal})
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
        feed = ET.fromstring(response.content)
        assert feed.tag == f"{ATOM}feed"
        for required in ("id", "title", "updated"):
            assert feed.findtext(f"{ATOM}{required}")
        assert feed.find(f"{ATOM}link[@rel='self']") is not None and feed.find(f"{ATOM}author/{ATOM}name") is not None
        entries = feed.findall(f"{ATOM}entry")
        assert len(entries) == 1
        for entry in entries:
            assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}title") and entry.findtext(f"{ATOM}updated")
            assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", entry.findtext(f"{ATOM}updated"))
            assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").endswith("/entiteter/" + detail["project"]["id"])
            assert goal in [category.get("term") for category in entry.findall(f"{ATOM}category")]
        other = anonymous.get("/goda-exempel.atom", params={"mal": "agenda-2030:mal-14"})
        assert ET.fromstring(other.content).findall(f"{ATOM}entry") == []
        assert anonymous.get("/goda-exempel.atom", params={"mal": "finns:inte"}).status_code == 404
        page = anonymous.get("/goda-exempel", params={"mal": goal}).text
        assert "Små kommuner kunde delta" in page and f'href="{urls.good_examples_feed(goal)}"' in page


def test_goal_page_shows_good_examples_for_the_goal(data: Path):
    with TestClient(_app(data)) as c:
        token = login(c, *EDITOR)
        detail = _report(c, "Erasmus+ mobilitet")
        c.put(f"/api/good-examples/project/{detail['project']['id']}", json={"motivation": "Värt att ta efter"},
              headers={"X-CSRF-Token": token})
        goal = c.get("/api/good-examples").json()["examples"][0]["goals"][0]["goal_id"]
        found = c.get(f"/api/goals/{goal}").json()["good_examples"]
        assert found["marked"][0]["motivation"] == "Värt att ta efter"
        assert all(p["section_type"] in ("resultat", "lardomar") for p in found["passages"])
        page = c.get(f"/mal/{goal}").text
        assert "Goda exempel för det här målet" in page and "Värt att ta efter" in page


def test_atom_feed_stays_xml_whatever_a_motivation_holds(data: Path):
    with TestClient(_app(data)) as c:
        token = login(c, *EDITOR)
        lesson = _passage(_report(c, "Digi 60+"), "lardomar")
        motivation = "Bra\x01 exempel <script>alert(1)</script> & \"mer\"\nandra raden"
        assert c.put(f"/api/good-examples/passage/{lesson['id']}", json={"motivation": motivation},
                     headers={"X-CSRF-Token": token}).status_code == 200
        stored = c.get("/api/good-examples").json()["examples"][0]["motivation"]
        assert stored == 'Bra exempel <script>alert(1)</script> & "mer" andra raden'  # one line of text
        feed = ET.fromstring(c.get("/goda-exempel.atom").content)
        assert feed.find(f"{ATOM}entry/{ATOM}summary").text.startswith(stored)
        page = c.get("/goda-exempel").text
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
