"""Search over catalogued passages. Public API: `SearchIndex` and the types in `search.api`."""
from search.api import Filters, Hit, IndexDoc, SearchBackend, SearchResults, SearchUnavailable

__all__ = ["Filters", "Hit", "IndexDoc", "SearchBackend", "SearchResults", "SearchUnavailable", "SearchIndex"]


def __getattr__(name):  # import the engine lazily: the CLI's help should not load Whoosh
    if name == "SearchIndex":
        from search.engine import SearchIndex

        return SearchIndex
    raise AttributeError(name)
