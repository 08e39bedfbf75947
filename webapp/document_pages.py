"""Documents and passages: /dokument, /d/{id}, /d/{id}/original, /p/{id} and their /api twins."""
from __future__ import annotations

import mimetypes
import re
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse

from webapp.auth import visibility_for
from webapp.serialise import document_json, passage_json
from webapp.templating import templates

router = APIRouter()

DocumentId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Dokument-id, t.ex. d24019876a8")]
PassageId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Stycke-id, t.ex. p2bc6e8db6354")]
NOT_FOUND_DOCUMENT = "Dokumentet finns inte (eller så har du inte behörighet att se det)."
NOT_FOUND_PASSAGE = "Stycket finns inte (eller så har du inte behörighet att se det)."


def visible_document(request: Request, document_id: str):
    """The document if it exists and the asker may see it; 404 otherwise (never reveal internal ones)."""
    doc = request.app.state.kb.catalogue.document(document_id)
    if doc is None or doc.visibility not in visibility_for(request):
        raise HTTPException(404, NOT_FOUND_DOCUMENT)
    return doc


def document_detail(request: Request, doc) -> dict:
    kb = request.app.state.kb
    passages = kb.catalogue.passages(doc.id)
    ids = [p.id for p in passages]
    links = kb.catalogue.links_for_passages(ids)
    entities = kb.catalogue.entities_for_passages(ids)
    data = document_json(doc, passages=len(passages))
    data["sections"] = [dict(s, anchor=f"avsnitt-{s['ord']}") for s in kb.catalogue.sections(doc.id)]
    data["passages"] = [passage_json(p, kb.frameworks, links.get(p.id, []), entities.get(p.id, [])) for p in passages]
    for p, record in zip(data["passages"], passages):
        p["section_ord"] = record.section_ord
    from webapp.example_pages import annotate_document

    annotate_document(request, data, passages)  # section types, good-example marks, the project
    return data


@router.get("/api/documents", tags=["dokument"], summary="Alla dokument du får se")
def api_documents(request: Request) -> JSONResponse:
    kb = request.app.state.kb
    counts = kb.catalogue.passage_counts()
    docs = kb.catalogue.documents(visibility_for(request))
    return JSONResponse({"documents": [document_json(d, passages=counts.get(d.id, 0)) for d in docs]})


@router.get("/dokument", response_class=HTMLResponse, tags=["sidor"], summary="Dokumentlista")
def documents_page(request: Request, format: str = "html"):
    if format == "json":
        return api_documents(request)
    kb = request.app.state.kb
    counts = kb.catalogue.passage_counts()
    docs = kb.catalogue.documents(visibility_for(request))
    return templates.TemplateResponse(request, "documents.html", {"request": request, "documents": docs,
                                                                  "counts": counts, "nav": "dokument"})


@router.get("/api/documents/{document_id}", tags=["dokument"], summary="Ett dokument med avsnitt, stycken, mål och entiteter")
def api_document(request: Request, document_id: DocumentId) -> JSONResponse:
    return JSONResponse(document_detail(request, visible_document(request, document_id)))


@router.get("/d/{document_id}", response_class=HTMLResponse, tags=["sidor"], summary="Dokumentsida")
def document_page(request: Request, document_id: DocumentId,
                  p: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Markerat stycke")] = None,
                  format: str = "html"):
    doc = visible_document(request, document_id)
    detail = document_detail(request, doc)
    if format == "json":
        return JSONResponse(detail)
    sections = {s["ord"]: s for s in detail["sections"]}
    return templates.TemplateResponse(request, "document.html", {
        "request": request, "doc": detail, "sections": sections, "marked": p, "nav": "dokument",
    })


@router.get("/d/{document_id}/original", tags=["dokument"], summary="Originalfilen")
def document_original(request: Request, document_id: DocumentId):
    doc = visible_document(request, document_id)
    kb = request.app.state.kb
    if not doc.original_path:
        raise HTTPException(404, "Originalfilen finns inte sparad.")
    path = (kb.data.root / doc.original_path).resolve()
    if kb.data.root.resolve() not in path.parents or not path.is_file():
        raise HTTPException(404, "Originalfilen finns inte sparad.")
    media_type = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "html": "text/plain; charset=utf-8", "md": "text/plain; charset=utf-8",
                  "txt": "text/plain; charset=utf-8"}.get(doc.format) or mimetypes.guess_type(doc.file_name)[0]
    safe_name = re.sub(r"[^\w.\- ]+", "_", doc.file_name)[:120] or f"{doc.id}.{doc.format}"
    # PDFs open inline so that #page=N works; everything else (HTML included) is a download, never rendered.
    disposition = "inline" if doc.format == "pdf" else "attachment"
    return FileResponse(path, media_type=media_type or "application/octet-stream", filename=safe_name,
                        content_disposition_type=disposition)


def visible_passage(request: Request, passage_id: str):
    kb = request.app.state.kb
    passage = kb.catalogue.passage(passage_id)
    if passage is None:
        raise HTTPException(404, NOT_FOUND_PASSAGE)
    doc = kb.catalogue.document(passage.document_id)
    if doc is None or doc.visibility not in visibility_for(request):
        raise HTTPException(404, NOT_FOUND_PASSAGE)
    return passage, doc


@router.get("/api/passages/{passage_id}", tags=["dokument"], summary="Ett stycke med dokument, mål och entiteter")
def api_passage(request: Request, passage_id: PassageId) -> JSONResponse:
    passage, doc = visible_passage(request, passage_id)
    kb = request.app.state.kb
    links = kb.catalogue.links_for_passages([passage.id]).get(passage.id, [])
    entities = kb.catalogue.entities_for_passages([passage.id]).get(passage.id, [])
    data = passage_json(passage, kb.frameworks, links, entities)
    data["document"] = document_json(doc)
    from search import Filters

    similar = kb.index.more_like_this(passage.id, limit=5, filters=Filters(visibility=visibility_for(request)))
    data["similar"] = [{"passage_id": h.passage_id, "title": h.title, "heading": h.heading, "url": h.url}
                       for h in similar]
    return JSONResponse(data)


@router.get("/p/{passage_id}", tags=["sidor"], summary="Permalänk till ett stycke")
def passage_permalink(request: Request, passage_id: PassageId, format: str = "html"):
    if format == "json":
        return api_passage(request, passage_id)
    passage, doc = visible_passage(request, passage_id)
    return RedirectResponse(f"/d/{doc.id}?p={passage.id}#{passage.id}", status_code=302)
