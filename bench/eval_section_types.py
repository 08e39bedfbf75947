"""Section-type evaluation: precision and recall per type against hand-made gold.

Gold (bench/section_types_gold.yaml): real headings of the sample corpus (which carries the seed texts)
and of the real-file corpus (../shared/corpus-real), labelled before the rules were written. Each file
goes through the real converter and splitter; every passage is classified with its document's context
(ingest.enrich.section_types.classify_passages) and a gold section is judged by its first passage
(a section with no text of its own by its heading path, as the document's table of contents shows it).
The held-out set (bench/section_types_heldout.yaml: heading paths and texts written apart, never used
to write the rules) is classified passage by passage and reported on its own with --heldout.

    python bench/eval_section_types.py [--heldout] [--verbose]
"""
from __future__ import annotations

import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.config import CORPUS_DIR, REAL_CORPUS_DIR, Limits  # noqa: E402
from ingest.enrich.section_types import NO_TYPE, classify, classify_passages, document_headings, vocabulary  # noqa: E402

GOLD = ROOT / "bench" / "section_types_gold.yaml"
HELDOUT = ROOT / "bench" / "section_types_heldout.yaml"
NONE = "ingen"


def _norm(text: str) -> str:
    return " ".join((text or "").lower().split())


SPEED: list[tuple[list, str]] = []  # (passages, title) of every file read, for the timing line


def converted_sections(path: Path) -> dict[str, list[str]]:
    """heading (normalised) -> the type of the first passage of each section with that heading."""
    from ingest.convert import convert_isolated, metadata
    from ingest.convert.splitter import split

    converted = convert_isolated(path, Limits())
    title = metadata.resolve(path, converted, None)["title"]
    sections, passages = split("d-eval", converted.blocks, title)
    SPEED.append((passages, title))
    types = classify_passages(passages, title)
    skip = document_headings(passages, title)
    first: dict[int, str] = {}
    for p in passages:
        first.setdefault(p.section_ord, types.get(p.id, NO_TYPE))
    out: dict[str, list[str]] = defaultdict(list)
    for section in sections:  # a section with no text of its own: what its heading path says (as in the TOC)
        found = first[section.ord] if section.ord in first else classify(section.path, "", skip=skip)
        out[_norm(section.heading)].append(found or NONE)
    return out


def gold_pairs(verbose: bool) -> tuple[list[tuple[str, str, str]], list[str]]:
    """[(label, predicted, expected)], and the gold headings the converter no longer finds."""
    gold = yaml.safe_load(GOLD.read_text(encoding="utf-8"))
    pairs, missing = [], []
    for group, folder in (("sample", CORPUS_DIR / "documents"), ("real", REAL_CORPUS_DIR)):
        for file_name, headings in (gold.get(group) or {}).items():
            path = folder / file_name
            if not path.is_file():
                missing += [f"{file_name}: (filen saknas)"]
                continue
            found = converted_sections(path)
            for heading, expected in headings.items():
                predicted = found.get(_norm(heading))
                if not predicted:
                    missing.append(f"{file_name}: {heading}")
                    continue
                pairs.append((f"{file_name[:28]} | {heading}", predicted[0], expected))
    return pairs, missing


def heldout_pairs() -> list[tuple[str, str, str]]:
    items = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))["items"]
    pairs = []
    for item in items:
        predicted = classify(item.get("path") or [], item.get("text") or "") or NONE
        label = " > ".join(item.get("path") or []) or "(ingen rubrik)"
        if item.get("text"):
            label += f" | {item['text'][:50]}…"
        pairs.append((label, predicted, item["type"]))
    return pairs


def report(title: str, pairs: list[tuple[str, str, str]], verbose: bool) -> None:
    types = list(vocabulary().types)
    tp, fp, fn = defaultdict(int), defaultdict(int), defaultdict(int)
    for _label, predicted, expected in pairs:
        if predicted == expected:
            tp[predicted] += 1
        else:
            fp[predicted] += 1
            fn[expected] += 1
    fmt = lambda n, d: f"{n / d:6.1%} ({n}/{d})" if d else "     –      "  # noqa: E731
    print(f"\n{title}: {len(pairs)} avsnitt, {sum(tp.values())} rätt ({sum(tp.values()) / max(1, len(pairs)):.1%})")
    print(f"{'typ':<16}{'precision':<20}{'recall':<20}")
    for key in types + [NONE]:
        if tp[key] + fp[key] + fn[key] == 0:
            continue
        print(f"{key:<16}{fmt(tp[key], tp[key] + fp[key]):<20}{fmt(tp[key], tp[key] + fn[key]):<20}")
    errors = [(label, p, e) for label, p, e in pairs if p != e]
    if errors:
        print(f"fel ({len(errors)}):" if verbose else f"fel: {len(errors)} (--verbose visar dem)")
        if verbose:
            for label, predicted, expected in errors:
                print(f"  {label[:100]:<100}  gav {predicted}, väntat {expected}")


def main() -> None:
    verbose = "--verbose" in sys.argv[1:]
    started = time.perf_counter()
    if "--heldout" in sys.argv[1:]:
        report("Held-out (skrivet utan reglerna, aldrig använt för dem)", heldout_pairs(), verbose)
    else:
        pairs, missing = gold_pairs(verbose)
        report("Gold (riktiga rubriker: exempelkorpusen/fröna och corpus-real)", pairs, verbose)
        if missing:
            print(f"\n{len(missing)} guldrubriker hittades inte av konverteraren (räknas inte):")
            for item in missing:
                print(f"  {item}")
        timings = []
        for _run in range(5):
            vocabulary().__dict__["_headings"].clear()  # time the rules, not the cache of headings seen
            begun = time.perf_counter()
            for passages, title in SPEED:
                classify_passages(passages, title)
            timings.append(time.perf_counter() - begun)
        count = sum(len(p) for p, _t in SPEED)
        print(f"\nklassning: {count} stycken ur {len(SPEED)} filer på {statistics.median(timings) * 1000:.0f} ms "
              f"(median av 5), {statistics.median(timings) / max(1, count) * 1e6:.0f} µs per stycke")
    print(f"\n({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
