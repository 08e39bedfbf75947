"""Goals: /mal (all frameworks as trees), /mal/{goal_id} (what contributes to a goal), their /api twins,
and POST /api/link (the same as `kunskapsbank link`)."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict, defaultdict, deque
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from ingest.enrich.goals import Goal
from ingest.enrich.linking import link_json
from webapp.auth import current_user, visibility_for
from webapp.templating import respond
from webapp.urls import urls

router = APIRouter()

GOAL_PAGE_MIN_SCORE = 0.4  # weaker inferred links are shown only on request (?min=0.25)
GoalId = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,60}:[a-z0-9-]{1,60}$", description="t.ex. rus-vastmanland:delmal-17")]


def _tree(kb, goal: Goal, counts: dict) -> dict:
    c = counts.get(goal.global_id, {"passages": 0, "documents": 0})
    return {**kb.frameworks.goal_json(goal), "url": urls.goal(goal.global_id), "passages": c["passages"],
            "documents": c["documents"],
            "children": [_tree(kb, kb.frameworks.get(cid), counts) for cid in goal.children]}


def goals_overview(request: Request) -> dict:
    kb = request.app.state.kb
    counts = kb.catalogue.goal_link_counts(visibility_for(request), GOAL_PAGE_MIN_SCORE)
    return {"frameworks": [
        {"id": fw.id, "name": fw.name, "short_name": fw.short_name, "owner": fw.owner, "source": fw.source,
         "goals": [_tree(kb, kb.frameworks.get(root), counts) for root in fw.roots]}
        for fw in kb.frameworks.frameworks.values()
    ]}


def goal_detail(request: Request, goal_id: str, min_score: float) -> dict:
    kb = request.app.state.kb
    goal = kb.frameworks.get(goal_id)
    if goal is None:
        raise HTTPException(404, "Målet finns inte i något målramverk.")
    visibility = visibility_for(request)
    counts = kb.catalogue.goal_link_counts(visibility, min_score)
    covered = [goal] + kb.frameworks.descendants(goal)
    rows = kb.catalogue.passages_for_goals([g.global_id for g in covered], visibility, min_score=min_score)
    # One passage may link to the goal and to a sub-goal: keep its strongest link.
    best: dict[str, dict] = {}
    for row in rows:
        current = best.get(row["passage_id"])
        if current is None or (_kind_rank(row["kind"]), row["score"]) > (_kind_rank(current["kind"]), current["score"]):
            best[row["passage_id"]] = row
    documents: "OrderedDict[str, dict]" = OrderedDict()
    for row in sorted(best.values(), key=lambda r: (-_kind_rank(r["kind"]), -r["score"])):
        via = kb.frameworks.get(row["goal_id"])
        doc = documents.setdefault(row["document_id"], {
            "document_id": row["document_id"], "title": row["title"], "organisation": row["organisation"],
            "year": row["year"], "url": urls.document(row["document_id"]), "passages": []})
        doc["passages"].append({
            "passage_id": row["passage_id"], "url": urls.passage(row["passage_id"]), "heading": (row["heading_path"] or [""])[-1],
            "page": row["page_start"], "text": row["text"], "score": round(row["score"], 4), "kind": row["kind"],
            "evidence": row["evidence"], "via_goal_id": row["goal_id"],
            "via_label": via.display_label if via and via.global_id != goal.global_id else None,
        })
    passage_ids = list(best)
    entity_counts: dict[str, dict] = {}
    for pid, ents in kb.catalogue.entities_for_passages(passage_ids).items():
        for e in ents:
            item = entity_counts.setdefault(e["id"], {**e, "url": urls.entity(e["id"]), "passages": 0})
            item["passages"] += 1
    organisations = sorted({d["organisation"] for d in documents.values() if d["organisation"]}
                           | {e["name"] for e in entity_counts.values() if e["type"] == "organisation"})
    projects = sorted((e for e in entity_counts.values() if e["type"] == "project"), key=lambda e: -e["passages"])
    children = []
    for cid in goal.children:
        child = kb.frameworks.get(cid)
        sub = [child] + kb.frameworks.descendants(child)
        c = counts.get(cid, {"passages": 0, "documents": 0})
        total = sum(counts.get(g.global_id, {}).get("passages", 0) for g in sub)
        children.append({**kb.frameworks.goal_json(child), "url": urls.goal(cid), "passages": total,
                         "documents": c["documents"]})
    return {
        **kb.frameworks.goal_json(goal),
        "url": urls.goal(goal.global_id),
        "phrases": goal.phrases,
        "ancestors": [{"id": a.global_id, "label": a.display_label, "level_name": a.level_name, "url": urls.goal(a.global_id)}
                      for a in kb.frameworks.ancestors(goal)],
        "children": children,
        "min_score": min_score,
        "documents": list(documents.values()),
        "passage_count": len(best),
        "projects": projects,
        "organisations": organisations,
    }


def _kind_rank(kind: str) -> int:
    return {"confirmed": 2, "explicit": 1}.get(kind, 0)


@router.get("/api/goals", tags=["mål"], summary="Alla målramverk som träd, med antal kopplade stycken")
def api_goals(request: Request) -> JSONResponse:
    return JSONResponse(goals_overview(request))


@router.get("/mal", response_class=HTMLResponse, tags=["sidor"], summary="Målöversikt")
def goals_page(request: Request, format: str = "html"):
    return respond(request, goals_overview(request), "goals.html", name="overview", nav="mal")


MinScore = Annotated[float, Query(ge=0.0, le=1.0, description="Lägsta poäng för föreslagna kopplingar")]


@router.get("/api/goals/{goal_id}", tags=["mål"], summary="Ett mål med allt som bidrar till det")
def api_goal(request: Request, goal_id: GoalId, min: MinScore = GOAL_PAGE_MIN_SCORE) -> JSONResponse:
    return JSONResponse(goal_detail(request, goal_id, min))


@router.get("/mal/{goal_id}", response_class=HTMLResponse, tags=["sidor"], summary="Målsida")
def goal_page(request: Request, goal_id: GoalId, min: MinScore = GOAL_PAGE_MIN_SCORE, format: str = "html"):
    data = goal_detail(request, goal_id, min)
    chart_max = max([c["passages"] for c in data["children"]] + [1])
    return respond(request, data, "goal.html", name="goal", chart_max=chart_max, nav="mal",
                   default_min=GOAL_PAGE_MIN_SCORE)


class LinkRequest(BaseModel):
    text: str = Field(..., min_length=1, max_length=100_000, description="Text att koppla till mål")
    heading_path: list[str] = Field(default_factory=list, max_length=10)
    limit: int = Field(10, ge=1, le=50)


class _RateLimit:
    """At most `per_minute` calls per client address in any 60 s (sliding window), in this process."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._calls: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            calls = self._calls[key]
            while calls and now - calls[0] > 60:
                calls.popleft()
            if len(calls) >= self.per_minute:
                return False
            calls.append(now)
            if len(self._calls) > 10_000:  # forget idle clients
                for stale in [k for k, v in self._calls.items() if not v]:
                    del self._calls[stale]
            return True


ANONYMOUS_LINK_LIMIT = _RateLimit(per_minute=30)  # linking costs CPU; signed-in staff and tokens are not limited


@router.post("/api/link", tags=["mål"], summary="Koppla en text till mål (samma som `kunskapsbank link`)")
def api_link(request: Request, body: LinkRequest) -> JSONResponse:
    kb = request.app.state.kb
    if current_user(request) is None and not ANONYMOUS_LINK_LIMIT.allow(request.client.host if request.client else "?"):
        raise HTTPException(429, "För många anrop. Vänta en minut, eller använd en API-nyckel.",
                            headers={"Retry-After": "60"})
    links = kb.linker.link(body.text, body.heading_path, top_k=body.limit)
    return JSONResponse({"links": [link_json(link) for link in links]})
