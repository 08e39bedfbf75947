"""Ingest throughput: pages/s and passages/s for a folder, beside pypdf alone on the same PDFs, and
OCR pages/s (Tesseract, Swedish model, pages read two at a time) on the scanned PDFs.

    python bench/bench_ingest.py [FOLDER ...] [--runs 3] [--ocr-only]

Defaults to corpus/documents and ../shared/corpus-real. Each run ingests into a fresh temporary data
dir through the real pipeline (conversion, splitting, entities, goal links, catalogue, index). Prints
medians; the machine has 2 cores and is noisy.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.config import DataDir  # noqa: E402
from ingest.pipeline import Ingester, iter_files  # noqa: E402


def pypdf_only(pdfs: list[Path]) -> tuple[int, float]:
    import pypdf

    pages, start = 0, time.perf_counter()
    for path in pdfs:
        try:
            reader = pypdf.PdfReader(str(path))
            for page in reader.pages:
                page.extract_text()
                pages += 1
        except Exception:
            continue
    return pages, time.perf_counter() - start


def ocr_only(scans: list[Path]) -> tuple[int, float]:
    """OCR every page of fully scanned PDFs the way the converter child does (render, read, 2 at once)."""
    from pypdf import PdfReader

    from ingest.config import Limits
    from ingest.convert import ocr

    pages, start = 0, time.perf_counter()
    for path in scans:
        count = len(PdfReader(str(path)).pages)
        result = ocr.read_pdf_pages(path, list(range(1, count + 1)), Limits())
        pages += len(result.lines) + len(result.empty)
    return pages, time.perf_counter() - start


def scanned_pdfs(folder: Path) -> list[Path]:
    """PDFs without a text layer on any page."""
    from pypdf import PdfReader

    found = []
    for path in sorted(folder.glob("*.pdf")):
        try:
            if not any(len((page.extract_text() or "").strip()) >= 20 for page in PdfReader(str(path)).pages):
                found.append(path)
        except Exception:
            continue
    return found


def one_run(folder: Path, workers: int | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        ingester = Ingester(DataDir(Path(tmp)))
        if workers is not None:
            ingester.workers = workers
        ingester.knowledge  # load spaCy, gazetteers and the goal linker outside the timing
        ingester.index
        start = time.perf_counter()
        report = ingester.ingest_paths([folder])
        seconds = time.perf_counter() - start
        docs = ingester.catalogue.documents()
        pages = sum(d.pages or 0 for d in docs)
        pdf_pages = sum(d.pages or 0 for d in docs if d.format == "pdf")
        return {"seconds": seconds, "pages": pages, "pdf_pages": pdf_pages, "passages": report.passages,
                "ingested": len(report.ingested), "failed": len(report.failed)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path,
                        default=[ROOT / "corpus" / "documents", ROOT.parent / "shared" / "corpus-real"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ocr-only", action="store_true", help="bara OCR-mätningen")
    args = parser.parse_args()
    scans = [p for folder in args.folders if folder.exists() for p in scanned_pdfs(folder)]
    if scans:
        timings = [ocr_only(scans) for _ in range(args.runs)]
        pages, seconds = timings[0][0], statistics.median(t[1] for t in timings)
        print(f"OCR (Tesseract swe, 300 dpi, 2 sidor åt gången) på {len(scans)} skannade PDF: {pages} sidor, "
              f"{seconds:.2f} s (median), {pages / seconds:.2f} sidor/s")
    if args.ocr_only:
        return
    print(f"{'mapp':<22} {'arbetare':>8} {'filer':>6} {'fel':>4} {'sidor':>6} {'stycken':>8} {'s (median)':>10} "
          f"{'sidor/s':>8} {'stycken/s':>9}")
    for folder in args.folders:
        if not folder.exists():
            print(f"{folder}: finns inte, hoppar över")
            continue
        for workers in (1, 2):
            runs = [one_run(folder, workers) for _ in range(args.runs)]
            seconds = statistics.median(r["seconds"] for r in runs)
            r = runs[0]
            print(f"{folder.name:<22} {workers:>8} {r['ingested']:>6} {r['failed']:>4} {r['pages']:>6} {r['passages']:>8} "
                  f"{seconds:>10.2f} {r['pages'] / seconds:>8.1f} {r['passages'] / seconds:>9.1f}")
        pdfs = [p for p, problem in iter_files([folder]) if problem is None and p.suffix.lower() == ".pdf"]
        timings = [pypdf_only(pdfs) for _ in range(args.runs)]
        pages = timings[0][0]
        seconds = statistics.median(t[1] for t in timings)
        print(f"{folder.name:<22} {'pypdf':>8} {len(pdfs):>6} {'':>4} {pages:>6} {'':>8} {seconds:>10.2f} "
              f"{pages / seconds:>8.1f}   (bara textutvinning, ingen rensning, analys eller lagring)")


if __name__ == "__main__":
    main()
