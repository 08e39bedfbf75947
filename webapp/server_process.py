"""One `kunskapsbank serve` process's app: `create_app`, then warmed by a first search and its start-up objects
frozen out of the garbage collector's full passes.

Why: a server process holds ~150,000 long-lived objects from start (word lists, templates, the libraries'
modules). Python's full collection walks all of them and holds the GIL meanwhile: at 100k passages that was
170–200 ms, paid by every request in flight, about once per hundred requests (the p99 of
`bench/load_search.py`). `gc.freeze()` moves what exists after start into a generation no collection walks;
what requests create later (bounded caches) is collected as usual. A start-up object that becomes garbage
later (the first searcher, once the index changes) is still freed by reference counting; only reference
cycles among them stay, once per process. Only server processes do this: a test or a script building many
apps would keep every app's cycles.
"""
from __future__ import annotations

import gc

from fastapi import FastAPI

from ingest.config import DataDir
from webapp.app import create_app

WARM_UP_QUERY = "utveckling"  # any word: loads the analysis word lists every query needs


def create_server_app(data: DataDir | None = None) -> FastAPI:
    app = create_app(data)
    app.state.kb.index.search(WARM_UP_QUERY)  # public passages only; the answer is thrown away
    gc.collect()  # garbage from start-up is not frozen with the rest
    gc.freeze()
    return app
