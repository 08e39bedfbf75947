"""Ranking evaluation: Success@1, Success@3 and MRR@10 over bench/search_queries.yaml, overall and per kind,
and separately over the held-out queries of bench/search_queries_heldout.yaml (never tuned on).

Compares our engine with a plain-BM25 Whoosh baseline (StandardAnalyzer + Whoosh's bundled Snowball
Swedish stemmer, one body field, default QueryParser) and with ablations (decompounding off,
synonyms off). Ranking is evaluated on passages (group=False).

Passage source: the ingest catalogue when --catalogue is given, otherwise the seed .txt files, the sample
corpus's project reports (corpus/documents/projekt_*, the documents that are not seeds) and
../shared/corpus-real, through ingest.convert (`bench/passages.py`). --cache keeps them in a file
(reading them takes ~45 s). --save writes every query's rank as JSON; --compare prints the change
from such a file per kind (before/after a change of the engine).

    python bench/eval_search.py [--catalogue data/catalogue.sqlite3] [--verbose] [--ours-only]
        [--cache /tmp/eval-passages.pickle] [--save after.json] [--compare before.json]
"""
from __future__ import annotations

import argparse
import json
import pickle
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search import IndexDoc, SearchIndex  # noqa: E402
from passages import load_passages, passages_from_files  # noqa: E402

QUERIES = ROOT / "bench" / "search_queries.yaml"
HELD_OUT = ROOT / "bench" / "search_queries_heldout.yaml"
PROJECT_REPORTS = sorted(p for p in (ROOT / "corpus" / "documents").glob("projekt_*") if p.suffix in (".pdf", ".docx"))


def read_passages(catalogue: Path | None, include_real: bool, projects: bool, cache: Path | None) -> list[IndexDoc]:
    key = {"catalogue": str(catalogue), "real": include_real, "projects": projects}
    if cache and cache.is_file():
        stored = pickle.loads(cache.read_bytes())
        if stored["key"] == key:
            return stored["docs"]
    docs = load_passages(catalogue, include_real=include_real)
    if projects and not catalogue:
        docs += passages_from_files(PROJECT_REPORTS)
    if cache:
        cache.write_bytes(pickle.dumps({"key": key, "docs": docs}))
    return docs


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
    rows = []
    t = time.perf_counter()
    for query in queries:
        ranked = system.ranked(query.q, k)
        rank = next((i + 1 for i, pid in enumerate(ranked) if pid in query.relevant), None)
        rows.append((query.q, rank))
    out = summary([(q.kind, rank) for q, (_q, rank) in zip(queries, rows)])
    out.update(rows=rows, ms_per_query=(time.perf_counter() - t) * 1000 / max(1, len(queries)))
    return out


def summary(kind_ranks: list[tuple[str, int | None]]) -> dict:
    """S@1, S@3, MRR@10 overall and (S@1, MRR@10, count) per kind, from (kind, rank or None) pairs."""
    def figures(ranks):
        n = max(1, len(ranks))
        return {"S@1": sum(r == 1 for r in ranks) / n, "S@3": sum(r is not None and r <= 3 for r in ranks) / n,
                "MRR@10": sum(1.0 / r for r in ranks if r) / n, "n": len(ranks)}

    out = figures([r for _k, r in kind_ranks])
    kinds = sorted({k for k, _r in kind_ranks})
    out["per_kind"] = {k: figures([r for kk, r in kind_ranks if kk == k]) for k in kinds}
    return out


def print_table(title: str, results: list[tuple[str, dict, float]], queries: list[Query]) -> None:
    """Overall S@1, S@3, MRR@10 per system, then the same three per kind of query, systems side by side."""
    kinds = sorted({q.kind for q in queries})
    print(f"\n{title}")
    head = f"{'system':32} {'S@1':>6} {'S@3':>6} {'MRR@10':>7} {'ms/q':>6}"
    print(head)
    print("-" * len(head))
    for name, r, _build in results:
        print(f"{name:32} {r['S@1']:6.3f} {r['S@3']:6.3f} {r['MRR@10']:7.3f} {r['ms_per_query']:6.1f}")
    print(f"\nper kind, S@1 / S@3 / MRR@10:")
    print(f"{'kind (queries)':20} " + " ".join(f"{name[:18]:>18}" for name, _r, _b in results))
    for kind in kinds:
        cells = []
        for _name, r, _build in results:
            k = r["per_kind"][kind]
            cells.append(f"{k['S@1']:.2f}/{k['S@3']:.2f}/{k['MRR@10']:.2f}".rjust(18))
        print(f"{kind + ' (' + str(results[0][1]['per_kind'][kind]['n']) + ')':20} " + " ".join(cells))


def print_comparison(title: str, before: dict, after_rows: list[tuple[str, int | None]], queries: list[Query]) -> None:
    """Before (a --save file) and after, overall and per kind, over the queries both have."""
    old = {q: r for q, r in before.get("rows", [])}
    common = [(q, r) for q, r in zip(queries, [r for _q, r in after_rows]) if q.q in old]
    b = summary([(q.kind, old[q.q]) for q, _r in common])
    a = summary([(q.kind, r) for q, r in common])
    print(f"\n{title}: before -> after ({len(common)} queries)")
    metrics = ("S@1", "S@3", "MRR@10")
    print(f"  {'':20} " + " ".join(f"{m:>15}" for m in metrics))

    def line(label, bk, ak):
        worse = " WORSE" if any(ak[m] < bk[m] - 1e-9 for m in metrics) else ""
        print(f"  {label:20} " + " ".join(f"{bk[m]:6.3f} -> {ak[m]:5.3f}" for m in metrics) + worse)

    line(f"all ({a['n']})", b, a)
    for kind in a["per_kind"]:
        line(f"{kind} ({a['per_kind'][kind]['n']})", b["per_kind"][kind], a["per_kind"][kind])
    changed = [(q.q, old[q.q], r) for q, r in common if old[q.q] != r]
    for q, was, now in changed:
        print(f"    {q[:50]:50} {str(was or '-'):>3} -> {str(now or '-'):>3}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catalogue", type=Path, help="read passages from the ingest catalogue (sqlite)")
    ap.add_argument("--queries", type=Path, default=QUERIES)
    ap.add_argument("--held-out", type=Path, default=HELD_OUT, help="queries reported apart (never tuned on)")
    ap.add_argument("--no-real", action="store_true", help="seeds only (skip ../shared/corpus-real)")
    ap.add_argument("--no-projects", action="store_true", help="skip the sample corpus's project reports")
    ap.add_argument("--cache", type=Path, help="keep the passages in this file between runs")
    ap.add_argument("--ours-only", action="store_true", help="only our engine (no baseline, no ablations)")
    ap.add_argument("--save", type=Path, help="write every query's rank (ours) as JSON")
    ap.add_argument("--compare", type=Path, help="a --save file to compare with, per kind")
    ap.add_argument("--verbose", "-v", action="store_true", help="print the rank of every query")
    args = ap.parse_args(argv)

    t = time.perf_counter()
    docs = read_passages(args.catalogue, not args.no_real, not args.no_projects, args.cache)
    print(f"passages: {len(docs)} from {len({d.document_id for d in docs})} documents "
          f"({time.perf_counter() - t:.1f} s to read)")
    names = document_names(docs, args.catalogue)
    sets = []
    for label, path in (("tuned", args.queries), ("held-out", args.held_out)):
        if not path or not path.is_file():
            continue
        queries, problems = load_queries(path, docs, names)
        for p in problems:
            print("LABEL PROBLEM:", p)
        queries = [q for q in queries if q.relevant]
        print(f"{label} queries ({path.name}): {len(queries)} with at least one labelled passage found")
        sets.append((label, queries))

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        systems = [OurSystem("ours", docs, work)]
        if not args.ours_only:
            systems += [
                Bm25Baseline(docs, work),
                OurSystem("ours, decompounding off", docs, work, decompound=False),
                OurSystem("ours, synonyms off", docs, work, synonyms=False),
                OurSystem("ours, both off", docs, work, decompound=False, synonyms=False),
            ]
        evaluated = {label: [(s.name, evaluate(s, queries), s.build_s) for s in systems] for label, queries in sets}

    saved = {}
    for label, queries in sets:
        results = evaluated[label]
        print_table(f"{label} ({len(queries)} queries)", results, queries)
        if args.verbose:
            print()
            print(f"{'query':45} " + " ".join(f"{n[:12]:>12}" for n, _r, _b in results))
            for i, q in enumerate(queries):
                print(f"{q.q[:45]:45} " + " ".join(f"{str(r['rows'][i][1] or '-'):>12}" for _n, r, _b in results))
        saved[label] = {"rows": results[0][1]["rows"], "kinds": {q.q: q.kind for q in queries}}
        if args.compare and args.compare.is_file():
            before = json.loads(args.compare.read_text(encoding="utf-8")).get(label)
            if before:
                print_comparison(label, before, results[0][1]["rows"], queries)
    if args.save:
        args.save.write_text(json.dumps(saved, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
