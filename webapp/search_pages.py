"""Search: the start page, /sok (HTML, an htmx partial, or ?format=json) and /api/search."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from search import Filters, SearchResults
from search.api import MAX_QUERY_CHARS as ENGINE_QUERY_CHARS
from webapp import example_search, goal_map
from webapp.auth import current_user, visibility_for
from webapp.budgets import QUERY_CHARS
from webapp.goal_data import frameworks_json, goal_stats
from webapp.serialise import document_json
from webapp.templating import DOC_TYPE_NAMES, is_htmx_for, respond
from webapp.urls import urls

router = APIRouter()

MAX_QUERY_CHARS = 20_000  # longer is not a query; the engine itself reads only the first part
FACET_NAMES = {"organisation": "Organisation", "doc_type": "Dokumenttyp", "year": "År", "goal": "Mål",
               "entity": "Projekt och aktörer", "section_type": "Typ av avsnitt"}
FACET_PARAMS = {"organisation": "org", "doc_type": "type", "year": "year", "goal": "goal", "entity": "entity",
                "section_type": "section"}


class SearchParams:
    """The parameters of /sok and /api/search (the same names in both, and in saved links)."""

    def __init__(
        self,
        q: Annotated[str, Query(max_length=MAX_QUERY_CHARS, description="Sökfråga; \"fras\" och -uteslut")] = "",
        limit: Annotated[int, Query(ge=1, le=100, description="Träffar per sida")] = 10,
        offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
        page: Annotated[int | None, Query(ge=1, le=1000, description="Sida (1-baserad); ersätter offset")] = None,
        org: Annotated[list[str], Query(description="Organisation")] = [],
        type: Annotated[list[str], Query(description="Dokumenttyp")] = [],
        year: Annotated[list[int], Query(description="År")] = [],
        goal: Annotated[list[str], Query(description="Mål-id, t.ex. rus-vastmanland:delmal-17")] = [],
        entity: Annotated[list[str], Query(description="Entitets-id, t.ex. project:digi-60-plus")] = [],
        document: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$",
                                              description="Bara stycken ur ett dokument (dokument-id)")] = None,
        all: Annotated[bool, Query(description="Visa alla stycken, inte ett per dokument")] = False,
        section: Annotated[list[str], Query(max_length=40, description="Typ av avsnitt, t.ex. resultat, lardomar")] = [],
        mode: Annotated[str, Query(pattern=r"^(goda-exempel)?$",
                                   description="goda-exempel: resultat och lärdomar ur projektrapporter först, "
                                               "grupperat per projekt")] = "",
    ):
        self.q = q
        self.limit = limit
        self.offset = (page - 1) * limit if page else offset
        self.org, self.type, self.year, self.goal, self.entity = org, type, year, goal, entity
        self.document = document
        self.all = all
        self.section, self.mode = section, mode

    @property
    def good_examples(self) -> bool:
        return self.mode == example_search.MODE

    @property
    def grouped(self) -> bool:
        """One hit per document, unless every passage is asked for or the search is inside one document."""
        return not (self.all or self.document)

    def filters(self, visibility: tuple[str, ...]) -> Filters:
        return Filters(organisation=self.org, doc_type=self.type, year=self.year, goal=self.goal,
                       entity=self.entity, section_type=self.section, document_id=self.document,
                       visibility=visibility)

    def as_dict(self) -> dict:
        """For building links: the current search with one thing changed."""
        return {"q": self.q, "org": self.org, "type": self.type, "year": self.year, "goal": self.goal,
                "entity": self.entity, "section": self.section, "mode": self.mode or None,
                "document": self.document, "all": "1" if self.all else None,
                "limit": self.limit if self.limit != 10 else None}

    @property
    def has_filters(self) -> bool:
        return any([self.org, self.type, self.year, self.goal, self.entity, self.section, self.document])


def run_search(request: Request, params: SearchParams) -> SearchResults:
    kb = request.app.state.kb
    filters = params.filters(visibility_for(request))
    if not params.q.strip() and not params.has_filters:
        return SearchResults(query=params.q, total=0, hits=[], facets={}, offset=params.offset, limit=params.limit)
    QUERY_CHARS.charge(request, min(len(params.q), ENGINE_QUERY_CHARS))  # what the engine reads of it
    if params.good_examples:
        filters = example_search.mode_filters(filters)
    return kb.index.search(params.q, filters, limit=params.limit, offset=params.offset, group=params.grouped)


def search_json(request: Request, params: SearchParams, results: SearchResults) -> dict:
    """The search as JSON; hits carry their section label and good-example mark, and the good-examples
    mode adds its groups (additive keys: the contract of `kunskapsbank search --json` is kept)."""
    data = results.to_json()
    signed_in = current_user(request) is not None
    example_search.decorate_hits(request.app.state.kb, data["hits"], signed_in)
    if params.good_examples:
        data["mode"] = example_search.MODE
        data["groups"], data["total_groups"] = example_groups(request, params, results)
    return data


def example_groups(request: Request, params: SearchParams, results: SearchResults) -> tuple[list[dict], int]:
    if not results.total:
        return [], 0
    return example_search.example_groups(request.app.state.kb, params.q, params.filters(visibility_for(request)),
                                         params.offset, params.limit, current_user(request) is not None)


def _page_count(results: SearchResults, params: SearchParams) -> int:
    """Grouped results show one hit per document, so pages are counted in documents then."""
    shown = results.total if not params.grouped or results.total_documents is None else results.total_documents
    return -(-shown // params.limit) if shown else 0


def facet_label(kb, field: str, value) -> str:
    if field == "goal":
        goal = kb.frameworks.get(str(value))
        return goal.display_label if goal else str(value)
    if field == "entity":
        entity = kb.catalogue.entity(str(value))
        return entity["name"] if entity else str(value)
    if field == "doc_type":
        return DOC_TYPE_NAMES.get(str(value), str(value))
    if field == "section_type":
        return example_search.section_label(str(value)) or str(value)
    return str(value)


def document_filter(request: Request, params: SearchParams) -> dict | None:
    """The document a search is limited to, named only if the asker may see it."""
    if not params.document:
        return None
    doc = request.app.state.kb.catalogue.document(params.document)
    if doc is None or doc.visibility not in visibility_for(request):
        return {"id": params.document, "title": "okänt dokument", "url": None}
    return {"id": doc.id, "title": doc.title, "url": urls.document(doc.id)}


def facets_shown(request: Request, params: SearchParams, results: SearchResults) -> list[dict]:
    kb = request.app.state.kb
    facets = []
    for field, values in results.facets.items():
        param = FACET_PARAMS.get(field)
        if not param or not values:
            continue
        selected = [str(v) for v in getattr(params, param)]
        if field == "goal":  # every linked passage serves a vision: as a filter it would narrow nothing
            values = [v for v in values if (g := kb.frameworks.get(str(v["value"]))) is None or g.level != "vision"]
        items = [{"value": v["value"], "count": v["count"], "label": facet_label(kb, field, v["value"]),
                  "selected": str(v["value"]) in selected} for v in values[:12]]
        facets.append({"field": field, "param": param, "name": FACET_NAMES.get(field, field), "items": items})
    return facets


@router.get("/api/search", tags=["sök"], summary="Sök i stycken (samma objekt som `kunskapsbank search --json`)")
def api_search(request: Request, params: Annotated[SearchParams, Depends()]) -> JSONResponse:
    return JSONResponse(search_json(request, params, run_search(request, params)))


@router.get("/sok", response_class=HTMLResponse, tags=["sidor"], summary="Sökresultat (HTML; ?format=json ger JSON)")
def search_page(request: Request, params: Annotated[SearchParams, Depends()], format: str = "html"):
    results = run_search(request, params)
    data = search_json(request, params, results)
    pages = _page_count(results, params)
    if params.good_examples:  # pages count groups (projects)
        pages = -(-data["total_groups"] // params.limit)
    return respond(request, data, "search.html", name="results",
                   partial="_results.html" if is_htmx_for(request, "resultat") else None,
                   params=params, facets=facets_shown(request, params, results), current=params.as_dict(),
                   document_filter=document_filter(request, params),
                   page_number=params.offset // params.limit + 1, pages=pages, nav="sok")


RECENT_DOCUMENTS = 6


def start_data(request: Request) -> dict:
    """The newest documents, and each goal framework down to its goals with what contributes to each part
    (the goal map's data; the same counts as /mal and /api/goals)."""
    kb = request.app.state.kb
    visibility = visibility_for(request)
    docs = sorted(kb.catalogue.documents(visibility), key=lambda d: d.ingested_at, reverse=True)
    frameworks = frameworks_json(kb.frameworks, goal_stats(kb, visibility), urls, skip_levels=goal_map.SKIP_LEVELS)
    return {"documents": [document_json(d) for d in docs[:RECENT_DOCUMENTS]], "document_count": len(docs),
            "frameworks": frameworks}


@router.get("/", response_class=HTMLResponse, tags=["sidor"], summary="Startsida")
def start_page(request: Request, format: str = "html"):
    data = start_data(request)
    return respond(request, data, "start.html", name="start", goal_map=goal_map.layout(data["frameworks"]))
