"""Build a large data dir (catalogue + index) for load tests, from an ingested one.

    python bench/make_large_data.py SOURCE_DATA TARGET_DATA --passages 100000

Every document of SOURCE is copied again and again into TARGET with its passages varied (sentences
shuffled and mixed with another passage's, organisation and year changed), its goal links and
entity mentions kept, until TARGET holds about --passages passages. The search index is then rebuilt
from the catalogue, and the rebuild rate is printed. A tenth of the copies are internal.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.store.catalogue import Catalogue, DocumentRecord  # noqa: E402
from ingest.config import DataDir  # noqa: E402
from ingest.store.indexing import rebuild  # noqa: E402
from search import SearchIndex  # noqa: E402

SENTENCE = re.compile(r"(?<=[.!?])\s+")
ORGANISATIONS = ["Region Västmanland", "Nätverk Westum", "Västerås stad", "Köpings kommun", "Sala kommun",
                 "Fagersta kommun", "Region Örebro län", "Länsstyrelsen Västmanland", "Arboga kommun", "Folkuniversitetet"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    source = Catalogue(DataDir(args.source).catalogue)
    target_dir = DataDir(args.target.resolve()).ensure()
    target = Catalogue(target_dir.catalogue)
    docs = source.documents()
    pool = [p.text for d in docs for p in source.passages(d.id)]
    written, copy = 0, 0
    start = time.perf_counter()
    while written < args.passages:
        copy += 1
        for doc in docs:
            if written >= args.passages:
                break
            passages = source.passages(doc.id)
            ids = [p.id for p in passages]
            links = source.links_for_passages(ids)
            entities = source.entities_for_passages(ids)
            new_id = f"{doc.id}x{copy}"
            new_passages, new_links, new_mentions, new_entities = [], [], [], {}
            for p in passages:
                sentences = SENTENCE.split(p.text) + SENTENCE.split(rng.choice(pool))[:2]
                rng.shuffle(sentences)
                pid = f"{p.id}x{copy}"
                new_passages.append({"id": pid, "ord": p.ord, "section_ord": p.section_ord,
                                     "heading_path": p.heading_path, "page_start": p.page_start,
                                     "page_end": p.page_end, "text": " ".join(sentences)[:2500]})
                new_links += [{"passage_id": pid, "goal_id": l["goal_id"], "score": l["score"],
                               "kind": l["kind"] if l["kind"] != "confirmed" else "explicit", "evidence": l["evidence"]}
                              for l in links.get(p.id, [])]
                for e in entities.get(p.id, []):
                    new_entities[e["id"]] = {"id": e["id"], "type": e["type"], "name": e["name"]}
                    new_mentions.append({"entity_id": e["id"], "passage_id": pid, "surface": e["name"],
                                         "start": -1, "end": -1})
            record = DocumentRecord(
                id=new_id, source_path=f"bench:{new_id}", file_name=doc.file_name, sha256=f"{doc.sha256}-{copy}",
                title=f"{doc.title} ({copy})", format=doc.format, organisation=rng.choice(ORGANISATIONS),
                year=rng.randint(2012, 2026), doc_type=doc.doc_type,
                visibility="internal" if rng.random() < 0.1 else "public", pages=doc.pages, ingested_at=doc.ingested_at,
            )
            target.replace_document(record, sections=source.sections(doc.id), passages=new_passages,
                                    mentions=new_mentions, entities=list(new_entities.values()), links=new_links)
            written += len(new_passages)
        print(f"  {written} stycken skrivna ({time.perf_counter() - start:.0f} s)", flush=True)
    print(f"katalog: {written} stycken i {copy} kopior av {len(docs)} dokument")
    index = SearchIndex(target_dir.index)
    start = time.perf_counter()
    count = rebuild(target, index)
    seconds = time.perf_counter() - start
    print(f"index: {count} stycken på {seconds:.1f} s = {count / seconds:.0f} stycken/s")


if __name__ == "__main__":
    main()
