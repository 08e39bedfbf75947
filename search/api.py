"""The public face of search: what callers give the engine and what they get back.

ingest/ and webapp/ import only from `search` (this module re-exported by search/__init__.py),
never from the Whoosh modules, so another engine can replace Whoosh behind the same names.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class IndexDoc:
    """One passage as the index sees it: its text plus the document fields used for filters."""

    passage_id: str
    document_id: str
    title: str  # document title
    heading: str  # nearest section heading
    heading_path: list[str]
    text: str
    page: int | None = None
    ord: int = 0  # position of the passage in its document
    organisation: str = ""
    doc_type: str = ""
    year: int | None = None
    visibility: str = "public"  # "public" | "internal"
    goal_ids: list[str] = field(default_factory=list)  # e.g. "rus-vm:delmal-17", "westum:omrade-1"
    entity_ids: list[str] = field(default_factory=list)
    section_type: str = ""  # the passage's part of a report: "resultat", "lardomar", … ("" none)
    good_example: bool = False  # an editor marked it (or its project) as a good example
    state: str = ""  # the catalogue's version of the document this passage was read from (opaque here)


@dataclass
class Filters:
    organisation: list[str] = field(default_factory=list)
    doc_type: list[str] = field(default_factory=list)
    year: list[int] = field(default_factory=list)
    goal: list[str] = field(default_factory=list)
    entity: list[str] = field(default_factory=list)
    section_type: list[str] = field(default_factory=list)
    document_id: str | None = None
    visibility: tuple[str, ...] = ("public",)  # what the asker may see; enforced inside the query
    # documents never shown, whatever the index holds (set by the engine for callers who may not see
    # internal documents: those the catalogue says are internal although the index may lag behind)
    exclude_documents: frozenset[str] = frozenset()
    # not a filter: score multipliers for passages with a field value, ("section_type", "resultat", 2.0)
    # or ("good_example", "1", 2.0); what the "goda exempel" mode ranks first
    prefer: tuple[tuple[str, str, float], ...] = ()


@dataclass
class Hit:
    passage_id: str
    document_id: str
    title: str
    heading: str
    page: int | None
    snippet: str  # HTML: escaped text with <mark> around matched terms
    text: str
    score: float
    url: str  # "/p/{passage_id}"
    more_in_document: int = 0  # other matching passages folded under this one when grouping
    section_type: str = ""  # see IndexDoc.section_type


@dataclass
class SearchResults:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[dict]]  # {"organisation": [{"value": ..., "count": n}, ...], ...}
    suggestion: str | None = None  # "menade du …?"
    message: str | None = None  # Swedish, e.g. why the query was empty or simplified
    offset: int = 0
    limit: int = 10
    total_documents: int | None = None  # distinct documents among the `total` matching passages

    def to_json(self) -> dict:
        data = asdict(self)
        data["hits"] = [asdict(hit) for hit in self.hits]
        return data
