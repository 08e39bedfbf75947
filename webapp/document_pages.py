"""Documents and passages: /dokument, /d/{id}, /d/{id}/original, /p/{id} (the reading view a shared link
opens) and their /api twins."""
from __future__ import annotations

import mimetypes
import re
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from ingest.convert import registry
from webapp.auth import current_user, visibility_for
from webapp.serialise import document_json, passage_json
from webapp.templating import first_sentence, respond
from webapp.urls import urls

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
    data["versions"] = versions_json(request, doc)
    from webapp.example_pages import annotate_document

    annotate_document(request, data, passages)  # section types, good-example marks, the project
    return data


def versions_json(request: Request, doc) -> list[dict]:
    editor = (user := current_user(request)) is not None and user.can_edit
    out = []
    for version in request.app.state.kb.catalogue.versions(doc.id):
        item = {"revision": version.revision, "file_name": version.file_name, "format": version.format,
                "size_bytes": version.size_bytes, "ingested_at": version.ingested_at,
                "current": version.sha256 == doc.sha256}
        if editor:  # who uploaded, and the older files themselves, are for editors
            item["ingested_by"] = version.ingested_by
            item["original_url"] = urls.version_original(doc.id, version.revision) if version.original_path else None
        out.append(item)
    return out


def document_list(request: Request) -> dict:
    kb = request.app.state.kb
    counts = kb.catalogue.passage_counts()
    docs = kb.catalogue.documents(visibility_for(request))
    return {"documents": [document_json(d, passages=counts.get(d.id, 0)) for d in docs]}


@router.get("/api/documents", tags=["dokument"], summary="Alla dokument du får se")
def api_documents(request: Request) -> JSONResponse:
    return JSONResponse(document_list(request))


@router.get("/dokument", response_class=HTMLResponse, tags=["sidor"], summary="Dokumentlista")
def documents_page(request: Request, format: str = "html"):
    return respond(request, document_list(request), "documents.html", name="listing", nav="dokument")


@router.get("/api/documents/{document_id}", tags=["dokument"], summary="Ett dokument med avsnitt, stycken, mål och entiteter")
def api_document(request: Request, document_id: DocumentId) -> JSONResponse:
    return JSONResponse(document_detail(request, visible_document(request, document_id)))


@router.get("/d/{document_id}", response_class=HTMLResponse, tags=["sidor"], summary="Dokumentsida")
def document_page(request: Request, document_id: DocumentId,
                  p: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Markerat stycke")] = None,
                  format: str = "html"):
    detail = document_detail(request, visible_document(request, document_id))
    return respond(request, detail, "document.html", name="doc", sections={s["ord"]: s for s in detail["sections"]},
                   marked=p, nav="dokument")


@router.get("/d/{document_id}/original", tags=["dokument"], summary="Originalfilen")
def document_original(request: Request, document_id: DocumentId):
    doc = visible_document(request, document_id)
    return serve_original(request, doc.original_path, doc.file_name, doc.format, doc.id)


def serve_original(request: Request, original_path: str | None, file_name: str, fmt: str | None,
                   document_id: str) -> FileResponse:
    """A kept original (of the current or an earlier version), never from outside the data dir."""
    kb = request.app.state.kb
    if not original_path:
        raise HTTPException(404, "Originalfilen finns inte sparad.")
    path = (kb.data.root / original_path).resolve()
    if kb.data.root.resolve() not in path.parents or not path.is_file():
        raise HTTPException(404, "Originalfilen finns inte sparad.")
    # HTML is served as plain text, never rendered; every type comes from the converter registry
    media_type = registry.media_type(fmt) or mimetypes.guess_type(file_name)[0]
    safe_name = re.sub(r"[^\w.\- ]+", "_", file_name)[:120] or f"{document_id}.{fmt}"
    # PDFs open inline so that #page=N works (images too); everything else (HTML included) is a download.
    disposition = "inline" if registry.serves_inline(fmt) else "attachment"
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


def passage_detail(request: Request, passage, doc) -> dict:
    """A passage with its document, where it sits (headings, neighbours, page in the original) and what
    it links to: the reading view and /api/passages/{id} show the same."""
    kb = request.app.state.kb
    links = kb.catalogue.links_for_passages([passage.id]).get(passage.id, [])
    entities = kb.catalogue.entities_for_passages([passage.id]).get(passage.id, [])
    data = passage_json(passage, kb.frameworks, links, entities)
    data["document"] = document_json(doc)
    data["summary"] = first_sentence(passage.text)
    data["document_url"] = urls.document(doc.id, passage.id)  # the whole document, this passage marked
    data["original_page_url"] = (urls.original(doc.id, passage.page_start if doc.format == "pdf" else None)
                                 if doc.original_path else None)
    anchors = {tuple(s["path"]): f"avsnitt-{s['ord']}" for s in kb.catalogue.sections(doc.id)}
    data["headings"] = [{"heading": h, "url": (urls.document(doc.id) + "#" + anchors[tuple(passage.heading_path[:i + 1])]
                                               if tuple(passage.heading_path[:i + 1]) in anchors else None)}
                        for i, h in enumerate(passage.heading_path)]
    siblings = kb.catalogue.passages(doc.id)
    position = next((i for i, p in enumerate(siblings) if p.id == passage.id), None)
    for key, step in (("previous", -1), ("next", 1)):
        near = siblings[position + step] if position is not None and 0 <= position + step < len(siblings) else None
        data[key] = {"id": near.id, "heading": near.heading, "url": urls.passage(near.id)} if near else None
    from search import Filters

    similar = kb.index.more_like_this(passage.id, limit=5, filters=Filters(visibility=visibility_for(request)))
    data["similar"] = [{"passage_id": h.passage_id, "title": h.title, "heading": h.heading, "url": urls.passage(h.passage_id)}
                       for h in similar]
    return data


@router.get("/api/passages/{passage_id}", tags=["dokument"], summary="Ett stycke med dokument, mål och entiteter")
def api_passage(request: Request, passage_id: PassageId) -> JSONResponse:
    return JSONResponse(passage_detail(request, *visible_passage(request, passage_id)))


def goal_choices(frameworks) -> list[dict]:
    """The goals an editor may add a link to, per framework (the levels passages link to)."""
    from ingest.enrich.goals import LINK_LEVELS
    from webapp.goal_data import full_name

    out = []
    for fw in frameworks.frameworks.values():
        goals = [{"id": g.global_id, "label": full_name(g)}
                 for g in frameworks.iter_goals(fw.id) if g.level in LINK_LEVELS and g.level != "vision"]
        if goals:
            out.append({"name": fw.name, "goals": goals})
    return out


@router.get("/p/{passage_id}", response_class=HTMLResponse, tags=["sidor"],
            summary="Permalänk till ett stycke: dokumentets titel, rubriker och stycket överst")
def passage_page(request: Request, passage_id: PassageId, format: str = "html"):
    detail = passage_detail(request, *visible_passage(request, passage_id))
    editor = (user := current_user(request)) is not None and user.can_edit
    return respond(request, detail, "passage.html", name="passage", nav="dokument",
                   page_url=str(request.url.replace(query="", fragment="")),
                   goal_choices=goal_choices(request.app.state.kb.frameworks) if editor else None)
