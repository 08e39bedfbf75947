"""Good examples: /goda-exempel (HTML, ?format=json, /api/good-examples and an Atom feed, all per goal with
?mal=), editors' "gott exempel" marks on passages and projects (forms and JSON), and the section-type
and good-example parts of document and goal pages.

Every list is built from what the asker may see (`visibility_for`): a mark on a passage of an internal
document is never shown to anonymous users, in HTML, JSON or Atom.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Annotated, Literal
from urllib.parse import quote
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from ingest.enrich.section_types import classify, document_headings
from ingest.store.example_queries import MAX_MOTIVATION_CHARS
from webapp.auth import check_csrf, current_user, require_editor, visibility_for
from webapp.example_search import DOCUMENT_GOAL_MIN_SCORE, GOAL_MIN_SCORE, mark_json, section_label
from webapp.templating import env, respond
from webapp.urls import urls

router = APIRouter()

GoalParam = Annotated[str | None, Query(pattern=r"^[a-z0-9-]{1,60}:[a-z0-9-]{1,60}$",
                                        description="Mål-id, t.ex. natverk-westum:omrade-1 (med delmål)")]
PASSAGE_ID = r"^[A-Za-z0-9_-]{1,64}$"
PROJECT_ID = r"^project:[\w+.-]{1,150}$"
NOT_FOUND = "Stycket eller projektet finns inte (eller så har du inte behörighet att se det)."
GOAL_PAGE_EXAMPLES = 6
ATOM_NS = "http://www.w3.org/2005/Atom"
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

env.globals["section_label"] = section_label


# -- the list of good examples -------------------------------------------------------------------
def _goal_ids_of(kb, item: dict) -> list[str]:
    documents = [d.id for d in item["documents"]]
    if item["kind"] == "passage":
        own = kb.catalogue.goal_ids_for_passages([item["target_id"]], GOAL_MIN_SCORE).get(item["target_id"], [])
        if own:
            return own
    per_doc = kb.catalogue.document_goal_ids(documents, DOCUMENT_GOAL_MIN_SCORE)
    return list(dict.fromkeys(g for d in documents for g in per_doc.get(d, [])))


def _with_ancestors(kb, goal_ids: list[str]) -> set[str]:
    out: set[str] = set()
    for goal_id in goal_ids:
        goal = kb.frameworks.get(goal_id)
        if goal is not None:
            out.add(goal.global_id)
            out.update(a.global_id for a in kb.frameworks.ancestors(goal))
    return out


def good_examples(request: Request, goal_id: str | None = None) -> list[dict]:
    """The marks the asker may see, newest first, as JSON; with `goal_id`, those serving it or a sub-goal."""
    kb = request.app.state.kb
    signed_in = current_user(request) is not None
    out = []
    for item in kb.catalogue.good_examples(visibility_for(request)):
        goal_ids = _goal_ids_of(kb, item)
        if goal_id and goal_id not in _with_ancestors(kb, goal_ids):
            continue
        docs = item["documents"]
        entry = {**mark_json(item, signed_in),
                 "url": urls.passage(item["target_id"]) if item["kind"] == "passage" else urls.entity(item["target_id"]),
                 "documents": [{"id": d.id, "title": d.title, "organisation": d.organisation, "year": d.year,
                                "url": urls.document(d.id)} for d in docs],
                 "goals": [{"goal_id": g.global_id, "label": g.display_label, "url": urls.goal(g.global_id),
                            "examples_url": urls.good_examples(g.global_id)}
                           for g in (kb.frameworks.get(x) for x in goal_ids) if g is not None and g.level != "vision"]}
        if item["kind"] == "passage":
            passage = item["passage"]
            heading = (passage["heading_path"] or [""])[-1]
            entry["passage"] = {"id": passage["id"], "heading": heading, "text": passage["text"],
                                "page": passage["page_start"], "section_type": passage["section_type"] or "",
                                "section_label": section_label(passage["section_type"] or "")}
            project = kb.catalogue.main_projects([docs[0].id]).get(docs[0].id)
            entry["project"] = dict(project, url=urls.entity(project["id"])) if project else None
            source = project["name"] if project else docs[0].title
            entry["title"] = f"{source} – {heading}" if heading and heading != source else source
        else:
            project = item["project"] or {"id": item["target_id"], "name": item["target_id"]}
            entry["title"] = project["name"]
            entry["project"] = {"id": project["id"], "name": project["name"], "url": urls.entity(project["id"])}
        entry["owner"] = docs[0].organisation
        entry["year"] = max((d.year for d in docs if d.year), default=None)
        out.append(entry)
    return out


def _goal_or_404(request: Request, goal_id: str | None):
    if goal_id is None:
        return None
    goal = request.app.state.kb.frameworks.get(goal_id)
    if goal is None:
        raise HTTPException(404, "Målet finns inte i något målramverk.")
    return goal


def good_examples_data(request: Request, goal_id: str | None) -> dict:
    """What /goda-exempel shows, and its JSON twin: the examples newest first, and the same grouped by the
    top-level goal area they serve."""
    goal = _goal_or_404(request, goal_id)
    examples = good_examples(request, goal_id)
    kb = request.app.state.kb
    by_area: dict[str, dict] = {}
    for entry in examples:  # grouped by their first goal's top-level area; newest first within each
        first = kb.frameworks.get(entry["goals"][0]["goal_id"]) if entry["goals"] else None
        area = next((a for a in [*kb.frameworks.ancestors(first), first] if a.level != "vision"), first) if first else None
        group = by_area.setdefault(area.global_id if area else "", {"goal": _goal_json(area), "examples": []})
        group["examples"].append(entry)
    areas = sorted(by_area.values(), key=lambda g: (g["goal"] is None, g["goal"]["label"] if g["goal"] else ""))
    return {"goal": _goal_json(goal), "examples": examples, "areas": areas,
            "feed_url": urls.good_examples_feed(goal_id), "json_url": urls.api_good_examples(goal_id)}


def _goal_json(goal) -> dict | None:
    return {"goal_id": goal.global_id, "label": goal.display_label, "url": urls.goal(goal.global_id),
            "examples_url": urls.good_examples(goal.global_id)} if goal else None


@router.get("/api/good-examples", tags=["goda exempel"], summary="Goda exempel, nyast först (?mal= för ett mål)")
def api_good_examples(request: Request, mal: GoalParam = None) -> JSONResponse:
    return JSONResponse(good_examples_data(request, mal))


@router.get("/goda-exempel", response_class=HTMLResponse, tags=["sidor"],
            summary="Goda exempel per mål (HTML; ?format=json ger JSON)")
def good_examples_page(request: Request, mal: GoalParam = None, format: str = "html"):
    return respond(request, good_examples_data(request, mal), "good_examples.html", name="page", nav="exempel")


@router.get("/goda-exempel.atom", tags=["goda exempel"], summary="Goda exempel som Atom-flöde (?mal= för ett mål)")
def good_examples_feed(request: Request, mal: GoalParam = None) -> Response:
    goal = _goal_or_404(request, mal)
    examples = good_examples(request, mal)
    base = str(request.base_url).rstrip("/")
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "sv"})
    own = urls.good_examples_feed(mal)
    _sub(feed, "id", f"{base}{own}")
    _sub(feed, "title", "Goda exempel" + (f": {goal.display_label}" if goal else "") + " – Kunskapsbanken")
    _sub(feed, "updated", _atom_time(examples[0]["marked_at"] if examples else None))
    _sub(feed, "link", rel="self", href=f"{base}{own}")
    _sub(feed, "link", rel="alternate", type="text/html",
         href=base + urls.good_examples(mal))
    author = _sub(feed, "author")
    _sub(author, "name", "Kunskapsbanken")
    for entry in examples:
        item = _sub(feed, "entry")
        _sub(item, "id", f"{base}/goda-exempel/{entry['kind']}/{quote(entry['target_id'], safe=':')}")
        _sub(item, "title", entry["title"])
        _sub(item, "updated", _atom_time(entry["marked_at"]))
        _sub(item, "link", rel="alternate", type="text/html", href=base + entry["url"])
        who = ", ".join(str(x) for x in (entry["owner"], entry["year"]) if x)
        _sub(item, "summary", f"{entry['motivation']}" + (f" ({who})" if who else ""))
        for goal_item in entry["goals"]:
            _sub(item, "category", term=goal_item["goal_id"], label=goal_item["label"])
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def _sub(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: str(v) for k, v in attrs.items()})
    if text is not None:
        element.text = XML_INVALID.sub("", text)  # what XML 1.0 cannot carry, whatever a file held
    return element


def _atom_time(value: str | None) -> str:
    if not value:
        return "2000-01-01T00:00:00Z"
    return datetime.fromisoformat(value).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


# -- marking -------------------------------------------------------------------------------------
class Mark(BaseModel):
    motivation: str = Field(..., min_length=1, max_length=MAX_MOTIVATION_CHARS,
                            description="En rad om varför det är ett gott exempel")


def _check_target(kind: str, target_id: str) -> None:
    if not re.match(PASSAGE_ID if kind == "passage" else PROJECT_ID, target_id):
        raise HTTPException(422, "Ogiltigt stycke- eller projekt-id.")


def _mark(request: Request, kind: str, target_id: str, motivation: str | None) -> dict:
    """Mark (motivation given) or unmark; re-indexes the documents touched so the boost follows at once."""
    user = require_editor(request)
    _check_target(kind, target_id)
    kb = request.app.state.kb
    if motivation is not None:
        if not " ".join(motivation.split()):
            raise HTTPException(422, "Skriv en kort motivering till varför det är ett gott exempel.")
        documents = kb.catalogue.mark_good_example(kind, target_id, motivation, user.username)
    else:
        documents = kb.catalogue.unmark_good_example(kind, target_id, user.username)
    if documents is None:
        raise HTTPException(404, NOT_FOUND)
    if documents:
        from ingest.store.indexing import index_documents

        index_documents(kb.catalogue, kb.index, documents, kb.frameworks)
    mark = kb.catalogue.good_example_mark(kind, target_id)
    return {"kind": kind, "target_id": target_id, "marked": mark is not None,
            "good_example": mark_json(mark, True), "documents": documents}


MarkKind = Annotated[Literal["passage", "project"], Path(description="passage eller project")]
TargetId = Annotated[str, Path(min_length=1, max_length=160, description="Stycke-id eller projekt-id (project:…)")]


@router.put("/api/good-examples/{kind}/{target_id}", tags=["goda exempel"],
            summary="Markera ett stycke eller projekt som gott exempel (redaktörer; loggas)")
def api_mark(request: Request, kind: MarkKind, target_id: TargetId, mark: Mark) -> JSONResponse:
    require_editor(request)
    check_csrf(request, None)
    return JSONResponse(_mark(request, kind, target_id, mark.motivation))


@router.delete("/api/good-examples/{kind}/{target_id}", tags=["goda exempel"],
               summary="Ta bort en markering som gott exempel (redaktörer; loggas)")
def api_unmark(request: Request, kind: MarkKind, target_id: TargetId) -> JSONResponse:
    require_editor(request)
    check_csrf(request, None)
    return JSONResponse(_mark(request, kind, target_id, None))


@router.post("/goda-exempel/markera", tags=["goda exempel"], summary="Markera eller avmarkera (formulär)")
def mark_form(request: Request, kind: Annotated[Literal["passage", "project"], Form()],
              target_id: Annotated[str, Form(min_length=1, max_length=160)],
              action: Annotated[Literal["markera", "avmarkera"], Form()] = "markera",
              motivation: Annotated[str, Form(max_length=MAX_MOTIVATION_CHARS)] = "",
              document_id: Annotated[str, Form(pattern=PASSAGE_ID)] = "",
              csrf: Annotated[str, Form(max_length=200)] = ""):
    require_editor(request)
    check_csrf(request, csrf)
    _mark(request, kind, target_id, motivation if action == "markera" else None)
    if not document_id:
        return RedirectResponse(urls.good_examples(), status_code=303)
    target = urls.document(document_id, target_id) if kind == "passage" else urls.document(document_id) + "#goda-exempel"
    return RedirectResponse(target, status_code=303)


# -- document and goal pages ---------------------------------------------------------------------
def annotate_document(request: Request, data: dict, passages) -> None:
    """Section types on the document's sections (for the table of contents) and passages, the marks the
    asker may see, and the project the document reports on (additive keys of /api/documents/{id})."""
    kb = request.app.state.kb
    signed_in = current_user(request) is not None
    types = kb.catalogue.section_types_for_passages([p.id for p in passages])
    marks = kb.catalogue.marks_for_passages([p.id for p in passages])
    first: dict[int, str] = {}
    for p in passages:
        first.setdefault(p.section_ord, types.get(p.id, ""))
    skip = document_headings(passages, data.get("title", ""))
    for section in data.get("sections", []):  # a section with no text of its own: what its headings say
        kind = first[section["ord"]] if section["ord"] in first else classify(section["path"], "", skip=skip)
        section["section_type"], section["section_label"] = kind, section_label(kind)
    for item in data.get("passages", []):
        kind = types.get(item["id"], "")
        item["section_type"], item["section_label"] = kind, section_label(kind)
        own = marks.get(item["id"])
        item["good_example"] = mark_json(own, signed_in) if own and own["kind"] == "passage" else None
    project = kb.catalogue.main_projects([data["id"]]).get(data["id"])
    if project:
        project_mark = kb.catalogue.good_example_mark("project", project["id"])
        data["project"] = {**project, "url": urls.entity(project["id"]),
                           "good_example": mark_json(project_mark, signed_in)}
    else:
        data["project"] = None


def goal_examples(request: Request, goal, covered_ids: list[str]) -> dict:
    """'Goda exempel för det här målet': the marked examples first, then the best result and lesson
    passages linked to the goal or its sub-goals."""
    kb = request.app.state.kb
    marked = good_examples(request, goal.global_id)
    shown = [t for t in ("resultat", "lardomar")]
    rows = kb.catalogue.typed_passages_for_goals(covered_ids, shown, visibility_for(request), GOAL_MIN_SCORE,
                                                 limit=GOAL_PAGE_EXAMPLES * 2)
    marked_ids = {e["target_id"] for e in marked}
    passages = [{"passage_id": r["passage_id"], "url": urls.passage(r["passage_id"]), "title": r["title"],
                 "organisation": r["organisation"], "year": r["year"], "heading": (r["heading_path"] or [""])[-1],
                 "section_type": r["section_type"], "section_label": section_label(r["section_type"]),
                 "text": r["text"], "score": round(r["score"], 4)}
                for r in rows if r["passage_id"] not in marked_ids][:GOAL_PAGE_EXAMPLES]
    return {"marked": marked[:GOAL_PAGE_EXAMPLES], "passages": passages,
            "more_url": urls.good_examples(goal.global_id)}
