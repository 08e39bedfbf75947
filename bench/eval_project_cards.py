"""Project-card evaluation against hand-made gold: precision and recall per field.

The gold's documents are ingested through the real pipeline into a fresh data directory; each gold
project's card is then read exactly as the API serves it (every document visible, status on the gold's
`today`) and compared field by field. Gold format: bench/project_cards_gold.yaml (its header explains it).

    python bench/eval_project_cards.py                                   # the sample corpus
    python bench/eval_project_cards.py --gold bench/heldout/project_cards_gold.yaml   # held-out texts
    python bench/eval_project_cards.py --verbose                         # every miss and every wrong value
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.config import DataDir  # noqa: E402
from ingest.enrich import shared  # noqa: E402
from ingest.enrich.gazetteers import load_gazetteer  # noqa: E402
from ingest.pipeline import Ingester  # noqa: E402
from ingest.store.project_cards import fold, project_cards  # noqa: E402

FIELDS = ("owner", "partners", "start", "end", "status", "financing", "amounts", "target_groups", "results")
GAZETTEER = load_gazetteer()


def canonical(name: str) -> set[str]:
    """A name and the canonical name the gazetteers give it ("ESF" and "Europeiska socialfonden" are one)."""
    names = {fold(name)}
    known = GAZETTEER.names.get(name.strip())
    if known:
        names.add(fold(known.name))
    return names


def same_name(a: str, b: str) -> bool:
    ca, cb = canonical(a), canonical(b)
    if ca & cb:
        return True
    ta, tb = set(fold(a).split()), set(fold(b).split())
    return bool(ta and tb) and (ta <= tb or tb <= ta)


def alternatives(item) -> list:
    return list(item) if isinstance(item, list) else [item]


def same_date(gold: str, predicted: str) -> bool:
    return predicted == gold or predicted.startswith(gold + "-")


class Score:
    def __init__(self):
        self.right = self.wrong = self.found = self.missed = 0

    def __str__(self) -> str:
        p = self.right / (self.right + self.wrong) if self.right + self.wrong else float("nan")
        r = self.found / (self.found + self.missed) if self.found + self.missed else float("nan")
        fmt = lambda x: "    –  " if x != x else f"{x:7.1%}"  # noqa: E731
        return (f"{fmt(p)} ({self.right}/{self.right + self.wrong})".ljust(20)
                + f"{fmt(r)} ({self.found}/{self.found + self.missed})")


def score_single(score: Score, gold, optional, predicted, match, notes: list, field: str) -> None:
    golds = [g for g in alternatives(gold) if g]
    if predicted:
        if any(match(g, predicted) for g in golds):
            score.right += 1
        elif not any(match(o, predicted) for o in alternatives(optional) if o):
            score.wrong += 1
            notes.append(f"{field}: fel {predicted!r} (guld {gold!r})")
    if golds:
        if predicted and any(match(g, predicted) for g in golds):
            score.found += 1
        else:
            score.missed += 1
            notes.append(f"{field}: saknas {gold!r}" + (f" (fick {predicted!r})" if predicted else ""))


def score_list(score: Score, gold: list, optional: list, predicted: list, match, notes: list, field: str) -> None:
    for p in predicted:
        if any(match(g, p) for item in gold for g in alternatives(item)):
            score.right += 1
        elif not any(match(g, p) for item in optional or [] for g in alternatives(item)):
            score.wrong += 1
            notes.append(f"{field}: fel {p!r}")
    for item in gold:
        if any(match(g, p) for g in alternatives(item) for p in predicted):
            score.found += 1
        else:
            score.missed += 1
            notes.append(f"{field}: saknas {item!r}")


def amount_match(gold: dict, predicted: tuple) -> bool:
    programme, amount = predicted
    if amount != gold["amount_sek"]:
        return False
    if gold.get("programme") is None:
        return programme is None
    return programme is not None and any(same_name(g, programme) for g in alternatives(gold["programme"]))


def find_project(catalogue, entry: dict) -> dict | None:
    names = [entry["project"], *(entry.get("aliases") or [])]
    for entity in catalogue.entities("project", ("public", "internal")):
        if any(fold(entity["name"]) == fold(n) for n in names):
            return entity
    return None


def evaluate(gold_path: Path, verbose: bool) -> dict[str, Score]:
    gold = yaml.safe_load(gold_path.read_text(encoding="utf-8"))
    today = date.fromisoformat(str(gold["today"]))
    scores = defaultdict(Score)
    with tempfile.TemporaryDirectory(prefix="kb-eval-cards-") as tmp:
        data = DataDir(Path(tmp))
        ingester = Ingester(data)
        report = ingester.ingest_paths([ROOT / d for d in gold["documents"]])
        if report.failed:
            print("Kunde inte läsa in:", report.failed)
        catalogue = ingester.catalogue
        frameworks = shared.frameworks()
        for entry in gold["projects"]:
            notes: list[str] = []
            entity = find_project(catalogue, entry)
            card = (project_cards(catalogue, [entity], ("public", "internal"), frameworks, today)[entity["id"]]
                    if entity else None)
            if card is None:
                notes.append("projektet hittades inte")
                card = {"owner": None, "partners": [], "period": {"start": None, "end": None}, "status": None,
                        "financing": [], "target_groups": [], "results": []}
            score_single(scores["owner"], entry.get("owner"), entry.get("owner_optional"),
                         card["owner"]["name"] if card["owner"] else None, same_name, notes, "owner")
            score_list(scores["partners"], entry.get("partners") or [], entry.get("partners_optional"),
                       [p["name"] for p in card["partners"]], same_name, notes, "partners")
            for end in ("start", "end"):
                score_single(scores[end], entry.get(end), entry.get(f"{end}_optional"), card["period"][end],
                             same_date, notes, end)
            score_single(scores["status"], entry.get("status"), entry.get("status_optional"), card["status"],
                         lambda g, p: g == p, notes, "status")
            score_list(scores["financing"], entry.get("financing") or [], entry.get("financing_optional"),
                       [f["programme"] for f in card["financing"] if f["programme"]], same_name, notes, "financing")
            score_list(scores["amounts"], entry.get("amounts") or [], [],
                       [(f["programme"], f["amount_sek"]) for f in card["financing"] if f["amount_sek"]],
                       amount_match, notes, "amounts")
            score_list(scores["target_groups"], entry.get("target_groups") or [], entry.get("target_groups_optional"),
                       [t["text"] for t in card["target_groups"]], same_name, notes, "target_groups")
            score_list(scores["results"], entry.get("results") or [], entry.get("results_optional"),
                       [r["text"] for r in card["results"]], lambda g, p: fold(g) in fold(p), notes, "results")
            if verbose and notes:
                print(f"\n{entry['project']}")
                for note in notes:
                    print("   ", note)
        catalogue.close()
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=ROOT / "bench" / "project_cards_gold.yaml")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    scores = evaluate(args.gold, args.verbose)
    print(f"\nProjektkort mot {args.gold.relative_to(ROOT) if args.gold.is_relative_to(ROOT) else args.gold}")
    print(f"{'fält':<15}{'precision':<20}recall")
    for name in FIELDS:
        print(f"{name:<15}{scores[name]}")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
