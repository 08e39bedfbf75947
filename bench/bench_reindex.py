"""Index rebuild from the catalogue (what `kunskapsbank reindex` does), beside plain Whoosh with its stock
analyser on the same passages in the same run.

    python bench/bench_reindex.py DATA_DIR [--runs 3] [--procs 2] [--in-place]

DATA_DIR holds an ingested catalogue (bench/make_large_data.py makes one of 100k passages). "ours" is
the real rebuild: catalogue reads, goal and entity facets, the Swedish analysis of title, heading, body
and compound parts, written into a fresh generation that is then swapped in. "plain Whoosh" indexes the
same title, heading and body strings with whoosh.analysis.StandardAnalyzer, read from memory, with the
same writer settings (processes, one segment each). Prints medians in passages per second. With
--in-place ours rebuilds DATA_DIR's own index (exactly `kunskapsbank reindex`), which stays for a load test.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.config import DataDir  # noqa: E402
from ingest.store.catalogue import Catalogue  # noqa: E402
from ingest.store.indexing import all_index_docs, rebuild  # noqa: E402
from search import SearchIndex  # noqa: E402


def ours(catalogue: Catalogue, folder: Path) -> tuple[int, float]:
    index = SearchIndex(folder)
    start = time.perf_counter()
    count = rebuild(catalogue, index)
    seconds = time.perf_counter() - start
    index.close()
    return count, seconds


def plain_whoosh(docs: list, folder: Path, procs: int) -> tuple[int, float]:
    from whoosh import index as windex
    from whoosh.fields import ID, STORED, TEXT, Schema

    schema = Schema(passage_id=ID(stored=True, unique=True), document_id=ID(stored=True),
                    title=TEXT(stored=True), heading=TEXT(stored=True), body=TEXT, text=STORED)
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    ix = windex.create_in(str(folder), schema)
    writer = ix.writer(procs=procs, limitmb=128, multisegment=True) if procs > 1 else ix.writer(limitmb=256)
    for d in docs:
        writer.add_document(passage_id=d.passage_id, document_id=d.document_id, title=d.title or "",
                            heading=d.heading or "", body=d.text or "", text=d.text or "")
    writer.commit()
    return len(docs), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--procs", type=int, default=2, help="processes for plain Whoosh (ours: KUNSKAPSBANK_INDEX_PROCS)")
    parser.add_argument("--in-place", action="store_true", help="ours rebuilds DATA_DIR's own index (kept)")
    args = parser.parse_args()
    catalogue = Catalogue(DataDir(args.data).catalogue)
    docs = list(all_index_docs(catalogue))
    print(f"{len(docs)} stycken i katalogen {args.data}")
    print(f"{'':<28} {'stycken':>8} {'s (median)':>10} {'stycken/s':>10}")
    results: dict[str, list[tuple[int, float]]] = {"kunskapsbank reindex": [], "ren Whoosh, StandardAnalyzer": []}
    for _ in range(args.runs):  # alternated, so both see the same machine
        with tempfile.TemporaryDirectory() as tmp:
            target = DataDir(args.data).index if args.in_place else Path(tmp) / "ours"
            results["kunskapsbank reindex"].append(ours(catalogue, target))
            results["ren Whoosh, StandardAnalyzer"].append(plain_whoosh(docs, Path(tmp) / "plain", args.procs))
            shutil.rmtree(Path(tmp) / "plain", ignore_errors=True)
    for name, runs in results.items():
        count = runs[0][0]
        seconds = statistics.median(s for _, s in runs)
        print(f"{name:<28} {count:>8} {seconds:>10.1f} {count / seconds:>10.0f}")


if __name__ == "__main__":
    main()
