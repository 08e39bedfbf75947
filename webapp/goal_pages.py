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

from ingest.config import GOAL_LINK_SHOWN_MIN
from ingest.enrich.goals import Goal
from ingest.enrich.linking import link_json
from webapp import goal_map
from webapp.auth import current_user, visibility_for
from webapp.budgets import LINK_CHARS
from webapp.goal_charts import year_chart
from webapp.goal_data import counted_by_words, frameworks_json, full_name, goal_node, goal_stats
from webapp.templating import respond
from webapp.urls import urls

router = APIRouter()

GoalId = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,60}:[a-z0-9-]{1,60}$", description="t.ex. rus-vastmanland:delmal-17")]
MAX_LISTED = 300  # passages listed on one goal page (strongest first); the counts always count them all


def goals_overview(request: Request) -> dict:
    kb = request.app.state.kb
    stats = goal_stats(kb, visibility_for(request))
    return {"frameworks": frameworks_json(kb.frameworks, stats, urls)}


def _listed_passages(kb, goal: Goal, stats, visibility, min_score: float) -> list[dict]:
    """The passages that contribute to the goal, each once with its strongest link, strongest first."""
    members = stats.passage_ids(goal.global_id)
    if not members:
        return []
    anchor = kb.frameworks.linkable(goal) if counted_by_words(goal) else goal
    covered = [anchor] + kb.frameworks.descendants(anchor)
    rows = kb.catalogue.passages_for_goals([g.global_id for g in covered], visibility, min_score=min_score,
                                           limit=20 * MAX_LISTED)
    best: dict[str, dict] = {}
    for row in rows:
        if row["passage_id"] not in members:
            continue
        current = best.get(row["passage_id"])
        if current is None or (_kind_rank(row["kind"]), row["score"]) > (_kind_rank(current["kind"]), current["score"]):
            best[row["passage_id"]] = row
    return sorted(best.values(), key=lambda r: (-_kind_rank(r["kind"]), -r["score"]))


def goal_detail(request: Request, goal_id: str, min_score: float) -> dict:
    kb = request.app.state.kb
    goal = kb.frameworks.get(goal_id)
    if goal is None:
        raise HTTPException(404, "Målet finns inte i något målramverk.")
    visibility = visibility_for(request)
    stats = goal_stats(kb, visibility, min_score)
    ranked = _listed_passages(kb, goal, stats, visibility, min_score)
    words_used = stats.words_used.get(goal.global_id, {})
    documents: "OrderedDict[str, dict]" = OrderedDict()
    for row in ranked[:MAX_LISTED]:
        via = kb.frameworks.get(row["goal_id"])
        doc = documents.setdefault(row["document_id"], {
            "document_id": row["document_id"], "title": row["title"], "organisation": row["organisation"],
            "year": row["year"], "url": urls.document(row["document_id"]), "passages": []})
        doc["passages"].append({
            "passage_id": row["passage_id"], "url": urls.passage(row["passage_id"]),
            "heading": (row["heading_path"] or [""])[-1], "page": row["page_start"], "text": row["text"],
            "score": round(row["score"], 4), "kind": row["kind"], "evidence": row["evidence"],
            # the goal linker's structured evidence, once the catalogue keeps it: [{"text", "marks"}], "liknar: …"
            "evidence_sentences": row.get("evidence_sentences") or [], "resembles": row.get("resembles"),
            "via_goal_id": row["goal_id"],
            "via_label": full_name(via) if via and via.global_id != goal.global_id else None,
            "goal_words": words_used.get(row["passage_id"], []),
        })
    entity_counts: dict[str, dict] = {}
    for ents in kb.catalogue.entities_for_passages([r["passage_id"] for r in ranked]).values():
        for e in ents:
            item = entity_counts.setdefault(e["id"], {**e, "url": urls.entity(e["id"]), "passages": 0})
            item["passages"] += 1
    organisations = sorted({d["organisation"] for d in documents.values() if d["organisation"]}
                           | {e["name"] for e in entity_counts.values() if e["type"] == "organisation"})
    projects = sorted((e for e in entity_counts.values() if e["type"] == "project"), key=lambda e: (-e["passages"], e["name"]))
    counts = stats.counts(goal.global_id)
    anchor = kb.frameworks.linkable(goal)
    goal_and_below = [goal] + kb.frameworks.descendants(goal)
    from webapp.example_pages import goal_examples

    return {
        **goal_node(kb.frameworks, stats, goal, urls),
        "good_examples": goal_examples(request, goal, [g.global_id for g in goal_and_below]),
        "phrases": goal.phrases,
        "source": kb.frameworks.frameworks[goal.framework].source,
        "ancestors": [{"id": a.global_id, "label": a.display_label, "level_name": a.level_name, "url": urls.goal(a.global_id)}
                      for a in kb.frameworks.ancestors(goal)],
        "children": [goal_node(kb.frameworks, stats, kb.frameworks.get(cid), urls) for cid in goal.children],
        "min_score": min_score,
        "documents": list(documents.values()),
        "passage_count": counts["passages"],
        "document_count": counts["documents"],
        "project_count": counts["projects"],
        "listed_passages": min(len(ranked), MAX_LISTED),
        "years": stats.years(goal.global_id),
        "search_url": urls.search(goal=(anchor or goal).global_id),
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
    data = goals_overview(request)
    return respond(request, data, "goals.html", name="overview", nav="mal", goal_map=map_of(data["frameworks"]))


def map_of(frameworks: list[dict]) -> list[dict]:
    """The goal map of these framework trees (activities are left to their area's page)."""
    return goal_map.layout([{**fw, "goals": [_pruned(g) for g in fw["goals"]]} for fw in frameworks])


def _pruned(node: dict) -> dict:
    return {**node, "children": [_pruned(c) for c in node["children"] if c["level"] not in goal_map.SKIP_LEVELS]}


MinScore = Annotated[float, Query(ge=0.0, le=1.0, description="Lägsta poäng för föreslagna kopplingar")]


@router.get("/api/goals/{goal_id}", tags=["mål"], summary="Ett mål med allt som bidrar till det")
def api_goal(request: Request, goal_id: GoalId, min: MinScore = GOAL_LINK_SHOWN_MIN) -> JSONResponse:
    return JSONResponse(goal_detail(request, goal_id, min))


@router.get("/mal/{goal_id}", response_class=HTMLResponse, tags=["sidor"], summary="Målsida")
def goal_page(request: Request, goal_id: GoalId, min: MinScore = GOAL_LINK_SHOWN_MIN, format: str = "html"):
    data = goal_detail(request, goal_id, min)
    chart_max = max([c["documents"] for c in data["children"]] + [1])
    return respond(request, data, "goal.html", name="goal", chart_max=chart_max, nav="mal",
                   default_min=GOAL_LINK_SHOWN_MIN, year_chart=year_chart(data["years"]))


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
    LINK_CHARS.charge(request, len(body.text) + sum(len(h) for h in body.heading_path))
    links = kb.linker.link(body.text, body.heading_path, top_k=body.limit)
    return JSONResponse({"links": [link_json(link) for link in links]})
