"""Plain data passed between converters, the splitter, the catalogue and the search index."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Block:
    """One heading or paragraph as a converter read it, in reading order."""

    text: str
    kind: str = "paragraph"  # "heading" | "paragraph" | "list" | "table"
    level: int = 0  # heading level 1..6; 0 for body text
    page: int | None = None  # 1-based page number (PDF and scanned pages, images; slide in a presentation)


@dataclass
class ConvertedDocument:
    """What a converter returns: clean text blocks plus what it noticed on the way."""

    format: str  # a format of ingest/convert/registry.py: "pdf", "docx", "odt", "png", "txt", ...
    blocks: list[Block]
    title: str | None = None
    pages: int | None = None
    metadata: dict = field(default_factory=dict)  # author, created, ... as found in the file
    warnings: list[str] = field(default_factory=list)  # Swedish, shown to editors
    ocr_pages: list[int] = field(default_factory=list)  # 1-based pages whose text came from OCR


class ConversionError(Exception):
    """A file that cannot be ingested. The message is Swedish and shown to users as is."""


@dataclass
class Section:
    ord: int
    heading: str
    level: int
    path: list[str]  # heading path from the top-level section down to this one
    page: int | None = None


@dataclass
class Passage:
    id: str
    ord: int
    section_ord: int
    heading_path: list[str]
    text: str
    page_start: int | None = None
    page_end: int | None = None

    @property
    def heading(self) -> str:
        return self.heading_path[-1] if self.heading_path else ""
