"""Editors correct a document (title, organisation, year, type, visibility), replace its file and reach its
earlier versions; corrections are audited and survive re-ingest; OCR is noted on the page. Real app on a
real data dir, forms with CSRF as a browser sends them."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import EDITOR, READER


@pytest.fixture
def app_client(fresh_data: Path):
    from ingest.config import DataDir
    from webapp.app import create_app

    with TestClient(create_app(DataDir(fresh_data))) as c:
        yield c


def sign_in(client: TestClient, user: tuple[str, str]) -> str:
    client.get("/logga-in")
    csrf = client.cookies.get("kb_csrf")
    response = client.post("/logga-in", data={"username": user[0], "password": user[1], "csrf": csrf},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf


def a_document(client: TestClient, title_word: str) -> dict:
    docs = client.get("/api/documents").json()["documents"]
    return next(d for d in docs if title_word.lower() in d["title"].lower())


def test_an_editor_corrects_a_document_and_the_correction_survives_re_ingest(app_client):
    kb = app_client.app.state.kb
    doc = a_document(app_client, "Digi")
    csrf = sign_in(app_client, EDITOR)
    response = app_client.post(f"/d/{doc['id']}/uppgifter", data={
        "csrf": csrf, "title": "Digi 60+ – slutrapport (rättad)", "organisation": "Västerås stad", "year": "2021",
        "doc_type": "projektrapport", "visibility": doc["visibility"]}, follow_redirects=False)
    assert response.status_code == 303
    page = app_client.get(f"/d/{doc['id']}").text
    assert "Digi 60+ – slutrapport (rättad)" in page and "Västerås stad" in page
    entry = kb.accounts.audit_entries(5)[0]
    assert (entry["actor"], entry["action"], entry["target"]) == (EDITOR[0], "document.correct", doc["id"])
    assert entry["detail"]["title"]["to"] == "Digi 60+ – slutrapport (rättad)"

    from ingest.config import DataDir
    from ingest.pipeline import Ingester

    record = kb.catalogue.document(doc["id"])
    # the same file read again with newer readers: everything is read anew, the correction still wins
    kb.catalogue.db.execute("UPDATE documents SET conversion_fingerprint = 'older' WHERE id = ?", (doc["id"],))
    report = Ingester(DataDir(kb.data.root), index=kb.index).ingest_paths([record.source_path])
    assert report.ingested
    again = app_client.get(f"/api/documents/{doc['id']}").json()
    assert (again["title"], again["organisation"], again["year"]) == ("Digi 60+ – slutrapport (rättad)",
                                                                       "Västerås stad", 2021)
    # and search shows the corrected title once the index has it
    hits = app_client.get("/api/search", params={"q": "Digi 60+ rättad", "document": doc["id"]}).json()["hits"]
    assert hits and hits[0]["title"] == "Digi 60+ – slutrapport (rättad)"


def test_corrections_are_for_editors_only(app_client):
    doc = a_document(app_client, "Digi")
    assert app_client.patch(f"/api/documents/{doc['id']}", json={"title": "Nej"}).status_code == 401
    sign_in(app_client, READER)
    response = app_client.patch(f"/api/documents/{doc['id']}", json={"title": "Nej"},
                                headers={"X-CSRF-Token": app_client.cookies.get("kb_csrf")})
    assert response.status_code == 403
    assert app_client.get(f"/api/documents/{doc['id']}").json()["title"] == doc["title"]


def test_publishing_from_the_document_page_is_audited(app_client):
    kb = app_client.app.state.kb
    internal = next(d for d in kb.catalogue.documents() if d.visibility == "internal")
    assert app_client.get(f"/d/{internal.id}").status_code == 404
    csrf = sign_in(app_client, EDITOR)
    response = app_client.patch(f"/api/documents/{internal.id}", json={"visibility": "public"},
                                headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200 and response.json()["changed"]["visibility"]["to"] == "public"
    assert kb.accounts.audit_entries(1)[0]["action"] == "document.publish"
    app_client.get("/logga-ut")
    app_client.cookies.clear()
    assert app_client.get(f"/api/documents/{internal.id}").status_code == 200


def test_bad_corrections_are_refused_with_a_reason(app_client):
    doc = a_document(app_client, "Digi")
    csrf = sign_in(app_client, EDITOR)
    headers = {"X-CSRF-Token": csrf}
    assert app_client.patch(f"/api/documents/{doc['id']}", json={"doc_type": "hemligt"}, headers=headers).status_code == 422
    assert app_client.patch(f"/api/documents/{doc['id']}", json={"year": 12}, headers=headers).status_code == 422
    assert app_client.patch(f"/api/documents/{doc['id']}", json={"title": ""}, headers=headers).status_code == 422
    assert app_client.patch("/api/documents/dfinnsinte", json={"title": "X"}, headers=headers).status_code == 404


def test_a_replaced_document_lists_its_versions_and_editors_can_fetch_the_old_file(app_client, tmp_path):
    import time

    doc = a_document(app_client, "Digi")
    csrf = sign_in(app_client, EDITOR)
    response = app_client.post(f"/d/{doc['id']}/ersatt", data={"csrf": csrf},
                               files={"file": ("digi-v2.md", "# Digi 60+ version två\n\nNy text om seniorer.\n".encode(),
                                               "text/markdown")}, follow_redirects=False)
    assert response.status_code == 303
    job_url = response.headers["location"]
    for _ in range(200):
        status = app_client.get(job_url, params={"format": "json"}).json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert status["status"] == "done" and status["document_id"] == doc["id"], status
    detail = app_client.get(f"/api/documents/{doc['id']}").json()
    assert [v["current"] for v in detail["versions"]] == [False, True]
    old = detail["versions"][0]
    assert app_client.get(old["original_url"]).status_code == 200
    page = app_client.get(f"/d/{doc['id']}").text
    assert "Versioner" in page and "hämta den här versionen" in page
    app_client.get("/logga-ut")
    app_client.cookies.clear()
    assert "original_url" not in app_client.get(f"/api/documents/{doc['id']}").json()["versions"][0]
    assert app_client.get(old["original_url"]).status_code == 401


@pytest.mark.slow
def test_a_scanned_document_is_marked_as_read_with_ocr(tmp_path):
    from ingest.config import DataDir
    from ingest.pipeline import IngestReport, Ingester
    from tests.made_files import scanned_pdf
    from webapp.app import create_app

    data = DataDir(tmp_path / "data")
    report = IngestReport()
    doc_id = Ingester(data).ingest_file(scanned_pdf(tmp_path / "skannad.pdf"), report, visibility="public")
    assert doc_id, report.failed
    with TestClient(create_app(data)) as client:
        detail = client.get(f"/api/documents/{doc_id}").json()
        assert detail["ocr_pages"] == [1]
        assert re.search(r"Tolkad med OCR</span> \(1 sida\)", client.get(f"/d/{doc_id}").text)
