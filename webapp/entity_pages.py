"""Projects, organisations, places and funding programmes: /entiteter, /entiteter/{id} and /api twins."""
from __future__ import annotations

from collections import OrderedDict
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from ingest.config import GOAL_LINK_SHOWN_MIN
from ingest.enrich.gazetteers import ENTITY_TYPES
from webapp.auth import visibility_for
from webapp.project_pages import project_card
from webapp.templating import respond
from webapp.urls import urls

router = APIRouter()

EntityType = Literal["project", "organisation", "place", "programme"]
EntityId = Annotated[str, Path(min_length=3, max_length=200, description="t.ex. project:digi-60-plus")]


def entity_list(request: Request, entity_type: str | None) -> list[dict]:
    items = request.app.state.kb.catalogue.entities(entity_type, visibility_for(request))
    return [dict(item, url=urls.entity(item["id"])) for item in items]


def entity_detail(request: Request, entity_id: str) -> dict:
    kb = request.app.state.kb
    entity = kb.catalogue.entity(entity_id)
    mentions = kb.catalogue.entity_mentions(entity_id, visibility_for(request)) if entity else []
    if entity is None or not mentions:  # unknown, or mentioned only in documents the asker may not see
        raise HTTPException(404, "Projektet eller aktören finns inte.")
    documents: "OrderedDict[str, dict]" = OrderedDict()
    for m in mentions:
        doc = documents.setdefault(m["document_id"], {"document_id": m["document_id"], "title": m["title"],
                                                       "year": m["year"], "organisation": m["organisation"],
                                                       "url": urls.document(m["document_id"]), "passages": []})
        if not any(p["passage_id"] == m["passage_id"] for p in doc["passages"]):
            doc["passages"].append({"passage_id": m["passage_id"], "url": urls.passage(m["passage_id"]),
                                    "heading": (m["heading_path"] or [""])[-1], "page": m["page_start"],
                                    "text": m["text"], "surface": m["surface"]})
    links = kb.catalogue.links_for_passages(list({m["passage_id"] for m in mentions}))
    goals: dict[str, dict] = {}
    for passage_links in links.values():
        for link in passage_links:
            goal = kb.frameworks.get(link["goal_id"])
            if goal is None or (link["kind"] == "inferred" and link["score"] < GOAL_LINK_SHOWN_MIN):
                continue
            item = goals.setdefault(goal.global_id, {"id": goal.global_id, "label": goal.display_label,
                                                     "level_name": goal.level_name, "url": urls.goal(goal.global_id),
                                                     "passages": 0})
            item["passages"] += 1
    data = {**entity, "url": urls.entity(entity_id), "mentions": len(mentions), "documents": list(documents.values()),
            "goals": sorted(goals.values(), key=lambda g: -g["passages"])[:12]}
    if entity["type"] == "project":  # the project card (webapp/project_pages.py)
        data["card"] = project_card(request, entity)
    return data


@router.get("/api/entities", tags=["entiteter"], summary="Projekt, organisationer, platser och finansiering")
def api_entities(request: Request, type: Annotated[EntityType | None, Query(description="Entitetstyp")] = None):
    return JSONResponse(entity_list(request, type))


@router.get("/entiteter", response_class=HTMLResponse, tags=["sidor"], summary="Projekt och aktörer")
def entities_page(request: Request, type: Annotated[EntityType | None, Query()] = None, format: str = "html"):
    items = entity_list(request, type)
    groups = OrderedDict((t, [i for i in items if i["type"] == t]) for t in ENTITY_TYPES if not type or t == type)
    return respond(request, items, "entities.html", name="items", groups=groups, selected=type, nav="entiteter")


@router.get("/api/entities/{entity_id}", tags=["entiteter"], summary="En entitet med alla omnämnanden")
def api_entity(request: Request, entity_id: EntityId) -> JSONResponse:
    return JSONResponse(entity_detail(request, entity_id))


@router.get("/entiteter/{entity_id}", response_class=HTMLResponse, tags=["sidor"], summary="Entitetssida")
def entity_page(request: Request, entity_id: EntityId, format: str = "html"):
    return respond(request, entity_detail(request, entity_id), "entity.html", name="entity", nav="entiteter")
