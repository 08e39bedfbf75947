"""Ranking evaluation: Success@1, Success@3 and MRR@10 over bench/search_queries.yaml.

Compares our engine with a plain-BM25 Whoosh baseline (StandardAnalyzer + Whoosh's bundled Snowball
Swedish stemmer, one body field, default QueryParser) and with ablations (decompounding off,
synonyms off). Ranking is evaluated on passages (group=False).

Passage source (one function, `load_passages`): the ingest catalogue when --catalogue is given,
otherwise the seed .txt files plus ../shared/corpus-real through ingest.convert.

    python bench/eval_search.py [--catalogue data/catalogue.sqlite3] [--verbose]
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search import IndexDoc, SearchIndex  # noqa: E402
from passages import load_passages  # noqa: E402


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


@dataclass
class Query:
    q: str
    kind: str
    answers: list[dict]
    relevant: set[str]


def load_queries(path: Path, docs: list[IndexDoc], doc_names: dict[str, set[str]]) -> tuple[list[Query], list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    by_doc: dict[str, list[IndexDoc]] = {}
    for d in docs:
        by_doc.setdefault(d.document_id, []).append(d)
    problems = []
    out = []
    for item in data["queries"]:
        relevant: set[str] = set()
        for ans in item["answers"]:
            wanted = _norm(ans["contains"])
            ids = doc_names.get(ans["document"], set()) | doc_names.get(Path(ans["document"]).stem, set())
            hits = [p.passage_id for did in ids for p in by_doc.get(did, [])
                    if wanted in _norm(p.heading + " " + p.text)]
            if not hits:
                problems.append(f"{item['q']!r}: no passage of {ans['document']} contains {ans['contains']!r}")
            relevant.update(hits)
        out.append(Query(item["q"], item.get("kind", "topic"), item["answers"], relevant))
    return out, problems


def document_names(docs: list[IndexDoc], catalogue: Path | None) -> dict[str, set[str]]:
    """file name (and stem) -> document ids."""
    names: dict[str, set[str]] = {}
    for d in docs:
        names.setdefault(d.document_id, set()).add(d.document_id)
    if catalogue:
        from ingest.store.catalogue import Catalogue

        cat = Catalogue(catalogue)
        try:
            for rec in cat.documents():
                for attr in ("file_name", "source_path", "original_name", "path"):
                    value = getattr(rec, attr, None)
                    if value:
                        names.setdefault(Path(str(value)).name, set()).add(rec.id)
                        names.setdefault(Path(str(value)).stem, set()).add(rec.id)
        finally:
            cat.close()
    return names


# --------------------------------------------------------------------------- systems


class OurSystem:
    def __init__(self, name: str, docs: list[IndexDoc], workdir: Path, **flags):
        self.name = name
        self.ix = SearchIndex(workdir / name.replace(" ", "_"), **flags)
        t = time.perf_counter()
        self.ix.rebuild(docs)
        self.build_s = time.perf_counter() - t

    def ranked(self, q: str, k: int) -> list[str]:
        return [h.passage_id for h in self.ix.search(q, limit=k, group=False).hits]


class Bm25Baseline:
    """Plain Whoosh: StandardAnalyzer + bundled Snowball Swedish stemmer, one field, QueryParser defaults."""

    def __init__(self, docs: list[IndexDoc], workdir: Path):
        from whoosh import index
        from whoosh.analysis import StandardAnalyzer, StemFilter
        from whoosh.fields import ID, TEXT, Schema
        from whoosh.qparser import QueryParser

        self.name = "plain BM25 (Whoosh defaults)"
        schema = Schema(pid=ID(stored=True), body=TEXT(analyzer=StandardAnalyzer() | StemFilter(lang="sv")))
        path = workdir / "bm25"
        path.mkdir()
        self.ix = index.create_in(str(path), schema)
        t = time.perf_counter()
        w = self.ix.writer(limitmb=256)
        for d in docs:
            w.add_document(pid=d.passage_id, body=f"{d.title}\n{d.heading}\n{d.text}")
        w.commit()
        self.build_s = time.perf_counter() - t
        self.searcher = self.ix.searcher()
        self.parser = QueryParser("body", schema)

    def ranked(self, q: str, k: int) -> list[str]:
        try:
            parsed = self.parser.parse(q)
            return [hit["pid"] for hit in self.searcher.search(parsed, limit=k)]
        except Exception:
            return []


def evaluate(system, queries: list[Query], k: int = 10) -> dict:
    s1 = s3 = rr = 0.0
    per_kind: dict[str, list[float]] = {}
    rows = []
    t = time.perf_counter()
    for query in queries:
        ranked = system.ranked(query.q, k)
        rank = next((i + 1 for i, pid in enumerate(ranked) if pid in query.relevant), None)
        s1 += rank == 1
        s3 += rank is not None and rank <= 3
        r = 1.0 / rank if rank else 0.0
        rr += r
        per_kind.setdefault(query.kind, []).append(r)
        rows.append((query.q, rank))
    n = max(1, len(queries))
    return {"S@1": s1 / n, "S@3": s3 / n, "MRR@10": rr / n, "rows": rows,
            "ms_per_query": (time.perf_counter() - t) * 1000 / n,
            "per_kind": {kind: sum(v) / len(v) for kind, v in per_kind.items()}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catalogue", type=Path, help="read passages from the ingest catalogue (sqlite)")
    ap.add_argument("--queries", type=Path, default=ROOT / "bench" / "search_queries.yaml")
    ap.add_argument("--no-real", action="store_true", help="seeds only (skip ../shared/corpus-real)")
    ap.add_argument("--verbose", "-v", action="store_true", help="print the rank of every query")
    args = ap.parse_args(argv)

    t = time.perf_counter()
    docs = load_passages(args.catalogue, include_real=not args.no_real)
    print(f"passages: {len(docs)} from {len({d.document_id for d in docs})} documents "
          f"({time.perf_counter() - t:.1f} s to read)")
    queries, problems = load_queries(args.queries, docs, document_names(docs, args.catalogue))
    for p in problems:
        print("LABEL PROBLEM:", p)
    queries = [q for q in queries if q.relevant]
    print(f"queries: {len(queries)} with at least one labelled passage found")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        systems = [
            OurSystem("ours", docs, work),
            Bm25Baseline(docs, work),
            OurSystem("ours, decompounding off", docs, work, decompound=False),
            OurSystem("ours, synonyms off", docs, work, synonyms=False),
            OurSystem("ours, both off", docs, work, decompound=False, synonyms=False),
        ]
        results = [(sys_.name, evaluate(sys_, queries), sys_.build_s) for sys_ in systems]

    kinds = sorted({q.kind for q in queries})
    head = f"{'system':32} {'S@1':>6} {'S@3':>6} {'MRR@10':>7} {'ms/q':>6}  " + " ".join(f"{k[:8]:>8}" for k in kinds)
    print()
    print(head)
    print("-" * len(head))
    for name, r, _build in results:
        print(f"{name:32} {r['S@1']:6.3f} {r['S@3']:6.3f} {r['MRR@10']:7.3f} {r['ms_per_query']:6.1f}  "
              + " ".join(f"{r['per_kind'].get(k, 0):8.3f}" for k in kinds))
    print("(per-kind columns: MRR@10 within that kind of query; counts: "
          + ", ".join(f"{k}={sum(1 for q in queries if q.kind == k)}" for k in kinds) + ")")
    if args.verbose:
        print()
        names = [n for n, _r, _b in results]
        print(f"{'query':45} " + " ".join(f"{n[:12]:>12}" for n in names))
        for i, q in enumerate(queries):
            print(f"{q.q[:45]:45} " + " ".join(f"{str(r['rows'][i][1] or '-'):>12}" for _n, r, _b in results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
