"""Every HTTP endpoint against a real catalogue and a real Whoosh index built from the sample corpus."""
from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN, EDITOR, READER, SECRET_WORD, csrf_of, login, running_server


@pytest.fixture(scope="module")
def client(corpus_data: Path):
    from ingest.config import DataDir
    from webapp.app import create_app

    with TestClient(create_app(DataDir(corpus_data))) as c:
        yield c


def first_hit(client, query: str) -> dict:
    hits = client.get("/api/search", params={"q": query}).json()["hits"]
    assert hits, f"no hits for {query!r}"
    return hits[0]


# -- search ----------------------------------------------------------------------------------
def test_search_json_has_the_cli_contract(client):
    data = client.get("/api/search", params={"q": "vuxenutbildning", "limit": 5}).json()
    assert set(data) >= {"query", "total", "hits", "facets", "suggestion"}
    assert data["total"] > 0 and len(data["hits"]) <= 5
    hit = data["hits"][0]
    assert set(hit) >= {"passage_id", "document_id", "title", "heading", "page", "snippet", "text", "score", "url"}
    assert hit["url"] == f"/p/{hit['passage_id']}"
    assert "<mark>" in hit["snippet"]


def test_search_json_and_html_agree(client):
    params = {"q": "bibliotek", "limit": 10}
    data = client.get("/api/search", params=params).json()
    page = client.get("/sok", params=params)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    links = re.findall(r'<h2 class="hit-title"><a href="(/p/[^"]+)"', page.text)
    assert links == [h["url"] for h in data["hits"]]
    assert f"{data['total']} träffar" in page.text
    assert client.get("/sok", params={**params, "format": "json"}).json() == data


def test_partial_hits_follow_below_a_divider_and_name_the_words_they_lack(client):
    params = {"q": "elever gymnasieexamen avhopp", "limit": 10}
    data = client.get("/api/search", params=params).json()
    flags = [h["partial"] for h in data["hits"]]
    assert flags and flags == sorted(flags)  # every hit with all the words comes before the partial ones
    assert any("#17" in h["heading"] for h in data["hits"])  # the plan's section on pupils completing studies
    partial = [h for h in data["hits"] if h["partial"]]
    assert partial and all(h["missing"] and set(h["missing"]) <= set(params["q"].split()) for h in partial)
    assert all(h["missing"] == [] for h in data["hits"] if not h["partial"])
    page = client.get("/sok", params=params).text
    assert page.count("Träffar som inte innehåller alla sökorden") == 1
    assert page.count("Saknar: ") == len(partial)


def test_search_filters_narrow_results(client):
    everything = client.get("/api/search", params={"q": "utbildning"}).json()
    org = everything["facets"]["organisation"][0]
    narrowed = client.get("/api/search", params={"q": "utbildning", "org": org["value"]}).json()
    assert 0 < narrowed["total"] <= everything["total"]
    titles = {h["document_id"] for h in narrowed["hits"]}
    docs = {d["id"]: d for d in client.get("/api/documents").json()["documents"]}
    assert all(docs[t]["organisation"] == org["value"] for t in titles)


def test_goal_filter_on_a_malomrade_includes_its_delmal(client):
    data = client.get("/api/search", params={"q": "elever", "goal": "rus-vastmanland:malomrade-3"}).json()
    assert data["total"] > 0


@pytest.mark.parametrize("params", [{"limit": "abc"}, {"limit": 0}, {"limit": 1000}, {"offset": -1},
                                    {"year": "tjugohundra"}, {"page": 0}])
def test_bad_search_parameters_are_422(client, params):
    response = client.get("/api/search", params={"q": "x", **params})
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)
    html = client.get("/sok", params={"q": "x", **params})
    assert html.status_code == 422 and "Ogiltiga parametrar" in html.text


@pytest.mark.parametrize("query", ['"', "((", "-", "AND OR NOT", "\x00\x07kontroll", "ö" * 10_000, "<script>alert(1)</script>"])
def test_odd_queries_answer(client, query):
    assert client.get("/api/search", params={"q": query}).status_code == 200
    page = client.get("/sok", params={"q": query})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text


# -- documents and passages --------------------------------------------------------------------
def test_documents_list_and_detail(client):
    docs = client.get("/api/documents").json()["documents"]
    assert len(docs) >= 16
    plan = next(d for d in docs if "Verksamhetsplan 2021" in d["title"])
    detail = client.get(f"/api/documents/{plan['id']}").json()
    assert detail["format"] == "pdf" and detail["pages"] > 10
    assert any(s["heading"].startswith("#17") for s in detail["sections"])
    passage = next(p for p in detail["passages"] if p["heading"].startswith("#17"))
    assert passage["page"] and passage["url"] == f"/p/{passage['id']}"
    explicit = [l for l in passage["goal_links"] if l["kind"] == "explicit"]
    assert any(l["goal_id"] == "rus-vastmanland:delmal-17" for l in explicit)
    html = client.get(f"/d/{plan['id']}")
    assert html.status_code == 200 and f'id="{passage["id"]}"' in html.text
    assert client.get(f"/d/{plan['id']}", params={"format": "json"}).json()["id"] == plan["id"]


def test_original_download(client):
    docs = client.get("/api/documents").json()["documents"]
    pdf = next(d for d in docs if d["format"] == "pdf")
    response = client.get(pdf["original_url"])
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response.headers["content-type"] == "application/pdf"
    docx = next(d for d in docs if d["format"] == "docx")
    response = client.get(docx["original_url"])
    assert response.headers["content-disposition"].startswith("attachment")


def test_passage_permalink_and_json(client):
    hits = client.get("/api/search", params={"q": "Digi 60+", "all": "true"}).json()["hits"]
    hit = next(h for h in hits if "Digi 60+" in h["text"])
    response = client.get(hit["url"], follow_redirects=False)
    assert response.status_code == 200  # the reading view (tests/test_pages.py)
    assert re.search(rf'<article id="{hit["passage_id"]}" class="passage marked', response.text)
    page = client.get(f"/d/{hit['document_id']}?p={hit['passage_id']}")
    assert re.search(rf'<article id="{hit["passage_id"]}" class="passage marked"', page.text)
    data = client.get(f"/api/passages/{hit['passage_id']}").json()
    assert data["text"] == hit["text"] and data["document"]["id"] == hit["document_id"]
    assert any(e["id"] == "project:digi-60-plus" for e in data["entities"])


@pytest.mark.parametrize("url", ["/api/documents/dfinnsinte1", "/d/dfinnsinte1", "/api/passages/pfinnsinte12",
                                 "/p/pfinnsinte12", "/api/goals/rus-vastmanland:delmal-99", "/mal/nope:nope",
                                 "/api/entities/project:finns-inte", "/entiteter/project:finns-inte",
                                 "/d/dfinnsinte1/original", "/sida-som-inte-finns"])
def test_unknown_ids_are_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    if url.startswith("/api/"):
        assert isinstance(response.json()["detail"], str)
    else:
        assert "<html lang=\"sv\">" in response.text


@pytest.mark.parametrize("url", ["/api/documents/..%2F..%2Fetc", "/api/goals/utan-kolon", "/api/entities?type=kommun",
                                 "/mal/rus-vastmanland:delmal-17?min=2", "/d/x?p=<script>"])
def test_malformed_ids_are_422(client, url):
    assert client.get(url).status_code in (404, 422)


# -- goals, entities, linking -----------------------------------------------------------------
def test_goals_tree_and_goal_page(client):
    data = client.get("/api/goals").json()
    frameworks = {f["id"]: f for f in data["frameworks"]}
    assert {"rus-vastmanland", "natverk-westum", "agenda-2030"} <= set(frameworks)
    vision = frameworks["rus-vastmanland"]["goals"][0]
    assert vision["level"] == "vision"
    areas = [c for c in vision["children"] if c["level"] == "malomrade"]
    assert len(areas) == 3
    goal = client.get("/api/goals/rus-vastmanland:delmal-17").json()
    assert goal["parent_label"] == "Ett nyskapande Västmanland genom hållbar tillväxt"
    assert goal["documents"], "the business plan's #17 section at least links here"
    assert goal["ancestors"][0]["id"] == "rus-vastmanland:vision"
    page = client.get("/mal/rus-vastmanland:delmal-17")
    assert page.status_code == 200 and "#17 Öka andelen elever" in page.text
    assert client.get("/mal").status_code == 200


def test_link_endpoint_matches_the_cli_contract(client):
    response = client.post("/api/link", json={"text": "#17 Öka andelen elever som fullföljer sina studier"})
    links = response.json()["links"]
    assert links[0]["goal_id"] == "rus-vastmanland:delmal-17" and links[0]["kind"] == "explicit"
    assert links[0]["parent_label"] == "Ett nyskapande Västmanland genom hållbar tillväxt"
    assert all(l["level"] in ("vision", "malomrade", "delmal", "omrade", "sdg") for l in links)
    scores = [l["score"] for l in links]
    assert all(0 <= s <= 1 for s in scores)
    assert client.post("/api/link", json={"text": ""}).status_code == 422
    assert client.post("/api/link", json={"nope": 1}).status_code == 422
    assert client.post("/api/link", content=b"not json", headers={"content-type": "application/json"}).status_code == 422


def test_entities(client):
    projects = client.get("/api/entities", params={"type": "project"}).json()
    assert projects and all(p["type"] == "project" for p in projects)
    assert set(projects[0]) >= {"id", "type", "name", "mentions", "documents"}
    names = {p["name"] for p in projects}
    assert "Digi 60+" in names and "Region Västmanland" not in names
    detail = client.get("/api/entities/project:digi-60-plus").json()
    assert detail["name"] == "Digi 60+" and detail["documents"]
    page = client.get("/entiteter/project:digi-60-plus")
    assert page.status_code == 200 and "Digi 60+" in page.text
    assert client.get("/entiteter", params={"type": "place"}).status_code == 200


def test_healthz_and_openapi(client):
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["index_in_sync"] is True and health["passages"] > 100
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    for path in ["/api/search", "/api/documents", "/api/documents/{document_id}", "/api/passages/{passage_id}",
                 "/api/goals", "/api/goals/{goal_id}", "/api/entities", "/api/entities/{entity_id}", "/api/link",
                 "/healthz", "/sok", "/p/{passage_id}", "/d/{document_id}", "/mal/{goal_id}"]:
        assert path in paths, path


# -- escaping, headers, internal documents ----------------------------------------------------
class _ScriptFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


def test_markup_in_file_name_title_body_and_query_is_escaped(client):
    docs = client.get("/api/documents").json()["documents"]
    hostile = next(d for d in docs if "script" in d["file_name"])
    for url in [f"/d/{hostile['id']}", "/sok?q=bibliotek+kropp", "/dokument", "/sok?q=%3Cscript%3Ealert(1)%3C/script%3E"]:
        page = client.get(url)
        finder = _ScriptFinder()
        finder.feed(page.text)
        assert all(s.get("src", "").startswith("/static/") for s in finder.scripts), url
        assert finder.handlers == [], url
    assert "&lt;script&gt;" in client.get(f"/d/{hostile['id']}").text


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_anonymous_never_sees_internal_content(client):
    search = client.get("/api/search", params={"q": SECRET_WORD}).json()
    assert search["total"] == 0 and search["hits"] == []
    assert SECRET_WORD not in str(client.get("/api/search", params={"q": "vuxenutbildning Sala", "limit": 100}).json())
    assert client.get("/api/search", params={"q": "hemligtkodor"}).json()["suggestion"] != SECRET_WORD
    docs = client.get("/api/documents").json()["documents"]
    assert all(d["visibility"] == "public" for d in docs)
    assert not any("budgetplan" in d["title"].lower() for d in docs)
    for url in ["/", "/dokument", "/entiteter", "/mal", "/api/entities", "/api/goals", "/sok?q=budgetplan"]:
        assert SECRET_WORD not in client.get(url).text and "Intern budgetplan" not in client.get(url).text
    assert "Hemlig satsning" not in client.get("/api/entities", params={"type": "project"}).text
    for facet in client.get("/api/search", params={"q": "utbildning"}).json()["facets"].values():
        assert all("budget" not in str(v["value"]).lower() for v in facet)


def test_signed_in_staff_see_internal_documents(corpus_data: Path):
    from ingest.config import DataDir
    from webapp.app import create_app

    with TestClient(create_app(DataDir(corpus_data))) as c:
        login(c, *EDITOR)
        search = c.get("/api/search", params={"q": SECRET_WORD}).json()
        assert search["total"] == 1
        doc_id = search["hits"][0]["document_id"]
        assert c.get(f"/d/{doc_id}").status_code == 200
        assert SECRET_WORD in c.get(f"/api/documents/{doc_id}").text
    with TestClient(create_app(DataDir(corpus_data))) as anonymous:
        assert anonymous.get(f"/api/documents/{doc_id}").status_code == 404
        assert anonymous.get(f"/d/{doc_id}/original").status_code == 404
        assert anonymous.get(search["hits"][0]["url"]).status_code == 404


# -- writes -----------------------------------------------------------------------------------
@pytest.fixture
def writable(fresh_data: Path):
    from ingest.config import DataDir, Limits
    from webapp.app import create_app

    with TestClient(create_app(DataDir(fresh_data), Limits(max_file_bytes=2 * 1024 * 1024))) as c:
        yield c


def test_editor_actions_refuse_anonymous_with_401(writable):
    files = {"file": ("plan.txt", b"Plan for vuxenutbildning.", "text/plain")}
    assert writable.post("/api/documents", files=files).status_code == 401
    assert writable.delete("/api/documents/dabc").status_code == 401
    assert writable.put("/api/passages/pabc/goals/rus-vastmanland:delmal-17", json={"verdict": "confirmed"}).status_code == 401
    assert writable.get("/api/audit").status_code == 401
    assert writable.get("/ladda-upp", follow_redirects=False).status_code == 303


def test_bad_token_and_wrong_role(writable):
    headers = {"Authorization": "Bearer fel-nyckel"}
    assert writable.delete("/api/documents/dabc", headers=headers).status_code == 401
    kb = writable.app.state.kb
    token = kb.accounts.create_token(EDITOR[0])
    response = writable.get("/api/audit", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403  # editors may not read the audit log; admins may


def test_form_posts_need_the_csrf_token(writable):
    response = writable.post("/logga-in", data={"username": EDITOR[0], "password": EDITOR[1], "csrf": "fel"})
    assert response.status_code == 403
    login(writable, *EDITOR)
    files = {"file": ("plan.txt", b"Plan for vuxenutbildning.", "text/plain")}
    assert writable.post("/ladda-upp", files=files, data={"csrf": "fel"}).status_code == 403
    assert writable.post("/api/documents", files=files).status_code == 403  # session without X-CSRF-Token


def test_upload_ingests_in_background_and_delete_is_audited(writable):
    kb = writable.app.state.kb
    token = kb.accounts.create_token(EDITOR[0])
    auth = {"Authorization": f"Bearer {token}"}
    body = "# Handlingsplan för lärcentrum\n\nLärcentrum i Norberg erbjuder studievägledning för vuxna.\n".encode()
    response = writable.post("/api/documents", files={"file": ("../../handlingsplan.md", body, "text/markdown")},
                             data={"visibility": "public", "organisation": "Norbergs kommun"}, headers=auth)
    assert response.status_code == 202
    job = response.json()
    assert job["file_name"] == "handlingsplan.md"  # no path parts survive
    deadline = time.time() + 60
    while job["status"] in ("queued", "running") and time.time() < deadline:
        time.sleep(0.2)
        job = writable.get(f"/api/uploads/{job['id']}", headers=auth).json()
    assert job["status"] == "done", job
    hits = writable.get("/api/search", params={"q": "lärcentrum Norberg studievägledning"}).json()["hits"]
    assert any(h["document_id"] == job["document_id"] for h in hits)
    doc = writable.get(f"/api/documents/{job['document_id']}").json()
    assert doc["organisation"] == "Norbergs kommun"
    assert writable.delete(f"/api/documents/{job['document_id']}", headers=auth).status_code == 204
    assert writable.get(f"/api/documents/{job['document_id']}").status_code == 404
    assert not any(h["document_id"] == job["document_id"]
                   for h in writable.get("/api/search", params={"q": "lärcentrum Norberg"}).json()["hits"])
    actions = [(e["actor"], e["action"]) for e in kb.accounts.audit_entries(20)]
    assert (EDITOR[0], "upload") in actions and (EDITOR[0], "delete") in actions


def test_upload_rejects_wrong_type_empty_and_oversized(writable):
    kb = writable.app.state.kb
    auth = {"Authorization": f"Bearer {kb.accounts.create_token(EDITOR[0])}"}
    # PNG is a document now (read with OCR); a GIF animation is not
    assert writable.post("/api/documents", files={"file": ("bild.gif", b"GIF89a....", "image/gif")},
                         headers=auth).status_code == 415
    assert writable.post("/api/documents", files={"file": ("tom.txt", b"", "text/plain")}, headers=auth).status_code == 422
    big = b"a" * (3 * 1024 * 1024)
    response = writable.post("/api/documents", files={"file": ("stor.txt", big, "text/plain")}, headers=auth)
    assert response.status_code == 413  # the app under test allows 2 MB
    assert "MB" in response.json()["detail"]


def test_link_review_survives_reingest(writable, corpus_data: Path):
    kb = writable.app.state.kb
    auth = {"Authorization": f"Bearer {kb.accounts.create_token(EDITOR[0])}"}
    hit = first_hit(writable, "bredband")
    passage = writable.get(f"/api/passages/{hit['passage_id']}").json()
    link = passage["goal_links"][0]
    response = writable.put(f"/api/passages/{hit['passage_id']}/goals/{link['goal_id']}",
                            json={"verdict": "rejected"}, headers=auth)
    assert response.status_code == 200
    assert writable.put(f"/api/passages/{hit['passage_id']}/goals/{link['goal_id']}",
                        json={"verdict": "kanske"}, headers=auth).status_code == 422
    from ingest.pipeline import Ingester
    from ingest.config import DataDir

    doc = kb.catalogue.document(hit["document_id"])
    Ingester(DataDir(kb.data.root), index=kb.index).ingest_paths([doc.source_path])  # same file again
    again = writable.get(f"/api/passages/{hit['passage_id']}").json()
    assert link["goal_id"] not in [l["goal_id"] for l in again["goal_links"]]


def test_reader_sees_internal_but_may_not_edit(writable):
    kb = writable.app.state.kb
    reader = {"Authorization": f"Bearer {kb.accounts.create_token(READER[0])}"}
    assert writable.get("/api/search", params={"q": SECRET_WORD}, headers=reader).json()["total"] == 1
    files = {"file": ("plan.txt", b"Plan for vuxenutbildning.", "text/plain")}
    assert writable.post("/api/documents", files=files, headers=reader).status_code == 403
    doc_id = writable.get("/api/documents").json()["documents"][0]["id"]
    assert writable.delete(f"/api/documents/{doc_id}", headers=reader).status_code == 403
    assert writable.get(f"/api/documents/{doc_id}").status_code == 200  # nothing was deleted
    admin = {"Authorization": f"Bearer {kb.accounts.create_token(ADMIN[0])}"}
    assert writable.get("/api/audit", headers=admin).status_code == 200
    login(writable, *READER)
    assert writable.get("/ladda-upp").status_code == 403
    assert "Ladda upp" not in writable.get("/").text.split("<main")[0]


def test_editor_reviews_a_link_with_the_form(writable):
    login(writable, *EDITOR)
    hit = first_hit(writable, "kollektivtrafik")
    page = writable.get(f"/d/{hit['document_id']}")
    assert 'action="/granska"' in page.text and "Ta bort dokumentet" in page.text
    link = writable.get(f"/api/passages/{hit['passage_id']}").json()["goal_links"][0]
    response = writable.post("/granska", data={"csrf": csrf_of(writable), "passage_id": hit["passage_id"],
                                               "goal_id": link["goal_id"], "verdict": "confirmed"},
                             follow_redirects=False)
    assert response.status_code == 303 and hit["passage_id"] in response.headers["location"]
    again = writable.get(f"/api/passages/{hit['passage_id']}").json()["goal_links"]
    assert any(l["goal_id"] == link["goal_id"] and l["kind"] == "confirmed" and l["score"] == 1.0 for l in again)


def test_anonymous_sees_no_editor_controls(client):
    hit = first_hit(client, "kollektivtrafik")
    page = client.get(f"/d/{hit['document_id']}").text
    assert 'action="/granska"' not in page and "Ta bort dokumentet" not in page
    assert client.post("/granska", data={"passage_id": hit["passage_id"], "goal_id": "rus-vastmanland:delmal-7",
                                         "verdict": "confirmed"}).status_code == 401


def test_upload_left_by_a_killed_server_is_ingested_at_next_start(fresh_data: Path):
    """A file on disk with a job that a dead process had claimed: the next start finishes it."""
    import json as jsonlib
    import sqlite3

    from ingest.config import DataDir
    from webapp.app import create_app

    with TestClient(create_app(DataDir(fresh_data))):
        pass  # creates the job table
    job_id = "00112233aabbccdd"
    folder = fresh_data / "uploads" / "incoming" / job_id
    folder.mkdir(parents=True)
    (folder / "lararplan.md").write_text("# Lärarplan\n\nKompetensutveckling för lärare i Surahammar.\n", encoding="utf-8")
    dead = subprocess_pid_that_has_exited()
    db = sqlite3.connect(fresh_data / "catalogue.sqlite3")
    db.execute("INSERT INTO upload_jobs (id, file_name, uploaded_by, visibility, meta, status, message, created_at, "
               "claimed_by) VALUES (?,?,?,?,?,?,?,?,?)",
               (job_id, "lararplan.md", EDITOR[0], "public", jsonlib.dumps({}), "running", "…", time.time(), str(dead)))
    db.commit()
    db.close()
    with TestClient(create_app(DataDir(fresh_data))) as client:
        auth = {"Authorization": f"Bearer {client.app.state.kb.accounts.create_token(EDITOR[0])}"}
        deadline = time.time() + 60
        job = client.get(f"/api/uploads/{job_id}", headers=auth).json()
        while job["status"] != "done" and time.time() < deadline:
            time.sleep(0.2)
            job = client.get(f"/api/uploads/{job_id}", headers=auth).json()
        assert job["status"] == "done", job
        hits = client.get("/api/search", params={"q": "kompetensutveckling lärare Surahammar"}).json()["hits"]
        assert any(h["document_id"] == job["document_id"] for h in hits)
    assert not folder.exists()


def subprocess_pid_that_has_exited() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def slow_backoff(monkeypatch):
    """The first wait after the free failures long enough that a loaded test machine cannot outlast it."""
    from dataclasses import replace

    from webapp import login_limits

    monkeypatch.setattr(login_limits, "NAME_BACKOFF", replace(login_limits.NAME_BACKOFF, first_wait=600.0))


def test_login_is_rate_limited(writable, slow_backoff):
    for _ in range(5):
        response = writable.post("/logga-in", data={"username": EDITOR[0], "password": "fel-losenord-123",
                                                    "csrf": csrf_of(writable)})
        assert response.status_code == 401
    response = writable.post("/logga-in", data={"username": EDITOR[0], "password": EDITOR[1], "csrf": csrf_of(writable)},
                             follow_redirects=False)
    assert response.status_code == 429  # even the right password waits once the limit is reached
    assert "För många" in response.text


def test_two_server_workers_share_catalogue_and_index(corpus_data: Path):
    import json as jsonlib
    import urllib.request

    with running_server(corpus_data, workers=2) as base:
        totals = set()
        for _ in range(20):  # spread over both workers
            with urllib.request.urlopen(base + "/api/search?q=vuxenutbildning", timeout=10) as response:
                totals.add(jsonlib.load(response)["total"])
        assert len(totals) == 1 and totals.pop() > 0


def test_suggestions_do_not_reveal_words_of_internal_documents(client):
    secret = client.get("/api/search", params={"q": SECRET_WORD}).json()
    unknown = client.get("/api/search", params={"q": SECRET_WORD[:-1] + "q"}).json()
    assert secret["total"] == 0 and secret["suggestion"] == unknown["suggestion"]


def test_rate_limit_is_not_bypassed_with_spaces_in_the_name(writable, slow_backoff):
    for i in range(5):
        writable.post("/logga-in", data={"username": EDITOR[0], "password": "fel-losenord-123", "csrf": csrf_of(writable)})
    response = writable.post("/logga-in", data={"username": EDITOR[0] + "   ", "password": EDITOR[1],
                                                "csrf": csrf_of(writable)}, follow_redirects=False)
    assert response.status_code == 429


def test_pages_count_documents_when_results_are_grouped(client):
    data = client.get("/api/search", params={"q": "vuxenutbildning", "limit": 5}).json()
    page = client.get("/sok", params={"q": "vuxenutbildning", "limit": 5}).text
    pages = -(-data["total_documents"] // 5)
    assert f"Sida 1 av {pages}" in page
    last = client.get("/api/search", params={"q": "vuxenutbildning", "limit": 5, "page": pages}).json()
    assert last["hits"], "the last page shown must have hits"


def test_removing_one_facet_value_keeps_the_others(client):
    orgs = [f["value"] for f in client.get("/api/search", params={"q": "utbildning"}).json()["facets"]["organisation"][:2]]
    page = client.get("/sok", params={"q": "utbildning", "org": orgs}).text
    for kept in orgs:
        removed = [o for o in orgs if o != kept][0]
        from urllib.parse import urlencode

        assert urlencode([("q", "utbildning"), ("org", kept)]) in page.replace("&amp;", "&"), removed


def test_long_swedish_file_name_is_shortened_not_a_crash(writable):
    kb = writable.app.state.kb
    auth = {"Authorization": f"Bearer {kb.accounts.create_token(EDITOR[0])}"}
    name = "å" * 146 + ".txt"
    response = writable.post("/api/documents", files={"file": (name, "Text om lärcentra.".encode(), "text/plain")},
                             headers=auth)
    assert response.status_code == 202
    job = response.json()
    assert job["file_name"].endswith(".txt") and len(job["file_name"].encode()) <= 200


def test_large_bodies_are_refused_before_they_are_read(client):
    response = client.post("/api/link", content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                           headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert client.post("/logga-in", content=b"x" * (2 * 1024 * 1024),
                       headers={"content-type": "application/x-www-form-urlencoded"}).status_code == 413


def test_health_counts_only_what_the_asker_may_see(client):
    public = client.get("/api/documents").json()["documents"]
    assert client.get("/healthz").json()["documents"] == len(public)


def test_pages_are_never_cached_by_shared_caches(client):
    response = client.get("/sok", params={"q": "bibliotek"})
    assert "no-store" in response.headers["cache-control"] and "HX-Request" in response.headers["vary"]


def test_anonymous_linking_is_rate_limited_but_tokens_are_not(writable):
    from webapp import goal_pages

    goal_pages.ANONYMOUS_LINK_LIMIT._calls.clear()
    statuses = [writable.post("/api/link", json={"text": "bussar och pendling"}).status_code for _ in range(32)]
    assert statuses[:30] == [200] * 30 and statuses[30:] == [429, 429]
    token = writable.app.state.kb.accounts.create_token(EDITOR[0])
    assert writable.post("/api/link", json={"text": "bussar"}, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    goal_pages.ANONYMOUS_LINK_LIMIT._calls.clear()


def test_signing_out_ends_the_session_on_the_server(writable):
    login(writable, *EDITOR)
    cookie = writable.cookies.get("kb_session")
    assert writable.get("/api/search", params={"q": SECRET_WORD}).json()["total"] == 1
    response = writable.post("/logga-ut", data={"csrf": csrf_of(writable)}, follow_redirects=False)
    assert response.status_code == 303
    writable.cookies.set("kb_session", cookie)  # a copied cookie is worth nothing after signing out
    assert writable.get("/api/search", params={"q": SECRET_WORD}).json()["total"] == 0


def test_new_password_ends_existing_sessions(writable):
    login(writable, *EDITOR)
    assert writable.get("/api/search", params={"q": SECRET_WORD}).json()["total"] == 1
    writable.app.state.kb.accounts.set_password(EDITOR[0], "ett-helt-nytt-losenord")
    assert writable.get("/api/search", params={"q": SECRET_WORD}).json()["total"] == 0
