"""Search speed: indexing rate and query latency (p50/p95) at 10k / 100k passages.

Engines side by side on the same synthetic passages (corpus passages with shuffled sentences and
varied organisation / year / doc_type / goal ids):
  * ours   - search.SearchIndex (Whoosh, Swedish analysis, decompounding, highlights + facets, grouping)
  * fts5   - SQLite FTS5 over pre-stemmed text (PyStemmer via the same sv_stem), snippet() + GROUP BY facets
  * tantivy- tantivy-py over the same pre-stemmed text, SnippetGenerator + terms aggregations for facets
Every query asks for 10 hits with highlights and facet counts and enforces visibility=public inside
the query. The query-result cache of SearchIndex is off so every query is really executed.

    python bench/bench_search.py --sizes 10000            # quick
    python bench/bench_search.py --sizes 10000,100000     # full (several minutes)
    python bench/bench_search.py --sizes 10000 --profile  # cProfile of our query mix
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search import Filters, IndexDoc, SearchIndex  # noqa: E402
from search._analysis import STOP_WORDS, sv_stem  # noqa: E402
from passages import load_passages  # noqa: E402

ORGS = ["Region Västmanland", "Nätverk Westum", "VästKom", "Haparanda stad", "Arbetsmiljöverket", "Regeringen",
        "Region Halland", "Simrishamns kommun", "Söderköpings kommun", "Vansbro kommun", "Digg", "Olofströms kommun"]
DOC_TYPES = ["verksamhetsplan", "strategi", "handlingsplan", "rapport", "protokoll", "årsredovisning"]
GOALS = [f"rus-vm:delmal-{i}" for i in range(1, 31)] + [f"westum:omrade-{i}" for i in range(1, 4)]

QUERY_MIX = [
    "utbildning", "bibliotek", "kompetensförsörjning", "kollektivtrafik", "regional utveckling",
    "utbildning för vuxna", "folkhälsa nyanlända", "bredband landsbygd", "elever som fullföljer gymnasiet",
    "Digi 60+", "1:1-medel", "RUS delmål", "YH", "SFI", "hälso- och sjukvård", '"regional utvecklingsstrategi"',
    '"hållbar utveckling"', "klimat utsläpp växthusgaser", "samverkan kommuner region", "kompetensförsörjnig",
    "Agenda 2030", "arbetsmarknad -pandemin", "digitalisering", "kultur", "dataskyddsförordningen",
]

_SENT = re.compile(r"(?<=[.!?])\s+")


def synthetic(base: list[IndexDoc], n: int, seed: int = 7) -> list[IndexDoc]:
    rng = random.Random(seed)
    pool = [d for d in base if len(d.text.split()) >= 25]
    out = []
    per_doc = 8
    for i in range(n):
        b = pool[rng.randrange(len(pool))]
        other = pool[rng.randrange(len(pool))]
        sents = _SENT.split(b.text) + rng.sample(_SENT.split(other.text), k=min(2, len(_SENT.split(other.text))))
        rng.shuffle(sents)
        text = " ".join(sents)
        words = text.split()
        if len(words) > 260:
            text = " ".join(words[:260])
        doc_no = i // per_doc
        drng = random.Random(doc_no)
        out.append(IndexDoc(
            passage_id=f"s{i}", document_id=f"d{doc_no}", title=b.title, heading=b.heading, heading_path=[b.heading],
            text=text, page=1 + i % per_doc, ord=i % per_doc, organisation=drng.choice(ORGS),
            doc_type=drng.choice(DOC_TYPES), year=drng.randint(2012, 2026),
            visibility="internal" if drng.random() < 0.1 else "public",
            goal_ids=rng.sample(GOALS, k=rng.choice([0, 0, 1, 1, 2])), entity_ids=[],
        ))
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


def prestem(text: str) -> str:
    return " ".join(sv_stem(w) for w in re.findall(r"\w+", text.lower()) if w not in STOP_WORDS)


def fts_terms(q: str) -> tuple[list[str], list[list[str]], list[str]]:
    """(words, phrases, excluded) for the simple engines."""
    phrases = [p for p in re.findall(r'"([^"]+)"', q)]
    rest = re.sub(r'-?"[^"]*"', " ", q)
    excl = [w[1:] for w in rest.split() if w.startswith("-") and len(w) > 1]
    words = [w for w in rest.split() if not w.startswith("-")]
    words = [prestem(w) for w in words]
    return [w for w in words if w], [prestem(p).split() for p in phrases], [prestem(e) for e in excl]


# --------------------------------------------------------------------------- engines


class Ours:
    name = "ours (Whoosh)"

    def build(self, docs, path: Path) -> float:
        self.ix = SearchIndex(path / "ours", cache_size=0)
        t = time.perf_counter()
        self.ix.rebuild(docs)
        return time.perf_counter() - t

    def query(self, q: str):
        r = self.ix.search(q, Filters(visibility=("public",)), limit=10)
        return r.total

    def close(self):
        self.ix.close()


class Fts5:
    name = "SQLite FTS5"

    def build(self, docs, path: Path) -> float:
        t = time.perf_counter()
        self.db = sqlite3.connect(str(path / "fts.sqlite3"), check_same_thread=False)
        db = self.db
        db.executescript("""
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
            CREATE TABLE meta(id INTEGER PRIMARY KEY, pid TEXT, doc TEXT, org TEXT, year INT, doc_type TEXT,
                              visibility TEXT, text TEXT);
            CREATE TABLE goals(id INT, goal TEXT);
            CREATE VIRTUAL TABLE fts USING fts5(title, heading, body, tokenize='unicode61 remove_diacritics 0');
        """)
        with db:
            for i, d in enumerate(docs):
                db.execute("INSERT INTO meta VALUES(?,?,?,?,?,?,?,?)",
                           (i, d.passage_id, d.document_id, d.organisation, d.year, d.doc_type, d.visibility, d.text))
                db.execute("INSERT INTO fts(rowid, title, heading, body) VALUES(?,?,?,?)",
                           (i, prestem(d.title), prestem(d.heading), prestem(d.text)))
                db.executemany("INSERT INTO goals VALUES(?,?)", [(i, g) for g in d.goal_ids])
            db.execute("CREATE INDEX goals_id ON goals(id)")
        return time.perf_counter() - t

    def query(self, q: str):
        words, phrases, excl = fts_terms(q)
        parts = [f'"{w}"' for w in words] + ['"' + " ".join(p) + '"' for p in phrases if p]
        if not parts:
            return 0
        match = " AND ".join(parts) + "".join(f' NOT "{e}"' for e in excl if e)
        db = self.db
        base = "FROM fts JOIN meta m ON m.id = fts.rowid WHERE fts MATCH ? AND m.visibility = 'public'"
        hits = db.execute(f"SELECT m.pid, snippet(fts, 2, '<mark>', '</mark>', '…', 24) {base} "
                          "ORDER BY bm25(fts, 1.5, 2.0, 1.0) LIMIT 10", (match,)).fetchall()
        total = db.execute(f"SELECT count(*) {base}", (match,)).fetchone()[0]
        for col in ("org", "doc_type", "year"):
            db.execute(f"SELECT m.{col}, count(*) {base} GROUP BY m.{col}", (match,)).fetchall()
        db.execute(f"SELECT g.goal, count(*) FROM fts JOIN meta m ON m.id = fts.rowid JOIN goals g ON g.id = m.id "
                   "WHERE fts MATCH ? AND m.visibility = 'public' GROUP BY g.goal", (match,)).fetchall()
        return total

    def close(self):
        self.db.close()


class Tantivy:
    name = "Tantivy"

    def build(self, docs, path: Path) -> float:
        import tantivy

        self.t = tantivy
        sb = tantivy.SchemaBuilder()
        sb.add_text_field("pid", stored=True, tokenizer_name="raw")
        sb.add_text_field("title", stored=False)
        sb.add_text_field("heading", stored=True)
        sb.add_text_field("body", stored=True)
        for f in ("org", "doc_type", "visibility", "goal"):
            sb.add_text_field(f, stored=False, fast=True, tokenizer_name="raw")
        sb.add_integer_field("year", stored=False, fast=True, indexed=True)
        self.schema = sb.build()
        (path / "tantivy").mkdir()
        t = time.perf_counter()
        self.index = tantivy.Index(self.schema, path=str(path / "tantivy"))
        w = self.index.writer(heap_size=256_000_000, num_threads=2)
        for d in docs:
            w.add_document(tantivy.Document(pid=d.passage_id, title=prestem(d.title), heading=prestem(d.heading),
                                            body=prestem(d.text), org=d.organisation, doc_type=d.doc_type,
                                            visibility=d.visibility, goal=list(d.goal_ids) or [""], year=d.year or 0))
        w.commit()
        w.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()
        return time.perf_counter() - t

    def query(self, q: str):
        words, phrases, excl = fts_terms(q)
        parts = [f"+{w}" for w in words] + ['+"' + " ".join(p) + '"' for p in phrases if p] + [f"-{e}" for e in excl if e]
        if not parts:
            return 0
        text = " ".join(parts) + " +visibility:public"
        query = self.index.parse_query(text, ["title", "heading", "body"], field_boosts={"title": 1.5, "heading": 2.0})
        res = self.searcher.search(query, 10, count=True)
        gen = self.t.SnippetGenerator.create(self.searcher, query, self.schema, "body")
        for _score, addr in res.hits:
            gen.snippet_from_doc(self.searcher.doc(addr)).to_html()
        self.searcher.aggregate(query, {
            "org": {"terms": {"field": "org", "size": 30}}, "doc_type": {"terms": {"field": "doc_type", "size": 30}},
            "year": {"terms": {"field": "year", "size": 30}}, "goal": {"terms": {"field": "goal", "size": 30}},
        })
        return res.count

    def close(self):
        pass


def run(size: int, base: list[IndexDoc], engines: list[str], rounds: int, profile: bool) -> list[tuple]:
    docs = synthetic(base, size)
    rows = []
    with tempfile.TemporaryDirectory(dir=str(Path(tempfile.gettempdir()))) as tmp:
        for cls in (Ours, Fts5, Tantivy):
            if cls.__name__.lower() not in engines:
                continue
            eng = cls()
            try:
                build_s = eng.build(docs, Path(tmp))
            except ImportError as exc:
                print(f"  {cls.name}: skipped ({exc})")
                continue
            for q in QUERY_MIX:  # warm-up (first-use costs: searcher open, facet arrays, stem caches)
                eng.query(q)
            lat = []
            prof = cProfile.Profile() if (profile and cls is Ours) else None
            for _ in range(rounds):
                for q in QUERY_MIX:
                    t = time.perf_counter()
                    if prof:
                        prof.enable()
                    eng.query(q)
                    if prof:
                        prof.disable()
                    lat.append((time.perf_counter() - t) * 1000)
            rows.append((size, cls.name, size / build_s, statistics.median(lat), pct(lat, 95), max(lat)))
            print(f"  {size:>7} {cls.name:16} build {size / build_s:8.0f} passages/s   "
                  f"p50 {statistics.median(lat):7.1f} ms  p95 {pct(lat, 95):7.1f} ms  max {max(lat):7.1f} ms", flush=True)
            if prof:
                print("  -- profile of our query mix (cumulative) --")
                pstats.Stats(prof).sort_stats("cumulative").print_stats(22)
            if cls is Ours:
                slow = []
                for q in QUERY_MIX:
                    t = time.perf_counter()
                    n = eng.query(q)
                    slow.append(((time.perf_counter() - t) * 1000, q, n))
                slow.sort(reverse=True)
                print("     slowest queries (ms, query, matching passages): "
                      + "; ".join(f"{ms:.0f} {q!r} {n}" for ms, q, n in slow[:5]))
            eng.close()
            shutil.rmtree(Path(tmp) / "ours", ignore_errors=True)
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000", help="comma-separated passage counts, e.g. 10000,100000")
    ap.add_argument("--engines", default="ours,fts5,tantivy")
    ap.add_argument("--rounds", type=int, default=3, help="times the query mix is run (after one warm-up)")
    ap.add_argument("--catalogue", type=Path, help="base passages from the ingest catalogue")
    ap.add_argument("--profile", action="store_true", help="cProfile our engine's queries")
    args = ap.parse_args(argv)
    base = load_passages(args.catalogue)
    print(f"base passages: {len(base)}; query mix: {len(QUERY_MIX)} queries x {args.rounds} rounds, "
          "limit 10, highlights + facets + visibility filter")
    rows = []
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        rows += run(size, base, args.engines.split(","), args.rounds, args.profile)
    print()
    print(f"{'passages':>9} {'engine':16} {'index/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for size, name, rate, p50, p95, mx in rows:
        print(f"{size:>9} {name:16} {rate:9.0f} {p50:8.1f} {p95:8.1f} {mx:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
