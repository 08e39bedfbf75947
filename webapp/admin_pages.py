"""The admin page (/admin) and its API: retrain the goal linker from people's verdicts in the background,
with its status, one run at a time (`ingest/retrain.py`)."""
from __future__ import annotations

import logging
import os
import threading
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from webapp.auth import check_csrf, current_user, require_admin
from webapp.templating import respond, wants_json
from webapp.urls import urls

log = logging.getLogger(__name__)
router = APIRouter()

STATUS_NAMES = {"running": "pågår", "done": "klar", "failed": "misslyckades"}


def retrain_json(run: dict | None) -> dict | None:
    if run is None:
        return None
    return {"id": run["id"], "status": run["status"], "status_name": STATUS_NAMES.get(run["status"], run["status"]),
            "requested_by": run["requested_by"], "started_at": run["started_at"], "trained_at": run["trained_at"],
            "finished_at": run["finished_at"], "verdicts": run["verdicts"], "documents_total": run["documents_total"],
            "documents_done": run["documents_done"], "message": run["message"]}


def admin_data(request: Request) -> dict:
    catalogue = request.app.state.kb.catalogue
    return {"retrain": retrain_json(catalogue.retrain_run()), "verdicts": catalogue.verdict_counts(),
            "model_in_use": catalogue.goal_model_in_use(), "status_url": urls.api_retrain()}


def _start(request: Request) -> dict:
    """Claim the retrain slot and run it on a thread of this process; 409 when one is running anywhere."""
    from ingest import retrain

    user = require_admin(request)
    kb = request.app.state.kb
    try:
        run_id = retrain.start(kb.data, user.username)
    except retrain.RetrainBusy as exc:
        raise HTTPException(409, str(exc)) from exc
    kb.accounts.audit(user.username, "goal_model_retrain", str(run_id), {})

    def work() -> None:
        try:  # this thread only (Linux): searches stay quick while it trains and relinks
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except (OSError, AttributeError):
            pass
        try:
            retrain.retrain(kb.data, user.username, run_id=run_id, index=kb.index)
        except Exception:  # recorded in the run's row; the server carries on
            log.exception("goal linker retrain %s failed", run_id)

    threading.Thread(target=work, name=f"goal-retrain-{run_id}", daemon=True).start()
    return retrain_json(kb.catalogue.retrain_run(run_id))


@router.get("/admin", response_class=HTMLResponse, tags=["admin"], summary="Administration (administratörer)")
def admin_page(request: Request, format: str = "html"):
    if current_user(request) is None and not wants_json(request):
        return RedirectResponse(urls.login(urls.admin()), status_code=303)
    require_admin(request)
    return respond(request, admin_data(request), "admin.html", name="admin", nav="admin")


@router.get("/admin/status", response_class=HTMLResponse, include_in_schema=False)
def admin_status(request: Request):
    """The status block alone (htmx polls it while a retrain runs)."""
    require_admin(request)
    return respond(request, admin_data(request), "admin.html", name="admin", partial="_retrain_status.html")


@router.post("/admin/trana-om", tags=["admin"], summary="Träna om måltolkningen (formulär)")
def retrain_form(request: Request, csrf: Annotated[str, Form(max_length=200)] = ""):
    require_admin(request)
    check_csrf(request, csrf)
    try:
        _start(request)
    except HTTPException as exc:
        if exc.status_code != 409:
            raise
        return respond(request, {**admin_data(request), "error": exc.detail}, "admin.html", name="admin",
                       nav="admin", status_code=409)
    return RedirectResponse(urls.admin(), status_code=303)


@router.post("/api/admin/goals/retrain", status_code=202, tags=["admin"],
             summary="Träna om måltolkningen med alla bedömningar och koppla om katalogen (i bakgrunden)")
def api_retrain(request: Request) -> JSONResponse:
    require_admin(request)
    check_csrf(request, None)
    return JSONResponse({"retrain": _start(request), "status_url": urls.api_retrain()}, status_code=202)


@router.get("/api/admin/goals/retrain", tags=["admin"], summary="Senaste omträningen av måltolkningen")
def api_retrain_status(request: Request) -> JSONResponse:
    require_admin(request)
    return JSONResponse(admin_data(request))
