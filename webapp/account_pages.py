"""Signing in and out, uploads, deletions and link reviews: everything that changes the catalogue."""
from __future__ import annotations

import os
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel

from ingest.convert import registry
from webapp.auth import (DEVICE_COOKIE, DEVICE_SECONDS, SESSION_COOKIE, SESSION_SECONDS, check_csrf, current_user,
                         device_cookie_value, end_session, require_admin, require_editor, session_cookie_value,
                         trusted_device)
from webapp.document_pages import DocumentId, PassageId
from webapp.login_limits import retry_after, wait_message
from webapp.templating import respond, templates, wants_json
from webapp.uploads import ALLOWED_SUFFIXES, UploadJob, safe_file_name
from webapp.urls import urls

router = APIRouter()
CHUNK = 1024 * 1024


# -- sign in / out -------------------------------------------------------------------------------
@router.get("/logga-in", response_class=HTMLResponse, tags=["konto"], summary="Inloggningsformulär")
def login_form(request: Request, next: str = "/"):
    return templates.TemplateResponse(request, "login.html", {"request": request, "next": _safe_next(next),
                                                              "nav": "login", "error": None})


@router.post("/logga-in", tags=["konto"], summary="Logga in")
def login(request: Request, username: Annotated[str, Form(max_length=100)], password: Annotated[str, Form(max_length=1000)],
          csrf: Annotated[str, Form(max_length=200)] = "", next: Annotated[str, Form(max_length=500)] = "/"):
    check_csrf(request, csrf)
    accounts = request.app.state.kb.accounts
    client = request.client.host if request.client else "?"
    outcome = accounts.attempt_login(username, password, client, trusted_device(request))
    if outcome.refused:  # no password was checked: see webapp.login_limits
        return templates.TemplateResponse(request, "login.html", {
            "request": request, "next": _safe_next(next), "nav": "login",
            "error": wait_message(outcome.wait_seconds)}, status_code=429,
            headers={"Retry-After": retry_after(outcome.wait_seconds)})
    user = outcome.user
    if user is None:
        return templates.TemplateResponse(request, "login.html", {
            "request": request, "next": _safe_next(next), "nav": "login",
            "error": "Fel användarnamn eller lösenord."}, status_code=401)
    accounts.audit(user.username, "login", user.username, {"ip": client})
    response = RedirectResponse(_safe_next(next), status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(SESSION_COOKIE, session_cookie_value(request, user.username), max_age=SESSION_SECONDS,
                        httponly=True, samesite="lax", secure=secure)
    response.set_cookie(DEVICE_COOKIE, device_cookie_value(request, user.username, outcome.fingerprint),
                        max_age=DEVICE_SECONDS, path="/logga-in", httponly=True, samesite="strict", secure=secure)
    return response


@router.post("/logga-ut", tags=["konto"], summary="Logga ut")
def logout(request: Request, csrf: Annotated[str, Form(max_length=200)] = ""):
    check_csrf(request, csrf)
    end_session(request)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _safe_next(target: str) -> str:
    """Only local paths: never send a user on to another site after signing in."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


# -- upload --------------------------------------------------------------------------------------
@router.get("/ladda-upp", response_class=HTMLResponse, tags=["dokument"], summary="Uppladdningsformulär")
def upload_form(request: Request):
    if current_user(request) is None:
        return RedirectResponse(urls.login(urls.upload()), status_code=303)
    require_editor(request)
    return templates.TemplateResponse(request, "upload.html", {"request": request, "nav": "upload", "error": None,
                                                               "max_mb": request.app.state.kb.limits.max_file_bytes // (1024 * 1024),
                                                               "formats": registry.supported_sentence(),
                                                               "accept": registry.accept_attribute()})


async def _receive(request: Request, file: UploadFile, visibility: str, meta: dict) -> UploadJob:
    """Store the upload durably and queue it. `visibility` "" keeps a replaced document's own."""
    user = require_editor(request)
    if visibility not in ("public", "internal") and not (visibility == "" and meta.get("replaces")):
        raise HTTPException(422, "Synligheten måste vara 'public' eller 'internal'.")
    name = safe_file_name(file.filename or "")
    if os.path.splitext(name)[1].lower() not in ALLOWED_SUFFIXES:
        raise HTTPException(415, f"Filtypen stöds inte. Ladda upp {registry.supported_sentence()}.")
    kb = request.app.state.kb
    limit = kb.limits.max_file_bytes
    job_id = kb.uploads.new_job_id()
    target = kb.uploads.path_for(job_id, name)
    size = 0
    try:
        out = open(target, "wb")
    except OSError:
        target.parent.rmdir()
        raise HTTPException(422, "Filnamnet kan inte användas. Byt namn på filen och försök igen.") from None
    with out:
        while chunk := await file.read(CHUNK):
            size += len(chunk)
            if size > limit:
                out.close()
                target.unlink(missing_ok=True)
                target.parent.rmdir()
                raise HTTPException(413, f"Filen är större än gränsen på {limit // (1024 * 1024)} MB.")
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())  # durable before we say "received"
    if size == 0:
        target.unlink(missing_ok=True)
        target.parent.rmdir()
        raise HTTPException(422, "Filen är tom.")
    clean_meta = {k: v for k, v in meta.items() if v not in (None, "")}
    job = UploadJob(id=job_id, file_name=name, uploaded_by=user.username, visibility=visibility, meta=clean_meta)
    return kb.uploads.submit(job)


@router.post("/ladda-upp", tags=["dokument"], summary="Ladda upp ett dokument (formulär)")
async def upload(request: Request, file: UploadFile, csrf: Annotated[str, Form(max_length=200)] = "",
                 visibility: Annotated[str, Form()] = "internal", title: Annotated[str, Form(max_length=300)] = "",
                 organisation: Annotated[str, Form(max_length=200)] = "",
                 year: Annotated[int | None, Form(ge=1900, le=2100)] = None):
    require_editor(request)
    check_csrf(request, csrf)
    job = await _receive(request, file, visibility, {"title": title, "organisation": organisation, "year": year})
    if wants_json(request):  # the form's own script, which shows the transfer's progress, asks for JSON
        return JSONResponse(job.to_json(), status_code=202, headers={"Location": urls.upload_status(job.id)})
    return RedirectResponse(urls.upload_status(job.id), status_code=303)


def _replaceable(request: Request, document_id: str):
    doc = request.app.state.kb.catalogue.document(document_id)
    if doc is None:
        raise HTTPException(404, "Dokumentet finns inte.")
    return doc


@router.put("/api/documents/{document_id}", status_code=202, tags=["dokument"],
            summary="Ersätt ett dokuments fil (multipart); tidigare versioner sparas")
async def api_replace(request: Request, document_id: DocumentId, file: UploadFile,
                      visibility: Annotated[str, Form()] = ""):
    require_editor(request)
    check_csrf(request, None)
    _replaceable(request, document_id)
    job = await _receive(request, file, visibility, {"replaces": document_id})
    return JSONResponse(job.to_json(), status_code=202, headers={"Location": urls.api_upload_status(job.id)})


@router.post("/d/{document_id}/ersatt", tags=["dokument"], summary="Ersätt ett dokuments fil (formulär)")
async def replace_form(request: Request, document_id: DocumentId, file: UploadFile,
                       csrf: Annotated[str, Form(max_length=200)] = "", visibility: Annotated[str, Form()] = ""):
    require_editor(request)
    check_csrf(request, csrf)
    _replaceable(request, document_id)
    job = await _receive(request, file, visibility, {"replaces": document_id})
    return RedirectResponse(urls.upload_status(job.id), status_code=303)


@router.post("/api/documents", status_code=202, tags=["dokument"], summary="Ladda upp ett dokument (multipart)")
async def api_upload(request: Request, file: UploadFile, visibility: Annotated[str, Form()] = "internal",
                     title: Annotated[str, Form(max_length=300)] = "",
                     organisation: Annotated[str, Form(max_length=200)] = "",
                     year: Annotated[int | None, Form(ge=1900, le=2100)] = None):
    require_editor(request)
    check_csrf(request, None)
    job = await _receive(request, file, visibility, {"title": title, "organisation": organisation, "year": year})
    return JSONResponse(job.to_json(), status_code=202, headers={"Location": urls.api_upload_status(job.id)})


def _job(request: Request, job_id: str) -> UploadJob:
    require_editor(request)
    job = request.app.state.kb.uploads.get(job_id)
    if job is None:
        raise HTTPException(404, "Uppladdningen finns inte.")
    return job


@router.get("/api/uploads/{job_id}", tags=["dokument"], summary="Status för en uppladdning")
def api_upload_status(request: Request, job_id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]):
    return JSONResponse(_job(request, job_id).to_json())


@router.get("/uppladdningar/{job_id}", response_class=HTMLResponse, tags=["dokument"], summary="Uppladdningsstatus")
def upload_status(request: Request, job_id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")], format: str = "html"):
    job = _job(request, job_id)
    partial = request.headers.get("HX-Request") == "true"
    return respond(request, job.to_json(), "upload_status.html", name="job", nav="upload",
                   partial="_upload_status.html" if partial else None)


# -- delete --------------------------------------------------------------------------------------
def _delete(request: Request, document_id: str) -> None:
    user = require_editor(request)
    kb = request.app.state.kb
    doc = kb.catalogue.document(document_id)
    if doc is None:
        raise HTTPException(404, "Dokumentet finns inte.")
    from ingest.pipeline import Ingester

    Ingester(kb.data, kb.limits, index=kb.index).delete_document(document_id)
    kb.accounts.audit(user.username, "delete", document_id, {"title": doc.title, "file_name": doc.file_name})


@router.delete("/api/documents/{document_id}", status_code=204, tags=["dokument"], summary="Ta bort ett dokument")
def api_delete(request: Request, document_id: DocumentId):
    require_editor(request)
    check_csrf(request, None)
    _delete(request, document_id)
    return JSONResponse(None, status_code=204)


@router.post("/d/{document_id}/ta-bort", tags=["dokument"], summary="Ta bort ett dokument (formulär)")
def delete_form(request: Request, document_id: DocumentId, csrf: Annotated[str, Form(max_length=200)] = ""):
    require_editor(request)
    check_csrf(request, csrf)
    _delete(request, document_id)
    return RedirectResponse(urls.documents(), status_code=303)


# -- link reviews --------------------------------------------------------------------------------
class Review(BaseModel):
    verdict: Literal["confirmed", "rejected"]


@router.post("/granska", tags=["mål"], summary="Bekräfta eller avvisa en målkoppling (formulär)")
def review_form(request: Request, passage_id: Annotated[str, Form(pattern=r"^[A-Za-z0-9_-]{1,64}$")],
                goal_id: Annotated[str, Form(pattern=r"^[a-z0-9-]{1,60}:[a-z0-9-]{1,60}$")],
                verdict: Annotated[Literal["confirmed", "rejected"], Form()],
                csrf: Annotated[str, Form(max_length=200)] = "", next: Annotated[str, Form(max_length=500)] = ""):
    require_editor(request)
    check_csrf(request, csrf)
    _review(request, passage_id, goal_id, verdict)
    if next:  # the reading view sends its own address: back there
        return RedirectResponse(_safe_next(next), status_code=303)
    document_id = request.app.state.kb.catalogue.passage(passage_id).document_id
    return RedirectResponse(urls.document(document_id, passage_id), status_code=303)


def _review(request: Request, passage_id: str, goal_id: str, verdict: str) -> dict:
    user = require_editor(request)
    kb = request.app.state.kb
    if kb.catalogue.passage(passage_id) is None or kb.frameworks.get(goal_id) is None:
        raise HTTPException(404, "Stycket eller målet finns inte.")
    kb.catalogue.review_link(passage_id, goal_id, verdict, user.username)
    kb.accounts.audit(user.username, f"link_{verdict}", passage_id, {"goal_id": goal_id})
    from ingest.store.indexing import index_document

    index_document(kb.catalogue, kb.index, kb.catalogue.passage(passage_id).document_id)  # goal facets follow
    return {"passage_id": passage_id, "goal_id": goal_id, "verdict": verdict, "reviewer": user.username}


@router.put("/api/passages/{passage_id}/goals/{goal_id}", tags=["mål"],
            summary="Bekräfta eller avvisa en målkoppling (överlever ny inläsning)")
def api_review(request: Request, passage_id: PassageId,
               goal_id: Annotated[str, Path(pattern=r"^[a-z0-9-]{1,60}:[a-z0-9-]{1,60}$")], review: Review):
    require_editor(request)
    check_csrf(request, None)
    return _review(request, passage_id, goal_id, review.verdict)


@router.get("/api/audit", tags=["konto"], summary="Granskningslogg (administratörer)")
def api_audit(request: Request, limit: int = 200):
    require_admin(request)
    return JSONResponse({"entries": request.app.state.kb.accounts.audit_entries(max(1, min(limit, 1000)))})
