"""Editors correct a document: its title, organisation, year and type, and its visibility; earlier
versions of its file stay downloadable. Every change is audited and bumps the document's revision, so
the index and the other servers follow (see ingest/store/follower.py)."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field

from webapp.auth import check_csrf, require_editor
from webapp.document_pages import DocumentId, serve_original, visible_document
from webapp.templating import DOC_TYPE_NAMES
from webapp.urls import urls

router = APIRouter()

MSG_BAD_TYPE = "Okänd dokumenttyp."


class Correction(BaseModel):
    """Fields left out are not changed."""

    title: str | None = Field(None, min_length=1, max_length=300)
    organisation: str | None = Field(None, max_length=200)
    year: int | None = Field(None, ge=1900, le=2100)
    doc_type: str | None = Field(None, max_length=60)
    visibility: Literal["public", "internal"] | None = None


def apply_correction(request: Request, document_id: str, correction: Correction) -> dict:
    user = require_editor(request)
    kb = request.app.state.kb
    doc = visible_document(request, document_id)
    changes = {k: v for k, v in correction.model_dump().items() if v is not None}
    if "doc_type" in changes and changes["doc_type"] not in DOC_TYPE_NAMES:
        raise HTTPException(422, MSG_BAD_TYPE)
    visibility = changes.pop("visibility", None)
    done: dict[str, dict] = {}
    for field, value in changes.items():
        value = " ".join(value.split()) if isinstance(value, str) else value
        if value != getattr(doc, field):
            kb.catalogue.set_override(doc.id, field, value, user.username)
            done[field] = {"from": getattr(doc, field), "to": value}
    if visibility and visibility != doc.visibility:
        kb.catalogue.set_visibility(doc.id, visibility)
        done["visibility"] = {"from": doc.visibility, "to": visibility}
    if done:
        action = "document.publish" if done.get("visibility", {}).get("to") == "public" else "document.correct"
        kb.accounts.audit(user.username, action, doc.id, done)
    return done


@router.patch("/api/documents/{document_id}", tags=["dokument"],
              summary="Rätta titel, organisation, år, typ eller synlighet (redaktörer; loggas)")
def api_correct(request: Request, document_id: DocumentId, correction: Correction) -> JSONResponse:
    require_editor(request)
    check_csrf(request, None)
    changed = apply_correction(request, document_id, correction)
    return JSONResponse({"changed": changed, "url": urls.api_document(document_id)})


@router.post("/d/{document_id}/uppgifter", tags=["dokument"], summary="Rätta dokumentets uppgifter (formulär)")
def correct_form(request: Request, document_id: DocumentId, csrf: Annotated[str, Form(max_length=200)] = "",
                 title: Annotated[str, Form(max_length=300)] = "",
                 organisation: Annotated[str, Form(max_length=200)] = "",
                 year: Annotated[str, Form(max_length=4)] = "",
                 doc_type: Annotated[str, Form(max_length=60)] = "",
                 visibility: Annotated[str, Form(max_length=10)] = ""):
    require_editor(request)
    check_csrf(request, csrf)
    if year and not year.isdigit():
        raise HTTPException(422, "Året ska skrivas med fyra siffror.")
    try:
        correction = Correction(title=title or None, organisation=organisation or None,
                                year=int(year) if year else None, doc_type=doc_type or None,
                                visibility=visibility or None)
    except ValueError:
        raise HTTPException(422, "Någon av uppgifterna har ett ogiltigt värde.") from None
    apply_correction(request, document_id, correction)
    return RedirectResponse(urls.document(document_id), status_code=303)


@router.get("/d/{document_id}/versioner/{revision}/original", tags=["dokument"],
            summary="En tidigare versions originalfil (redaktörer)")
def version_original(request: Request, document_id: DocumentId, revision: Annotated[int, Path(ge=0)]):
    require_editor(request)
    doc = visible_document(request, document_id)
    for version in request.app.state.kb.catalogue.versions(doc.id):
        if version.revision == revision:
            return serve_original(request, version.original_path, version.file_name, version.format, doc.id)
    raise HTTPException(404, "Versionen finns inte.")
