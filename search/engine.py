"""SearchIndex: what ingest/ and webapp/ hold — a search backend (`search.api.SearchBackend`) behind the rules
every backend shares: the visibility overlay, limits on input, failures that never reach the caller, and the
presentation of results (`search.present`).

Backends are named in BACKENDS; $KUNSKAPSBANK_SEARCH_BACKEND picks one (default "whoosh"). A second
backend is a module in search/ with a class that implements `SearchBackend`, plus one line here:
nothing in ingest/ or webapp/ changes.
"""
from __future__ import annotations

import importlib
import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Mapping

from search.api import NOTICE_FAILED, Filters, Hit, IndexDoc, SearchBackend, SearchResults, SearchUnavailable
from search.present import present, present_hits

log = logging.getLogger(__name__)

BACKENDS = {"whoosh": "search._whoosh_backend:WhooshBackend"}
BACKEND_ENV = "KUNSKAPSBANK_SEARCH_BACKEND"
MAX_LIMIT, MAX_OFFSET = 100, 10_000


def open_backend(index_dir: Path, name: str | None = None, **options) -> SearchBackend:
    """The backend called `name` (or $KUNSKAPSBANK_SEARCH_BACKEND, or "whoosh") over `index_dir`."""
    name = name or os.environ.get(BACKEND_ENV) or "whoosh"
    target = BACKENDS.get(name)
    if target is None:
        raise SearchUnavailable(f"Okänd sökmotor {name!r} i {BACKEND_ENV}; välj en av: {', '.join(sorted(BACKENDS))}.")
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)(Path(index_dir), **options)


class SearchIndex:
    """A search index in one directory: write passages, search them. Thread-safe as its backend is."""

    def __init__(self, index_dir: Path, synonyms_path: Path | None = None, *, backend: SearchBackend | None = None,
                 **options):
        """`options` (decompound, synonyms, cache_size) go to the backend; `backend` replaces it (tests)."""
        self.index_dir = Path(index_dir)
        if backend is None:
            if synonyms_path is not None:
                options["synonyms_path"] = synonyms_path
            backend = open_backend(self.index_dir, **options)
        self.backend: SearchBackend = backend
        self._internal: frozenset[str] = frozenset()

    # ------------------------------------------------------------------ visibility overlay

    def set_internal_documents(self, document_ids) -> None:
        """Documents the catalogue says are internal: never shown to callers who may not see internal
        documents, whatever the index still holds for them (it may lag behind the catalogue)."""
        self._internal = frozenset(document_ids)

    def _guard(self, filters: Filters | None) -> Filters:
        filters = filters or Filters()
        if "internal" in (filters.visibility or ()) or not self._internal:
            return filters
        return replace(filters, exclude_documents=frozenset(filters.exclude_documents) | self._internal)

    # ------------------------------------------------------------------ storage

    @property
    def needs_rebuild(self) -> bool:
        """True when the index on disk is missing, corrupt or built by other schema/analysis versions."""
        return self.backend.needs_rebuild

    @needs_rebuild.setter
    def needs_rebuild(self, value: bool) -> None:
        self.backend.needs_rebuild = value

    def close(self) -> None:
        self.backend.close()

    def replace_document(self, document_id: str, docs: list[IndexDoc]) -> None:
        self.backend.replace_documents({document_id: docs})

    def replace_documents(self, documents: Mapping[str, list[IndexDoc]], delete: Iterable[str] = ()) -> None:
        """Several documents (and deletions) in one commit (a commit costs ~0.2 s, whatever its size)."""
        self.backend.replace_documents(documents, delete)

    def delete_document(self, document_id: str) -> None:
        self.backend.delete_document(document_id)

    def rebuild(self, docs: Iterable[IndexDoc], progress=None, replay=None) -> int:
        return self.backend.rebuild(docs, progress, replay)

    def document_states(self, document_ids: Iterable[str] | None = None) -> dict[str, str]:
        return self.backend.document_states(document_ids)

    def document_counts(self) -> dict[str, int]:
        return self.backend.document_counts()

    # ------------------------------------------------------------------ reading

    def search(self, query: str, filters: Filters | None = None, limit: int = 10, offset: int = 0,
               group: bool = True) -> SearchResults:
        try:
            limit = max(0, min(int(limit), MAX_LIMIT))
            offset = max(0, min(int(offset), MAX_OFFSET))
        except (TypeError, ValueError):
            limit, offset = 10, 0
        filters = self._guard(filters)
        query = query if isinstance(query, str) else ("" if query is None else str(query))
        try:
            results = self.backend.search(query, filters, limit, offset, group)
        except Exception:  # never raise to the caller for a query string
            log.exception("search failed for %r (filters %r, limit %d, offset %d, group %s)",
                          query[:200], filters, limit, offset, group)
            results = SearchResults(query=query, total=0, hits=[], facets={}, offset=offset, limit=limit,
                                    notices=[NOTICE_FAILED])
        return present(results)

    def suggest(self, query: str, visibility: tuple[str, ...] = ("public",)) -> str | None:
        try:
            return self.backend.suggest(query, self._guard(Filters(visibility=visibility)))
        except Exception:  # a missing suggestion must not cost the page; logged
            log.exception("suggestion failed for %r (visibility %r)", str(query)[:200], visibility)
            return None

    def more_like_this(self, passage_id: str, limit: int = 5, filters: Filters | None = None) -> list[Hit]:
        filters = self._guard(filters)
        try:
            return present_hits(self.backend.similar(passage_id, limit, filters))
        except Exception:  # the similar passages are an extra on a page: logged, not raised
            log.exception("more-like-this failed for passage %r (limit %r, filters %r)", passage_id, limit, filters)
            return []
