"""The follow-up view of a goal (/mal/{id}/insatser): its JSON twin, filters, the timeline, and the CSV and
Excel downloads holding exactly the rows the page shows, over the sample corpus ingested for real."""
from __future__ import annotations

import csv
import io
import re
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

GOAL = "rus-vastmanland:delmal-18"


@pytest.fixture(scope="module")
def client(corpus_data: Path):
    from ingest.config import DataDir
    from webapp.app import create_app

    with TestClient(create_app(DataDir(corpus_data))) as c:
        yield c


def page_rows(html: str) -> list[str]:
    """Project names in the page's table, in order."""
    table = html.split('id="insatser-tabell"', 1)[1].split("</table>", 1)[0]
    return [unescape(n) for n in re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', table)]


def test_page_and_json_twin_agree(client):
    data = client.get(f"/api/goals/{GOAL}/projects").json()
    assert data["total"] >= 5 and data["id"] == GOAL
    page = client.get(f"/mal/{GOAL}/insatser")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page_rows(page.text) == [p["name"] for p in data["projects"]]
    assert client.get(f"/mal/{GOAL}/insatser", params={"format": "json"}).json() == data
    row = next(p for p in data["projects"] if p["name"] == "#Vägled")
    assert row["owner"] == "Region Västmanland" and row["status"] == "avslutat"
    assert {f["programme"] for f in row["financing"]} >= {"ESF", "1:1-medel"}
    assert row["results"] and row["results"][0]["url"].startswith("/p/")
    assert row["passages"] >= 1


def test_contributing_projects_come_from_passages_linked_to_the_goal_or_its_subgoals(client):
    """Vägar framåt names delmål #17 in its own words; målområde 1 (which holds #17) lists it too."""
    assert "Vägar framåt" in [p["name"] for p in client.get("/api/goals/rus-vastmanland:delmal-17/projects").json()["projects"]]
    parent = client.get("/api/goals/rus-vastmanland:delmal-17").json()["ancestors"][-1]["id"]
    assert "Vägar framåt" in [p["name"] for p in client.get(f"/api/goals/{parent}/projects").json()["projects"]]


def test_filters_narrow_by_financing_organisation_and_year(client):
    everything = client.get(f"/api/goals/{GOAL}/projects").json()
    esf = client.get(f"/api/goals/{GOAL}/projects", params={"finansiering": "ESF"}).json()
    assert 0 < len(esf["projects"]) < len(everything["projects"])
    assert all(any(f["programme"] == "ESF" for f in p["financing"]) for p in esf["projects"])
    assert "ESF" in everything["options"]["financing"]
    org = client.get(f"/api/goals/{GOAL}/projects", params={"organisation": "Handelskammaren Mälardalen"}).json()
    assert [p["name"] for p in org["projects"]] == ["Besökskraft"]
    year = client.get(f"/api/goals/{GOAL}/projects", params={"ar": 2023}).json()
    assert year["projects"] and all(p["first_year"] <= 2023 <= p["last_year"] for p in year["projects"])
    spanning = {p["name"] for p in everything["projects"] if p["first_year"] and p["first_year"] <= 2023 <= p["last_year"]}
    assert {p["name"] for p in year["projects"]} == spanning, "every project running in 2023, no other"
    assert client.get(f"/api/goals/{GOAL}/projects", params={"ar": 1700}).status_code == 422
    # a plain HTML form sends every field, empty ones too
    blank = client.get(f"/mal/{GOAL}/insatser", params={"finansiering": "", "organisation": "", "ar": ""})
    assert blank.status_code == 200 and page_rows(blank.text) == [p["name"] for p in everything["projects"]]
    page = client.get(f"/mal/{GOAL}/insatser", params={"finansiering": "ESF"}).text
    assert page_rows(page) == [p["name"] for p in esf["projects"]]
    assert 'selected>ESF</option>' in page


def test_timeline_is_server_rendered_svg_with_a_table_alternative(client):
    page = client.get(f"/mal/{GOAL}/insatser").text
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    dated = [p for p in client.get(f"/api/goals/{GOAL}/projects").json()["projects"] if p["period_text"]]
    assert svg.count("<rect") == len(dated) > 0
    assert "Tidslinjen som tabell" in page
    for p in dated:
        assert f"<td>{p['period_text']}</td>" in page
    assert "<script" not in page.split("</head>", 1)[1]  # nothing inline: works without JavaScript


def test_csv_holds_the_rows_of_the_page(client):
    data = client.get(f"/api/goals/{GOAL}/projects", params={"finansiering": "ESF"}).json()
    response = client.get(f"/mal/{GOAL}/insatser.csv", params={"finansiering": "ESF"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # so that Excel reads å, ä and ö
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert [r["Projekt"] for r in rows] == [p["name"] for p in data["projects"]]
    for row, project in zip(rows, data["projects"]):
        assert row["Projektägare"] == (project["owner"] or "")
        assert row["Status"] == (project["status"] or "")
        assert row["Länk"].endswith(project["url"])


def test_excel_workbook_opens_and_holds_the_rows_of_the_page(client):
    from openpyxl import load_workbook

    page = client.get(f"/mal/{GOAL}/insatser").text
    response = client.get(f"/mal/{GOAL}/insatser.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["Insatser"]
    values = list(sheet.iter_rows(values_only=True))
    header, rows = values[0], values[1:]
    assert header[0] == "Projekt" and "Finansiering" in header
    assert [r[0] for r in rows] == page_rows(page)
    about = dict(book["Om uttaget"].iter_rows(values_only=True))
    assert about["Mål-id"] == GOAL and about["Antal insatser"] == len(rows)


def test_same_view_for_a_westum_area_and_a_global_goal(client):
    for goal in ("natverk-westum:omrade-2", "agenda-2030:mal-4"):
        data = client.get(f"/api/goals/{goal}/projects").json()
        assert data["projects"], goal
        assert client.get(f"/mal/{goal}/insatser").status_code == 200
        assert client.get(f"/mal/{goal}/insatser.xlsx").status_code == 200
    # The Erasmus+ report says it "genomförs inom Westums prioriterade område Internationellt utbyte".
    westum = [p["name"] for p in client.get("/api/goals/natverk-westum:omrade-3/projects").json()["projects"]]
    assert "Erasmus+ mobilitet inom vuxenutbildningen – Westum 2023–2024" in westum


def test_unknown_and_malformed_goals(client):
    assert client.get("/mal/rus-vastmanland:delmal-99/insatser").status_code == 404
    assert client.get("/api/goals/rus-vastmanland:delmal-99/projects").status_code == 404
    assert client.get("/mal/<script>/insatser").status_code in (404, 422)


def test_goal_page_links_to_its_follow_up_view(client):
    assert f'href="/mal/{GOAL}/insatser"' in client.get(f"/mal/{GOAL}").text


def test_exports_never_write_a_formula():
    from openpyxl import load_workbook

    from webapp.followup_export import csv_bytes, xlsx_bytes

    row = {"Projekt": "=HYPERLINK(\"http://x\")", "Projektägare": "+46 21", "Partner": "", "Start": "2020", "Slut": "",
           "Status": "", "Finansiering": "@SUM(A1)", "Budget (kr)": 100, "Målgrupper": "", "Resultat": "-5 procent",
           "Kopplade stycken": 1, "Länk": "http://127.0.0.1/entiteter/x"}
    text = csv_bytes([row]).decode("utf-8")
    assert "'=HYPERLINK" in text and "'+46 21" in text and "'@SUM" in text and "'-5 procent" in text
    sheet = load_workbook(io.BytesIO(xlsx_bytes([row], {"display_label": "Mål", "id": "a:b"})))["Insatser"]
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("=HYPERLINK")
    assert sheet["G2"].data_type == "s"


def test_the_json_twin_links_to_everything_the_page_links_to(client):
    from tests.test_pages import item_links_in_html, item_urls_in_json

    for params in ({}, {"finansiering": "ESF"}):
        page = client.get(f"/mal/{GOAL}/insatser", params=params)
        twin = client.get(f"/mal/{GOAL}/insatser", params={**params, "format": "json"}).json()
        shown, listed = set(item_links_in_html(page.text)), set(item_urls_in_json(twin))
        assert shown and shown == listed
