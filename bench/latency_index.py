"""Single-client query latency on an index already on disk: the query mix of bench/search_queries.yaml, once
cold (first time each query is asked in this process) and three rounds warm, the result cache off.

    python bench/latency_index.py DATA_DIR/index                 # this checkout's search/
    python bench/latency_index.py OLD_INDEX --code OLD_CHECKOUT  # an older checkout's search/ (e.g. a git archive)

Comparing two versions: give each its own index (built by that version) and the same queries (this
checkout's mix is always used). Prints p50/p95 (and p99 warm) in milliseconds.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from load_search import QUERIES_FILE, load_queries

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose search/ answers (default: this one)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    from search import SearchIndex

    queries = load_queries(QUERIES_FILE)
    index = SearchIndex(args.index, cache_size=0)

    def timed(query: str) -> float:
        start = time.perf_counter()
        index.search(query, limit=10)
        return time.perf_counter() - start

    cold = [timed(q) for q in queries]
    warm = [timed(q) for _ in range(args.rounds) for q in queries]
    print(f"{len(queries)} frågor, en klient: första gången p50 {percentile(cold, .5):.1f} ms, p95 {percentile(cold, .95):.1f} ms; "
          f"varmt ({args.rounds} varv) p50 {percentile(warm, .5):.1f} ms, p95 {percentile(warm, .95):.1f} ms, "
          f"p99 {percentile(warm, .99):.1f} ms")


if __name__ == "__main__":
    main()
