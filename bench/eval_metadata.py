"""Metadata evaluation: title, organisation, year and type per document against hand-made gold.

Three sets, each printed on its own (accuracy per field):
  real      ../shared/corpus-real, gold in bench/metadata_gold.yaml
  samples   corpus/documents read WITHOUT their .meta.yaml sidecars (gold: bench/metadata_gold.yaml)
  held-out  first pages typed in bench/metadata_heldout.yaml, built into PDF/DOCX here; never tuned on
            (batch 1 was looked at once after the first version of the rules, batch 2 was written later, batch 3
            after the rules for file-name spellings, meeting records and publisher lines)

Each file goes through the real converter (ingest.convert.convert_file) and ingest.convert.metadata.resolve.
A gold field may list several acceptable answers; null means the document does not say (left out).
Titles are compared case-insensitively with punctuation folded; organisations through the gazetteer
(an alias counts as its canonical name). Files that cannot be converted (scanned, no OCR) are listed
apart and left out of the figures.

    python bench/eval_metadata.py [--table] [--set real|samples|heldout] [--verbose]
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import unicodedata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.config import CORPUS_DIR, REAL_CORPUS_DIR  # noqa: E402
from ingest.convert import convert_file  # noqa: E402
from ingest.convert import metadata  # noqa: E402
from ingest.enrich.gazetteers import fold_name, load_gazetteer  # noqa: E402
from ingest.model import ConversionError  # noqa: E402

GOLD = ROOT / "bench" / "metadata_gold.yaml"
HELD_OUT = ROOT / "bench" / "metadata_heldout.yaml"
FIELDS = ("title", "organisation", "year", "type")
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def fold_title(text: str) -> str:
    text = unicodedata.normalize("NFC", str(text)).casefold()
    text = re.sub(r"[\W_]+", " ", text)
    return " ".join(text.split())


def fold_org(name: str) -> str:
    entry = load_gazetteer().names.get(str(name).strip())
    if entry is None:
        for surface, known in load_gazetteer().names.items():
            if known.type == "organisation" and fold_name(surface) == fold_name(str(name)):
                entry = known
                break
    return fold_name(entry.name if entry is not None and entry.type == "organisation" else str(name))


def correct(field: str, produced, accepted: list) -> bool:
    if field == "title":
        return fold_title(produced or "") in {fold_title(a) for a in accepted}
    if field == "organisation":
        return bool(produced) and fold_org(produced) in {fold_org(a) for a in accepted}
    if field == "year":
        return produced in accepted
    return produced in accepted


# -- building the held-out files --------------------------------------------------------------------

def _lines(text: str):
    for raw in text.splitlines():
        if raw.strip() == "===":
            yield "page", "", 0, False
            continue
        for prefix, size, bold in (("# ", 22, True), ("## ", 15, True), ("### ", 12, True)):
            if raw.startswith(prefix):
                yield "line", raw[len(prefix):], size, bold
                break
        else:
            if raw.strip():
                yield "line", raw, 10, False


def build_pdf(path: Path, text: str, title: str | None) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    if title:
        pdf.set_title(title)
    pdf.add_page()
    for kind, line, size, bold in _lines(text):
        if kind == "page":
            pdf.add_page()
            continue
        pdf.set_font("DejaVu", "B" if bold else "", size)
        pdf.multi_cell(0, size * 0.55, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(size * 0.2)
    pdf.output(str(path))


def build_docx(path: Path, text: str, title: str | None) -> None:
    import docx
    from docx.shared import Pt

    document = docx.Document()
    if title:
        document.core_properties.title = title
    for kind, line, size, bold in _lines(text):
        if kind == "page":
            continue
        run = document.add_paragraph().add_run(line)
        run.font.size = Pt(size)
        run.bold = bold
    document.save(str(path))


# -- running -----------------------------------------------------------------------------------------

def produce(path: Path) -> dict | str:
    try:
        converted = convert_file(path)
    except ConversionError as exc:
        return str(exc)
    meta = metadata.resolve(path, converted)
    return {"title": meta["title"], "organisation": meta["organisation"], "year": meta["year"],
            "type": meta["doc_type"]}


def evaluate(name: str, cases: list[tuple[str, Path, dict]], table: bool, verbose: bool) -> None:
    hits = {f: 0 for f in FIELDS}
    totals = {f: 0 for f in FIELDS}
    skipped = []
    rows = []
    for label, path, gold in cases:
        result = produce(path)
        if isinstance(result, str):
            skipped.append((label, result))
            continue
        marks = {}
        for field in FIELDS:
            accepted = gold.get(field)
            if accepted is None:
                marks[field] = " "
                continue
            accepted = accepted if isinstance(accepted, list) else [accepted]
            ok = correct(field, result[field], accepted)
            totals[field] += 1
            hits[field] += ok
            marks[field] = "✓" if ok else "✗"
            if verbose and not ok:
                print(f"  {label}: {field} = {result[field]!r}, gold {accepted}")
        rows.append((label, result, marks))
    if table:
        print(f"\n| {name} file | title | organisation | year | type |\n|---|---|---|---|---|")
        for label, result, marks in rows:
            cells = [f"{marks[f]} {result[f] if result[f] not in (None, '') else '—'}" for f in FIELDS]
            print(f"| {label} | " + " | ".join(c.replace("|", "/") for c in cells) + " |")
        for label, reason in skipped:
            print(f"| {label} | not converted: {reason} | | | |")
    figures = "  ".join(f"{f} {hits[f]}/{totals[f]} ({hits[f] / totals[f]:.0%})" if totals[f] else f"{f} –"
                        for f in FIELDS)
    all_hits, all_totals = sum(hits.values()), sum(totals.values())
    print(f"{name:<10} {len(rows):>2} documents  {figures}  all {all_hits}/{all_totals} "
          f"({all_hits / max(1, all_totals):.0%})" + (f"  [{len(skipped)} not converted]" if skipped else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", action="store_true", help="print every document's values as a Markdown table")
    parser.add_argument("--set", choices=["real", "samples", "heldout"], action="append")
    parser.add_argument("--verbose", action="store_true", help="print every wrong field")
    args = parser.parse_args()
    sets = args.set or ["real", "samples", "heldout"]
    gold = yaml.safe_load(GOLD.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if "real" in sets:
            cases = [(n, Path(REAL_CORPUS_DIR) / n, g) for n, g in gold["real"].items()
                     if (Path(REAL_CORPUS_DIR) / n).exists()]
            evaluate("real", cases, args.table, args.verbose)
        if "samples" in sets:
            cases = []
            for n, g in gold["samples"].items():
                target = tmp / "samples" / n  # a copy without its sidecar
                target.parent.mkdir(exist_ok=True)
                shutil.copyfile(CORPUS_DIR / "documents" / n, target)
                cases.append((n, target, g))
            evaluate("samples", cases, args.table, args.verbose)
        if "heldout" in sets:
            batches: dict[int, list] = {}
            for doc in yaml.safe_load(HELD_OUT.read_text(encoding="utf-8"))["documents"]:
                target = tmp / "heldout" / doc["file"]
                target.parent.mkdir(exist_ok=True)
                build = build_docx if doc.get("format") == "docx" or target.suffix == ".docx" else build_pdf
                build(target, doc["text"], doc.get("embedded_title"))
                batches.setdefault(doc.get("batch", 1), []).append((doc["file"], target, doc["gold"]))
            for batch, cases in sorted(batches.items()):
                evaluate(f"held-out {batch}", cases, args.table, args.verbose)


if __name__ == "__main__":
    main()
