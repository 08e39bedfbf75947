"""WhooshBackend: the `SearchBackend` over Whoosh (storage, phrases) and numpy (matching, scoring), over the
private modules below.

A query goes parse → rank → present:
    search._query      parse: words, phrases and minus words within limits; the Whoosh clause of a phrase
    search._ranking    rank: vectorised BM25F (over search._scoring) for every passage at once, filters,
                       top-n, grouping per document, proximity re-rank, facets
    search._snippets   hits with highlighted snippets
    search._suggest    "menade du …?" spellings and more-like-this
    search._searching  one search from query string to SearchResults, through the stages above
    search._store      index generations on disk, writers and locks, rebuilds, the long-lived searcher
    search._segments   what is read from a Whoosh segment (postings, field lengths) and its cache
Analysis (tokens, stems, compound parts, synonyms) is in search._analysis and the modules it names.
Everything returned is data: no URLs, no Swedish text (search.present adds those).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Mapping

from search._lexicon import dictionary_path
from search._ranking import Context
from search._searching import _search
from search._store import IndexStore
from search._suggest import _more_like_this, _suggest
from search._synonyms import SynonymTable, load_synonyms
from search.api import Filters, Hit, IndexDoc, SearchResults

CACHE_SIZE = 256


def _default_synonyms() -> Path:
    """corpus/synonyms.yaml, the corpus folder being $KUNSKAPSBANK_CORPUS or <repo root>/corpus (as ingest
    reads it; search/ imports nothing from ingest/)."""
    corpus = os.environ.get("KUNSKAPSBANK_CORPUS", Path(__file__).resolve().parent.parent / "corpus")
    return Path(corpus) / "synonyms.yaml"


class WhooshBackend:
    """A search index in one directory. Thread-safe: searches share one searcher under the store's lock."""

    def __init__(self, index_dir: Path, synonyms_path: Path | None = None, *, decompound: bool = True,
                 synonyms: bool = True, cache_size: int = CACHE_SIZE):
        dictionary_path()  # refuse to start without the Swedish word list (raises MissingDictionary)
        self.index_dir = Path(index_dir)
        self.decompound = decompound
        self.use_synonyms = synonyms
        self.synonyms: SynonymTable = load_synonyms(synonyms_path or _default_synonyms()) if synonyms else SynonymTable()
        self._cache_size = cache_size
        self._store = IndexStore(self.index_dir)

    @property
    def needs_rebuild(self) -> bool:
        return self._store.needs_rebuild

    @needs_rebuild.setter
    def needs_rebuild(self, value: bool) -> None:
        self._store.needs_rebuild = value

    # ------------------------------------------------------------------ storage (search._store)

    def close(self) -> None:
        self._store.close()

    def replace_documents(self, documents: Mapping[str, list[IndexDoc]], delete: Iterable[str] = ()) -> None:
        self._store.replace_documents(dict(documents), delete)

    def delete_document(self, document_id: str) -> None:
        self._store.delete_document(document_id)

    def rebuild(self, docs: Iterable[IndexDoc], progress=None, replay=None) -> int:
        return self._store.rebuild(docs, progress, replay)

    def document_states(self, document_ids: Iterable[str] | None = None) -> dict[str, str]:
        return self._store.document_states(document_ids)

    def document_counts(self) -> dict[str, int]:
        return self._store.document_counts()

    def _context(self) -> Context:
        """The store's current searcher with its caches and this index's options (hold the store's lock)."""
        s = self._store.get_searcher()
        return Context(s, self._store.aux, self._store.segments, self.decompound,
                       self.synonyms if self.use_synonyms else None)

    # ------------------------------------------------------------------ reading

    def search(self, query: str, filters: Filters, limit: int, offset: int, group: bool) -> SearchResults:
        key = (query, repr(filters), limit, offset, group)
        with self._store.lock:
            ctx = self._context()  # first: a new searcher empties the cache
            cached = self._store.cache.get(key)
            if cached is not None:
                self._store.cache.move_to_end(key)
                return cached.copy()
            results = _search(ctx, query, filters, limit, offset, group)
            if self._cache_size <= 0:  # not kept: nobody else holds these results, no copy needed
                return results
            self._store.cache[key] = results
            if len(self._store.cache) > self._cache_size:
                self._store.cache.popitem(last=False)
            return results.copy()

    def suggest(self, query: str, filters: Filters) -> str | None:
        with self._store.lock:
            return _suggest(self._context(), query, filters)

    def similar(self, passage_id: str, limit: int, filters: Filters) -> list[Hit]:
        with self._store.lock:
            return _more_like_this(self._context(), passage_id, limit, filters)
