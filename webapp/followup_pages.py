"""The follow-up view of a goal: /mal/{id}/insatser, the projects that contribute to a goal (a RUS delmål, a
Westum area, a global goal) with owner, period, status, financing and headline results; filterable by
financing, organisation and year; a timeline; downloads as CSV and Excel for the annual report. JSON twins:
?format=json and /api/goals/{id}/projects.

A project contributes to a goal when a passage that speaks of it (one that names it, or any passage of a
report about it) is linked to the goal or to one of its sub-goals: confirmed and explicit links always,
inferred ones from the same score as on goal pages. Only documents the reader may see take part.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from ingest.store.project_cards import GOAL_MIN_SCORE, fold, years_of
from webapp.auth import visibility_for
from webapp.followup_export import csv_bytes, table_rows, xlsx_bytes
from webapp.project_pages import cards_for, period_text
from webapp.templating import respond
from webapp.timeline import timeline
from webapp.urls import urls

router = APIRouter()

GoalId = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,60}:[a-z0-9-]{1,60}$", description="t.ex. rus-vastmanland:delmal-17")]
Text = Annotated[str, Query(max_length=200)]
# A year, or empty: a plain HTML form sends "ar=" when "Alla" is chosen.
Year = Annotated[str, Query(pattern=r"^(?:19\d\d|20\d\d|2100)?$", description="År, t.ex. 2023")]
HEADLINE_RESULTS = 2


def contributing_projects(request: Request, goal) -> dict[str, set[str]]:
    """Per project id: the passages through which it contributes to `goal` (or a sub-goal)."""
    kb = request.app.state.kb
    visibility = visibility_for(request)
    covered = [goal.global_id] + [g.global_id for g in kb.frameworks.descendants(goal)]
    rows = kb.catalogue.passages_for_goals(covered, visibility, min_score=0.0, limit=100_000)
    passages = sorted({r["passage_id"] for r in rows if r["kind"] != "inferred" or r["score"] >= GOAL_MIN_SCORE})
    return kb.catalogue.projects_for_passages(passages, visibility)


def _row(entity: dict, card: dict, via: set[str]) -> dict:
    first, last = years_of(card["period"]["start"], card["period"]["end"])
    return {
        "id": entity["id"], "name": entity["name"], "url": urls.entity(entity["id"]),
        "json_url": urls.api_entity(entity["id"]),
        "owner": card["owner"]["name"] if card["owner"] else None,
        "partners": [p["name"] for p in card["partners"]],
        "period": {k: card["period"][k] for k in ("start", "end", "start_text", "end_text")},
        "period_text": period_text(card["period"]),
        "first_year": first, "last_year": last,
        "status": card["status"],
        "financing": [{"programme": f["programme"], "amount_sek": f["amount_sek"], "total": f["total"]}
                      for f in card["financing"]],
        "target_groups": [t["text"] for t in card["target_groups"]],
        "results": card["results"][:HEADLINE_RESULTS], "result_count": len(card["results"]),
        "passages": len(via), "documents": card["documents"],
    }


def _active_in(row: dict, year: int) -> bool:
    first, last = row["first_year"] or row["last_year"], row["last_year"] or row["first_year"]
    return first is not None and first <= year <= last


def followup(request: Request, goal_id: str, finansiering: str = "", organisation: str = "",
             ar: str | int | None = None) -> dict:
    kb = request.app.state.kb
    ar = int(ar) if ar else None
    goal = kb.frameworks.get(goal_id)
    if goal is None:
        raise HTTPException(404, "Målet finns inte i något målramverk.")
    via = contributing_projects(request, goal)
    entities = [e for e in (kb.catalogue.entity(eid) for eid in via) if e and e["type"] == "project"]
    cards = cards_for(request, entities)
    rows = [_row(e, cards[e["id"]], via[e["id"]]) for e in entities]
    rows.sort(key=lambda r: (-(r["last_year"] or r["first_year"] or 0), r["name"].lower()))
    options = {
        "financing": sorted({f["programme"] for r in rows for f in r["financing"] if f["programme"]}, key=str.lower),
        "organisations": sorted({n for r in rows for n in ([r["owner"]] if r["owner"] else []) + r["partners"]},
                                key=str.lower),
        "years": sorted({y for r in rows for y in range(r["first_year"] or r["last_year"] or 0,
                                                         (r["last_year"] or r["first_year"] or 0) + 1) if y}),
    }
    shown = [r for r in rows
             if (not finansiering or any(fold(f["programme"] or "") == fold(finansiering) for f in r["financing"]))
             and (not organisation or fold(organisation) in {fold(n) for n in [r["owner"] or ""] + r["partners"]})
             and (ar is None or _active_in(r, ar))]
    query = {k: v for k, v in (("finansiering", finansiering), ("organisation", organisation), ("ar", ar)) if v}
    page = urls.followup(goal.global_id, query)
    return {
        **kb.frameworks.goal_json(goal), "url": urls.goal(goal.global_id),
        "followup_url": urls.followup(goal.global_id),
        "downloads": {"csv": urls.followup_download(goal.global_id, "csv", query),
                      "xlsx": urls.followup_download(goal.global_id, "xlsx", query), "json": urls.as_json(page)},
        "ancestors": [{"id": a.global_id, "label": a.display_label, "url": urls.goal(a.global_id)}
                      for a in kb.frameworks.ancestors(goal)],
        "filters": query, "options": options, "total": len(rows), "projects": shown,
    }


@router.get("/api/goals/{goal_id}/projects", tags=["mål"], summary="Insatser som bidrar till ett mål (uppföljning)")
def api_followup(request: Request, goal_id: GoalId, finansiering: Text = "", organisation: Text = "",
                 ar: Year = "") -> JSONResponse:
    return JSONResponse(followup(request, goal_id, finansiering, organisation, ar))


@router.get("/mal/{goal_id}/insatser", response_class=HTMLResponse, tags=["sidor"],
            summary="Uppföljning: insatser som bidrar till ett mål")
def followup_page(request: Request, goal_id: GoalId, finansiering: Text = "", organisation: Text = "",
                  ar: Year = "", format: str = "html"):
    data = followup(request, goal_id, finansiering, organisation, ar)
    return respond(request, data, "followup.html", name="goal", nav="mal", timeline=timeline(data["projects"]))


def _download(request: Request, goal_id: str, finansiering: str, organisation: str, ar: str, kind: str):
    data = followup(request, goal_id, finansiering, organisation, ar)
    rows = table_rows(data["projects"], str(request.base_url).rstrip("/"))
    name = f"insatser-{goal_id.replace(':', '-')}"
    if kind == "csv":
        return Response(csv_bytes(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(xlsx_bytes(rows, data), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


@router.get("/mal/{goal_id}/insatser.csv", tags=["mål"], summary="Insatser som bidrar till ett mål, som CSV")
def followup_csv(request: Request, goal_id: GoalId, finansiering: Text = "", organisation: Text = "",
                 ar: Year = ""):
    return _download(request, goal_id, finansiering, organisation, ar, "csv")


@router.get("/mal/{goal_id}/insatser.xlsx", tags=["mål"], summary="Insatser som bidrar till ett mål, som Excel")
def followup_xlsx(request: Request, goal_id: GoalId, finansiering: Text = "", organisation: Text = "",
                  ar: Year = ""):
    return _download(request, goal_id, finansiering, organisation, ar, "xlsx")
