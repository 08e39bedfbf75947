"""Write corpus/goals/examples/<framework>.yaml: passages of plans whose "#N"/"Målområde:" headings
label the text under them. Run after changing the plans or the goal frameworks:

    python corpus/build_goal_examples.py
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.convert import convert_file  # noqa: E402
from ingest.enrich.goal_examples import labelled_passages  # noqa: E402
from ingest.enrich.goals import load_frameworks  # noqa: E402
from ingest.convert.splitter import split  # noqa: E402

# Plans whose headings name goals. Only these label examples: a project report's headings do not.
SOURCES = ["documents/region-vastmanland_verksamhetsplan-2021-2023.pdf"]


def main() -> None:
    frameworks = load_frameworks(ROOT / "corpus" / "goals")
    by_framework: dict[str, list[dict]] = defaultdict(list)
    for source in SOURCES:
        path = ROOT / "corpus" / source
        converted = convert_file(path)
        _, passages = split("example", converted.blocks, converted.title or "")
        for example in labelled_passages(frameworks, passages):
            fw = example["goal_id"].split(":", 1)[0]
            by_framework[fw].append({"goal_id": example["goal_id"], "source": f"{path.name} — {example['heading']}",
                                     "text": example["text"]})
    out_dir = ROOT / "corpus" / "goals" / "examples"
    out_dir.mkdir(exist_ok=True)
    for fw, examples in by_framework.items():
        header = f"# Genererad av corpus/build_goal_examples.py ur {', '.join(SOURCES)}. Redigera inte för hand.\n"
        text = yaml.safe_dump({"framework": fw, "examples": examples}, allow_unicode=True, sort_keys=False, width=100)
        (out_dir / f"{fw}.yaml").write_text(header + text, encoding="utf-8")
        counts = defaultdict(int)
        for e in examples:
            counts[e["goal_id"]] += 1
        print(f"{fw}: {len(examples)} exempel för {len(counts)} mål")
        for gid, n in sorted(counts.items()):
            print(f"  {gid:<40} {n}")


if __name__ == "__main__":
    main()
