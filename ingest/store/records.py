"""Typed records the catalogue reads and writes: plain data, no SQL, shared by every catalogue backend."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone

VISIBILITIES = ("public", "internal")
CHANGE_KINDS = ("content", "metadata", "visibility", "analysis", "review", "deleted")
OVERRIDABLE_FIELDS = ("title", "organisation", "year", "doc_type")


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _known(cls, data: dict) -> dict:
    """Only the columns the record has: a newer schema may add columns an older record does not know."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


@dataclass
class DocumentRecord:
    id: str
    source_path: str
    file_name: str
    sha256: str
    title: str
    format: str = ""
    size_bytes: int = 0
    organisation: str = ""
    year: int | None = None
    doc_type: str = ""
    visibility: str = "public"
    pages: int | None = None
    original_path: str | None = None
    warnings: list[str] = field(default_factory=list)
    ingested_at: str = ""
    revision: int = 0  # seq of the document's latest change in the catalogue's change feed
    analysis_fingerprint: str = ""  # the knowledge (frameworks, gazetteers, analysis) its links came from
    content_hash: str = ""  # of what the index shows: passages, visibility, metadata, links, entities
    conversion_fingerprint: str = ""  # the converters and metadata rules it was read with
    ocr_pages: list[int] = field(default_factory=list)  # pages whose text came from OCR

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "DocumentRecord":
        data = _known(cls, dict(row))
        data["warnings"] = json.loads(data.get("warnings") or "[]")
        data["ocr_pages"] = json.loads(data.get("ocr_pages") or "[]")
        return cls(**data)


@dataclass
class PassageRecord:
    id: str
    document_id: str
    ord: int
    section_ord: int
    heading_path: list[str]
    page_start: int | None
    page_end: int | None
    text: str

    @property
    def heading(self) -> str:
        return self.heading_path[-1] if self.heading_path else ""

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "PassageRecord":
        data = _known(cls, dict(row))
        data["heading_path"] = json.loads(data["heading_path"])
        return cls(**data)


@dataclass(frozen=True)
class Change:
    """One entry of the change feed: document `document_id` was written (`kind`) as revision `seq`."""

    seq: int
    document_id: str
    kind: str
    at: str


@dataclass(frozen=True)
class DocumentVersion:
    document_id: str
    revision: int
    sha256: str
    file_name: str
    format: str | None
    size_bytes: int | None
    original_path: str | None
    ingested_at: str
    ingested_by: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "DocumentVersion":
        return cls(**_known(cls, dict(row)))
