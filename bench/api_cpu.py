"""CPU per GET /api/search answer in one process, without HTTP: the handler called directly over the query mix
of bench/search_queries.yaml, from the result cache and past it, with the garbage collector's pauses.

    python bench/api_cpu.py DATA_DIR --token API_TOKEN                      # this checkout, as `serve` runs it
    python bench/api_cpu.py OLD_DATA_DIR --token T --code OLD_CHECKOUT       # an older checkout's webapp/
    python bench/api_cpu.py DATA_DIR --token T --no-freeze                   # without webapp.server_process

Under load on two cores, the p95/p99 of `bench/load_search.py` follow these figures: CPU per answer sets the
queue, and a full collection holds the GIL for every request in flight. The token (an account's API key)
makes internal documents searchable too, as for staff; the mix is this checkout's.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

from latency_index import percentile
from load_search import QUERIES_FILE, load_queries

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="data directory holding an ingested corpus")
    parser.add_argument("--token", required=True, help="API-nyckel för ett konto")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose webapp/ answers (default: this one)")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of the mix past the cache (page sizes 10…)")
    parser.add_argument("--no-freeze", action="store_true", help="build the app with create_app only")
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    os.chdir(args.code)
    from starlette.requests import Request

    from ingest.config import DataDir
    from webapp import search_pages
    from webapp.app import create_app

    queries = load_queries(QUERIES_FILE)
    if args.no_freeze or not (args.code / "webapp" / "server_process.py").exists():
        app, how = create_app(DataDir(args.data)), "create_app"
    else:
        from webapp.server_process import create_server_app
        app, how = create_server_app(DataDir(args.data)), "create_server_app (gc.freeze)"

    def answer(query: str, limit: int) -> None:
        scope = {"type": "http", "method": "GET", "path": "/api/search", "query_string": b"", "app": app,
                 "headers": [(b"authorization", f"Bearer {args.token}".encode())], "client": ("10.1.1.1", 1),
                 "state": {}}
        params = search_pages.SearchParams(q=query, limit=limit, offset=0, page=None, org=[], type=[], year=[],
                                           goal=[], entity=[], document=None, all=False)
        response = search_pages.api_search(Request(scope), params)
        assert response.status_code == 200

    pauses: list[tuple[int, float]] = []
    started = [0.0]

    def on_collect(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses.append((info["generation"], time.perf_counter() - started[0]))

    def timed(rounds: int, limit_of) -> tuple[float, list[float]]:
        cpu, times = time.process_time(), []
        for r in range(rounds):
            for query in queries:
                start = time.perf_counter()
                answer(query, limit_of(r))
                times.append(time.perf_counter() - start)
        return (time.process_time() - cpu) / len(times) * 1000, times

    print(f"{len(queries)} frågor, {how}, {args.code}")
    cpu, times = timed(1, lambda r: 10)
    print(f"första gången: CPU {cpu:.2f} ms per svar, p50 {percentile(times, .5):.1f} ms, p95 {percentile(times, .95):.1f} ms")
    gc.callbacks.append(on_collect)
    cpu, times = timed(3, lambda r: 10)
    print(f"ur resultatcachen: CPU {cpu:.2f} ms per svar, p50 {percentile(times, .5):.1f} ms")
    cpu, times = timed(args.rounds, lambda r: 11 + r % 10)  # ten page sizes: more keys than the cache holds
    print(f"förbi cachen ({args.rounds} varv): CPU {cpu:.2f} ms per svar, p50 {percentile(times, .5):.1f} ms, "
          f"p95 {percentile(times, .95):.1f} ms, p99 {percentile(times, .99):.1f} ms")
    for generation in (0, 1, 2):
        own = [p for g, p in pauses if g == generation]
        if own:
            print(f"skräpsamling generation {generation}: {len(own)} gånger, längst {max(own) * 1000:.1f} ms, "
                  f"sammanlagt {sum(own) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
