"""Jinja2 environment: autoescaping on, Swedish helpers, no inline scripts."""
from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlencode

from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from ingest.convert.doc_types import doc_type_names
from ingest.enrich.gazetteers import TYPE_NAMES
from webapp.serialise import entity_url, goal_url

TEMPLATES_DIR = Path(__file__).parent / "templates"

def _auth_context(request):
    from webapp.auth import template_context

    return template_context(request)


templates = Jinja2Templates(directory=str(TEMPLATES_DIR), context_processors=[_auth_context])
env = templates.env
env.autoescape = True

DOC_TYPE_NAMES = doc_type_names()  # corpus/doc_types.yaml: the one list of document types and their names
KIND_NAMES = {"explicit": "uttrycklig", "inferred": "föreslagen", "confirmed": "bekräftad"}


def percent(score: float) -> str:
    return f"{round(float(score) * 100)} %"


def query_string(params: dict, **changes) -> str:
    """`params` with some values changed or removed (None), as ?a=1&b=2 (lists repeat the key)."""
    merged = {**params, **changes}
    pairs = []
    for key, value in merged.items():
        if value in (None, "", [], False):
            continue
        for item in value if isinstance(value, (list, tuple)) else [value]:
            pairs.append((key, item))
    return "?" + urlencode(pairs) if pairs else ""


def safe_snippet(snippet: str) -> Markup:
    """Snippets come from the search engine escaped, with <mark> around matches. Escape again and
    restore only <mark>, so that no other markup can ever pass through."""
    escaped = html.escape(html.unescape(snippet or ""))
    return Markup(re.sub(r"&lt;(/?)mark&gt;", r"<\1mark>", escaped))


env.filters["percent"] = percent
env.filters["goal_url"] = goal_url
env.filters["entity_url"] = entity_url
env.filters["snippet"] = safe_snippet
env.globals["query_string"] = query_string
env.globals["TYPE_NAMES"] = TYPE_NAMES
env.globals["DOC_TYPE_NAMES"] = DOC_TYPE_NAMES
env.globals["KIND_NAMES"] = KIND_NAMES
