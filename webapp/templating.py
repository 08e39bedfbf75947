"""Jinja2 environment and `respond`: one page's data rendered as HTML, or given as its JSON twin.

Autoescaping is on, Swedish helpers (plural agreement, first sentence) are filters, and no template
may hold an inline script or style (the CSP forbids them).
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from fastapi import Request
from fastapi.responses import JSONResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from ingest.convert.doc_types import doc_type_names
from ingest.enrich.gazetteers import TYPE_NAMES
from webapp.urls import query_string, urls

TEMPLATES_DIR = Path(__file__).parent / "templates"


def _auth_context(request):
    from webapp.auth import template_context

    return template_context(request)


templates = Jinja2Templates(directory=str(TEMPLATES_DIR), context_processors=[_auth_context])
env = templates.env
env.autoescape = True

DOC_TYPE_NAMES = doc_type_names()  # corpus/doc_types.yaml: the one list of document types and their names
KIND_NAMES = {"explicit": "uttrycklig", "inferred": "föreslagen", "confirmed": "bekräftad"}


# -- HTML or JSON from the same data ---------------------------------------------------------------
def wants_json(request: Request) -> bool:
    """/api/..., ?format=json, or a client whose first choice is application/json."""
    path = request.url.path
    if path.startswith("/api/") or path in ("/healthz", "/openapi.json"):
        return True
    requested = request.query_params.get("format")
    if requested:
        return requested == "json"
    first = request.headers.get("accept", "").split(",")[0].split(";")[0].strip().lower()
    return first == "application/json"


def is_htmx_for(request: Request, target: str) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == target


def respond(request: Request, data, template: str, *, name: str = "data", partial: str | None = None,
            status_code: int = 200, headers: dict | None = None, **context):
    """`data` as JSON for the page's twin, or `template` rendered with that very `data` (as `data` and as
    `name`). `context` holds only how to show it (menu item, chart scale), never more items to list,
    so the JSON always holds what the page shows. `partial` is the template htmx asks for."""
    if wants_json(request):
        return JSONResponse(data, status_code=status_code, headers=headers)
    page = {"request": request, "data": data, name: data, **context}
    return templates.TemplateResponse(request, partial or template, page, status_code=status_code, headers=headers)


# -- Swedish helpers -------------------------------------------------------------------------------
def count(n, singular: str, plural: str) -> str:
    """ "1 träff", "2 träffar", "0 träffar": the number with the word that agrees with it."""
    return f"{n} {singular if n == 1 else plural}"


SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'”»(]?[A-ZÅÄÖ0-9])")


def first_sentence(text: str, max_chars: int = 200) -> str:
    """The first sentence of a passage, for link previews (<meta name=description>, Open Graph)."""
    text = re.sub(r"\s+", " ", text or "").strip()
    sentence = SENTENCE_END.split(text, maxsplit=1)[0]
    if len(sentence) > max_chars:
        cut = sentence[:max_chars].rsplit(" ", 1)[0]
        sentence = cut.rstrip(",;:–- ") + "…"
    return sentence


def percent(score: float) -> str:
    return f"{round(float(score) * 100)} %"


def safe_snippet(snippet: str) -> Markup:
    """Snippets come from the search engine escaped, with <mark> around matches. Escape again and
    restore only <mark>, so that no other markup can ever pass through."""
    escaped = html.escape(html.unescape(snippet or ""))
    return Markup(re.sub(r"&lt;(/?)mark&gt;", r"<\1mark>", escaped))


def marked_sentence(sentence) -> Markup:
    """An evidence sentence {"text", "marks": [[start, end], ...]} with its matched words in <mark>;
    everything escaped, marks outside the text or overlapping an earlier one ignored."""
    text = str((sentence or {}).get("text", ""))
    out, at = [], 0
    for mark in sorted((sentence or {}).get("marks") or [], key=lambda m: m[0] if m else 0):
        try:
            start, end = int(mark[0]), int(mark[1])
        except (TypeError, ValueError, IndexError):
            continue
        if start < at or end <= start or end > len(text):
            continue
        out += [html.escape(text[at:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        at = end
    out.append(html.escape(text[at:]))
    return Markup("".join(out))


env.filters["percent"] = percent
env.filters["antal"] = count  # {{ n | antal("träff", "träffar") }}
env.filters["first_sentence"] = first_sentence
env.filters["snippet"] = safe_snippet
env.filters["marked"] = marked_sentence  # {{ sentence | marked }}: the goal linker's evidence
env.globals["urls"] = urls
env.globals["query_string"] = query_string
env.globals["TYPE_NAMES"] = TYPE_NAMES
env.globals["DOC_TYPE_NAMES"] = DOC_TYPE_NAMES
env.globals["KIND_NAMES"] = KIND_NAMES
