"""Document metadata (title, organisation, year, type, visibility) from a sidecar file or the document.

A sidecar `<name>.meta.yaml` (or `<stem>.meta.yaml`) next to the file wins; otherwise the values
are taken from the file's own metadata, its first heading and its name.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from ingest.model import ConvertedDocument

DOC_TYPES = {
    # word in title or file name -> document type shown in facets
    "verksamhetsplan": "verksamhetsplan",
    "handlingsplan": "handlingsplan",
    "strategi": "strategi",
    "utvecklingsstrategi": "strategi",
    "årsredovisning": "årsredovisning",
    "arsredovisning": "årsredovisning",
    "årsbokslut": "årsredovisning",
    "arsbokslut": "årsredovisning",
    "verksamhetsberättelse": "årsredovisning",
    "projektrapport": "projektrapport",
    "slutrapport": "projektrapport",
    "projekt": "projektrapport",
    "förstudie": "projektrapport",
    "forstudie": "projektrapport",
    "uppföljning": "uppföljning",
    "utvärdering": "uppföljning",
    "rapport": "rapport",
    "mötesanteckningar": "protokoll",
    "motesanteckningar": "protokoll",
    "protokoll": "protokoll",
    "proposition": "författning",
    "prop": "författning",
    "föreskrifter": "författning",
    "afs": "författning",
    "dir": "författning",
    "dom": "dom",
    "stadgar": "stadgar",
    "plan": "plan",
    "riktlinjer": "riktlinjer",
    "guide": "riktlinjer",
    "guiden": "riktlinjer",
}

_YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)")
_JUNK_TITLES = re.compile(r"^(microsoft word|föreskriftens namn|untitled|dokument\d*|namnlös)", re.I)


def sidecar_for(path: Path) -> Path | None:
    for candidate in (
        path.with_name(path.name + ".meta.yaml"),
        path.with_name(path.stem + ".meta.yaml"),
        path.with_name(path.name + ".meta.json"),
        path.with_name(path.stem + ".meta.json"),
    ):
        if candidate.is_file():
            return candidate
    return None


def read_sidecar(path: Path) -> dict:
    sidecar = sidecar_for(path)
    if sidecar is None:
        return {}
    try:
        text = sidecar.read_text(encoding="utf-8")
        data = json.loads(text) if sidecar.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError):
        return {}  # a broken sidecar must not cost us the document; fall back to guessing
    return data if isinstance(data, dict) else {}


def _guess_doc_type(*texts: str) -> str:
    words = re.findall(r"[a-zåäö]+", " ".join(texts).lower())
    for word in words:  # the title's first typed word wins over later ones
        for key, value in DOC_TYPES.items():
            if word == key or (len(key) > 5 and word.endswith(key)):
                return value
    return "övrigt"


def _clean_title(value: str | None) -> str | None:
    if not value:
        return None
    value = " ".join(str(value).split())
    if not value or _JUNK_TITLES.match(value) or len(value) > 200:
        return None
    return value


def resolve(path: Path, converted: ConvertedDocument, extra: dict | None = None) -> dict:
    side = {**read_sidecar(path), **(extra or {})}
    file_meta = converted.metadata or {}
    title = (
        _clean_title(side.get("title"))
        or _clean_title(converted.title)
        or _clean_title(file_meta.get("title"))
        or path.stem.encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("_", " ").replace("-", " ")
    )
    year = side.get("year")
    if not isinstance(year, int):
        found = _YEAR.search(f"{path.stem} {title}") or _YEAR.search(str(file_meta.get("created", "")))
        year = int(found.group(1)) if found else None
    visibility = side.get("visibility", "public")
    if visibility not in ("public", "internal"):
        visibility = "internal"  # unknown value: err on the side of not publishing
    return {
        "title": title,
        "organisation": str(side.get("organisation") or "").strip(),  # PDF "author" is usually a person
        "year": year,
        "doc_type": str(side.get("doc_type") or _guess_doc_type(title, path.stem)),
        "visibility": visibility,
    }
