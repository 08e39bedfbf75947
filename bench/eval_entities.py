"""Entity-extraction evaluation against hand-made gold (bench/entities_gold.yaml).

For each gold document the converter's blocks go through ingest.enrich.entities.extract_entities one by
one; the distinct entities found (type + ingest.enrich.gazetteers.entity_key of the canonical name) are
compared with the gold list. Precision, recall and F1 per type and overall (projects,
organisations, places, programmes; time spans on their own line), then every false positive and
false negative with the words that produced it.

    python bench/eval_entities.py [--verbose]
"""
from __future__ import annotations

import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.convert import convert_file  # noqa: E402
from ingest.enrich.entities import extract_entities  # noqa: E402
from ingest.enrich.gazetteers import ENTITY_TYPES, entity_key  # noqa: E402
from ingest.convert.splitter import split  # noqa: E402

GOLD = ROOT / "bench" / "entities_gold.yaml"
TYPES = (*ENTITY_TYPES, "timespan")


def key(type_: str, name: str) -> str:
    if type_ == "timespan":  # "mellan maj 2020 och oktober 2021" and "maj 2020 och oktober 2021" are one span
        name = re.sub(r"^(?:från|mellan|under perioden)\s+", "", name.strip(), flags=re.IGNORECASE)
    return entity_key(type_, name)


def gold_keys(entries: list[dict]) -> dict[str, str]:
    """Every accepted key -> the gold entry's display name."""
    keys = {}
    for entry in entries or []:
        for name in [entry["name"], *(entry.get("aliases") or [])]:
            keys[key(entry["type"], name)] = f"{entry['type']}:{entry['name']}"
    return keys


class Counts:
    def __init__(self):
        self.tp = self.fp = self.fn = 0

    def row(self) -> str:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")
        f = 2 * p * r / (p + r) if p + r else 0.0
        fmt = lambda x: "   –  " if x != x else f"{x:6.1%}"  # noqa: E731
        prec = f"{fmt(p)} ({self.tp}/{self.tp + self.fp})"
        rec = f"{fmt(r)} ({self.tp}/{self.tp + self.fn})"
        return f"{prec:<20}{rec:<20}{fmt(f) if self.tp + self.fp and self.tp + self.fn else '   –  '}"


def main() -> None:
    verbose = "--verbose" in sys.argv[1:]
    started = time.perf_counter()
    gold = yaml.safe_load(GOLD.read_text(encoding="utf-8"))
    per_type = defaultdict(Counts)
    details = []
    for doc in gold["documents"]:
        path = ROOT / doc["file"]
        required = gold_keys(doc["entities"])
        optional = gold_keys(doc.get("optional"))
        converted = convert_file(path)
        found: dict[str, dict] = {}  # predicted key -> {"type", "name", "surfaces"}
        for block in converted.blocks:
            for m in extract_entities(block.text):
                k = key(m.type, m.name)
                item = found.setdefault(k, {"type": m.type, "name": m.name, "surfaces": []})
                if m.surface not in item["surfaces"]:
                    item["surfaces"].append(m.surface)
        matched_gold = {required[k] for k in found if k in required}  # a name and its alias count once
        fps = [(item["type"], f"{item['type']}:{item['name']}  «{' | '.join(item['surfaces'])}»")
               for k, item in found.items() if k not in required and k not in optional]
        fns = sorted(set(required.values()) - matched_gold)
        for g in matched_gold:
            per_type[g.split(":", 1)[0]].tp += 1
        for type_, _ in fps:
            per_type[type_].fp += 1
        for g in fns:
            per_type[g.split(":", 1)[0]].fn += 1
        # What the ingest pipeline stores: entities of passage texts (headings are not passage text).
        _, passages = split("eval", converted.blocks, converted.title or "")
        in_passages = {key(m.type, m.name) for p in passages for m in extract_entities(p.text)}
        pipeline_missed = sorted({required[k] for k in found if k in required} - {required[k] for k in in_passages
                                                                                   if k in required})
        details.append((path.name, len(set(required.values())), len(found), [text for _, text in fps], fns,
                        pipeline_missed))
        if verbose:
            print(f"{path.name}: utvunnet")
            for k, item in found.items():
                mark = "guld" if k in required else "valfri" if k in optional else "FP"
                print(f"  {mark:<7}{item['type']}:{item['name']}  «{' | '.join(item['surfaces'])}»")

    print(f"Entitetsutvinning mot handmärkt guld ({len(gold['documents'])} dokument, unika entiteter per dokument)\n")
    print(f"{'typ':<24}{'precision':<20}{'recall':<20}F1")
    overall = Counts()
    for t in TYPES:
        c = per_type[t]
        label = t if t != "timespan" else "timespan (ej i totalt)"
        print(f"{label:<24}{c.row()}")
        if t != "timespan":
            overall.tp += c.tp
            overall.fp += c.fp
            overall.fn += c.fn
    print(f"{'totalt (4 typer)':<24}{overall.row()}")
    for name, n_gold, n_found, fps, fns, pipeline_missed in details:
        print(f"\n{name}: {n_gold} guldentiteter, {n_found} utvunna")
        print("  Falska positiva:" + ("" if fps else " inga"))
        for fp in fps:
            print(f"    {fp}")
        print("  Missade (falska negativa):" + ("" if fns else " inga"))
        for fn in fns:
            print(f"    {fn}")
        if pipeline_missed:
            print("  Hittas i blocken men inte i avsnittstexterna som pipelinen lagrar (bara i rubriker):")
            for g in pipeline_missed:
                print(f"    {g}")
    print(f"\n({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
