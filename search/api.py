"""The public face of search: what callers give a search backend, what they get back, and what a backend must do.

ingest/ and webapp/ import only from `search` (this module and `SearchIndex`, re-exported by
search/__init__.py), never from the Whoosh modules. A backend (`SearchBackend`) deals in data only: no
URLs, no Swedish text. `search.present` adds those (`Hit.url`, `SearchResults.message`) in one place for
every caller, and `search.engine.SearchIndex` is the façade that puts a backend and the presentation
together, so another engine can replace Whoosh without ingest/ or webapp/ noticing.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Callable, Iterable, Mapping, Protocol, runtime_checkable

# Every backend reads at most this much of a query (the rest is dropped with NOTICE_TRUNCATED).
MAX_QUERY_CHARS = 400
MAX_QUERY_TERMS = 12

# Notices: why results look the way they do, as codes (SearchResults.notices); search.present words them.
NOTICE_EMPTY = "empty_query"  # nothing to search for
NOTICE_ONLY_STOP_WORDS = "only_stop_words"  # only words too common to search for (och, att, för)
NOTICE_ONLY_EXCLUDED = "only_excluded_words"  # only minus words
NOTICE_TRUNCATED = "truncated"  # the query was cut to MAX_QUERY_CHARS / MAX_QUERY_TERMS
NOTICE_NO_EXACT = "no_exact_matches"  # no passage has all the words: every hit is partial
NOTICE_TIMED_OUT = "timed_out"  # matching was cut short: results may be incomplete
NOTICE_SHOWING_SUGGESTION = "showing_suggestion"  # nothing matched: these are results for `suggestion`
NOTICE_FAILED = "failed"  # the search failed (logged); no results


class SearchUnavailable(RuntimeError):
    """Search cannot run in this installation (e.g. the Swedish word list is missing). The message is
    Swedish and says what to do; programs that start the service stop with it instead of running
    with a search that silently works worse."""


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
    """Which passages a search may return. Values within a field are alternatives (OR); fields combine (AND)."""

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

    @property
    def narrows(self) -> bool:
        """True when a field other than visibility limits the passages (a query may then be empty: browse)."""
        return bool(self.organisation or self.doc_type or self.year or self.goal or self.entity or self.section_type
                    or self.document_id)


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
    url: str = ""  # "/p/{passage_id}"; filled by search.present, never by a backend
    more_in_document: int = 0  # other matching passages folded under this one when grouping
    partial: bool = False  # lacks some of the query's words: listed after every hit that has them all
    missing: list[str] = field(default_factory=list)  # for a partial hit: the query's words it lacks, as typed
    section_type: str = ""  # see IndexDoc.section_type

    def to_json(self) -> dict:
        """The hit as JSON-ready data, keys in field order; a copy the caller may change."""
        data = {name: getattr(self, name) for name in _HIT_FIELDS}
        data["missing"] = list(self.missing)
        return data

    def copy(self) -> "Hit":
        """A copy whose mutable parts (`missing`) are not shared: what a cache hands out."""
        return Hit(**self.to_json())


_HIT_FIELDS = tuple(f.name for f in fields(Hit))


@dataclass
class SearchResults:
    query: str
    total: int  # matching passages, partial ones included
    hits: list[Hit]
    facets: dict[str, list[dict]]  # {"organisation": [{"value": ..., "count": n}, ...], ...}
    suggestion: str | None = None  # "menade du …?"
    message: str | None = None  # Swedish, from `notices`; filled by search.present, never by a backend
    offset: int = 0
    limit: int = 10
    total_documents: int | None = None  # distinct documents among the `total` matching passages
    notices: list[str] = field(default_factory=list)  # NOTICE_* codes, in order
    exact_total: int | None = None  # passages with all the query's words (the rest of `total` is partial)

    def to_json(self) -> dict:
        """The results as JSON-ready data (what `dataclasses.asdict` gave, without its deep copy of every
        string: that was most of a cached answer's time); a copy the caller may change."""
        data = self._fields_copied()
        data["hits"] = [hit.to_json() for hit in self.hits]
        return data

    def copy(self) -> "SearchResults":
        """A copy that shares nothing mutable with this one (a cached answer is filled in by its caller)."""
        data = self._fields_copied()
        data["hits"] = [hit.copy() for hit in self.hits]
        return SearchResults(**data)

    def _fields_copied(self) -> dict:
        """Every field, the mutable ones besides `hits` copied (`hits` is left to the caller)."""
        data = {name: getattr(self, name) for name in _RESULTS_FIELDS}
        data["facets"] = {name: [dict(value) for value in values] for name, values in self.facets.items()}
        data["notices"] = list(self.notices)
        return data


_RESULTS_FIELDS = tuple(f.name for f in fields(SearchResults))


Progress = Callable[[int], None]
Replay = Callable[[], Mapping[str, "list[IndexDoc] | None"]]


@runtime_checkable
class SearchBackend(Protocol):
    """What a search engine does for Kunskapsbanken (modelled on Haystack's DocumentStore): data in, data out.

    Rules every backend keeps (tests/test_search_backend.py checks them):
    - Filters are enforced on every path that returns passages or words (search, suggest, similar),
      `visibility` and `exclude_documents` included; with an empty `visibility` nothing is returned.
    - Scores and statistics (document frequencies, lengths) come only from passages the asker may see
      (`visibility` minus `exclude_documents`), so content the asker may not see cannot shift them.
    - Results carry no URLs (`Hit.url` "") and no Swedish text (`message` None): reasons are
      `notices` codes. A query is read to MAX_QUERY_CHARS / MAX_QUERY_TERMS.
    - An empty query with narrowing filters (`Filters.narrows`) lists the filtered passages, best first.
    - Grouped results hold each document's best passage once, `more_in_document` counting the rest.
    - Writes are atomic per call for readers; `rebuild` swaps in a complete index, after writing what
      `replay` returns (asked until it returns nothing).
    """

    needs_rebuild: bool  # missing, corrupt, or written by another schema or analysis version

    def replace_documents(self, documents: Mapping[str, list[IndexDoc]], delete: Iterable[str] = ()) -> None:
        """Write these documents' passages (replacing what the index held for them) and delete others."""

    def delete_document(self, document_id: str) -> None: ...

    def rebuild(self, docs: Iterable[IndexDoc], progress: Progress | None = None,
                replay: Replay | None = None) -> int:
        """A fresh index from `docs`, swapped in atomically; returns the number of passages written."""

    def document_states(self, document_ids: Iterable[str] | None = None) -> dict[str, str]:
        """IndexDoc.state per document held ("" when its passages disagree)."""

    def document_counts(self) -> dict[str, int]:
        """Passages held per document."""

    def search(self, query: str, filters: Filters, limit: int, offset: int, group: bool) -> SearchResults: ...

    def suggest(self, query: str, filters: Filters) -> str | None:
        """A respelling of `query` whose words occur in passages `filters` let the asker see."""

    def similar(self, passage_id: str, limit: int, filters: Filters) -> list[Hit]:
        """Passages like this one, one per document, among those `filters` let the asker see."""

    def close(self) -> None: ...
