"""SearchIndex: the façade of the Whoosh search engine behind the `search` API, over the private modules below.

A query goes parse → rank → present:
    search._query      parse: words, phrases and minus words within limits; Whoosh clauses and filters
    search._ranking    rank: vectorised BM25F (over search._scoring) for every passage at once, top-n,
                       grouping per document, proximity re-rank, facets
    search._snippets   present: hits with highlighted snippets
    search._suggest    "menade du …?" spellings and more-like-this
    search._searching  one search from query string to SearchResults, through the stages above
    search._store      index generations on disk, writers and locks, rebuilds, the long-lived searcher
Analysis (tokens, stems, compound parts, synonyms) is in search._analysis and search._synonyms.
"""
from __future__ import annotations

import copy
import os
from dataclasses import replace
from pathlib import Path
from typing import Iterable

from search._ranking import Context
from search._searching import _search
from search._store import SETTINGS_FILE, IndexStore, make_schema  # noqa: F401  (tests import these from here)
from search._suggest import _more_like_this, _suggest
from search._synonyms import SynonymTable, load_synonyms
from search.api import Filters, Hit, IndexDoc, SearchResults

CACHE_SIZE = 256


def _default_synonyms() -> Path:
    """corpus/synonyms.yaml, the corpus folder being $KUNSKAPSBANK_CORPUS or <repo root>/corpus (as ingest
    reads it; search/ imports nothing from ingest/)."""
    corpus = os.environ.get("KUNSKAPSBANK_CORPUS", Path(__file__).resolve().parent.parent / "corpus")
    return Path(corpus) / "synonyms.yaml"


class SearchIndex:
    """A search index in one directory: write passages, search them. Thread-safe; see search._store."""

    def __init__(self, index_dir: Path, synonyms_path: Path | None = None, *, decompound: bool = True,
                 synonyms: bool = True, cache_size: int = CACHE_SIZE):
        self.index_dir = Path(index_dir)
        self.decompound = decompound
        self.use_synonyms = synonyms
        self.synonyms: SynonymTable = load_synonyms(synonyms_path or _default_synonyms()) if synonyms else SynonymTable()
        self._cache_size = cache_size
        self._store = IndexStore(self.index_dir)
        self._internal: frozenset[str] = frozenset()

    def set_internal_documents(self, document_ids) -> None:
        """Documents the catalogue says are internal: never shown to callers who may not see internal
        documents, whatever the index still holds for them (it may lag behind the catalogue)."""
        self._internal = frozenset(document_ids)

    def _guard(self, filters: Filters) -> Filters:
        if "internal" in (filters.visibility or ()) or not self._internal:
            return filters
        return replace(filters, exclude_documents=frozenset(filters.exclude_documents) | self._internal)

    @property
    def needs_rebuild(self) -> bool:
        """True when the index on disk is missing, corrupt or built by other schema/analysis versions."""
        return self._store.needs_rebuild

    @needs_rebuild.setter
    def needs_rebuild(self, value: bool) -> None:
        self._store.needs_rebuild = value

    # ------------------------------------------------------------------ storage (search._store)

    def close(self) -> None:
        self._store.close()

    def replace_document(self, document_id: str, docs: list[IndexDoc]) -> None:
        self.replace_documents({document_id: docs})

    def replace_documents(self, documents: dict[str, list[IndexDoc]], delete: Iterable[str] = ()) -> None:
        """Several documents (and deletions) in one commit (a commit costs ~0.2 s, whatever its size)."""
        self._store.replace_documents(documents, delete)

    def delete_document(self, document_id: str) -> None:
        self._store.delete_document(document_id)

    def rebuild(self, docs: Iterable[IndexDoc], progress=None, replay=None) -> int:
        return self._store.rebuild(docs, progress, replay)

    def document_states(self, document_ids: Iterable[str] | None = None) -> dict[str, str]:
        return self._store.document_states(document_ids)

    def document_counts(self) -> dict[str, int]:
        return self._store.document_counts()

    def _context(self, s) -> Context:
        """The searcher `s` (the store's current one) with its caches and this index's options."""
        return Context(s, self._store.aux, self._store.segments, self.decompound,
                       self.synonyms if self.use_synonyms else None)

    # ------------------------------------------------------------------ search (search._searching)

    def search(self, query: str, filters: Filters | None = None, limit: int = 10, offset: int = 0,
               group: bool = True) -> SearchResults:
        try:
            limit = max(0, min(int(limit), 100))
            offset = max(0, min(int(offset), 10_000))
        except (TypeError, ValueError):
            limit, offset = 10, 0
        filters = self._guard(filters or Filters())
        query = query if isinstance(query, str) else ("" if query is None else str(query))
        key = (query, repr(filters), limit, offset, group)
        with self._store.lock:
            ctx = self._context(self._store.get_searcher())
            cached = self._store.cache.get(key)
            if cached is not None:
                self._store.cache.move_to_end(key)
                return copy.deepcopy(cached)
            try:
                res = _search(ctx, query, filters, limit, offset, group)
            except Exception:  # never raise to the caller for a query string
                import logging

                logging.getLogger(__name__).exception("search failed for %r", query[:200])
                res = SearchResults(query=query, total=0, hits=[], facets={}, offset=offset, limit=limit,
                                    message="Sökningen kunde inte genomföras för den här frågan. Prova med andra ord.")
                return res
            self._store.cache[key] = res
            if len(self._store.cache) > self._cache_size:
                self._store.cache.popitem(last=False)
            return copy.deepcopy(res)

    # ------------------------------------------------------------------ suggestions (search._suggest)

    def suggest(self, query: str, visibility: tuple[str, ...] = ("public",)) -> str | None:
        try:
            with self._store.lock:
                return _suggest(self._store.get_searcher(), query, self._guard(Filters(visibility=visibility)))
        except Exception:
            return None

    def more_like_this(self, passage_id: str, limit: int = 5, filters: Filters | None = None) -> list[Hit]:
        filters = self._guard(filters or Filters())
        try:
            with self._store.lock:
                return _more_like_this(self._context(self._store.get_searcher()), passage_id, limit, filters)
        except Exception:
            return []
