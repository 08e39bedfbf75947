"""OCR with Tesseract's Swedish model: scanned PDF pages and images become lines of text with a size,
page by page. Every page runs in its own subprocesses (pdftoppm renders, tesseract reads), each bounded
in time and memory by the registry's OCR budget; two pages are read at once.

Tesseract is called directly rather than through OCRmyPDF: a 14-page scan took 50 s this way against
70 s for OCRmyPDF (which also writes a new PDF we would have to read again), and the hOCR output gives
each line's size and each word's confidence, which heading detection and noise filtering use.
"""
from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml import etree

from ingest.config import Limits
from ingest.convert import budget
from ingest.convert.cleanup import normalise
from ingest.convert.registry import OCR
from ingest.model import ConversionError

TESSERACT = os.environ.get("KUNSKAPSBANK_TESSERACT", "tesseract")
PDFTOPPM = os.environ.get("KUNSKAPSBANK_PDFTOPPM", "pdftoppm")
MIN_WORD_CONFIDENCE = 40  # below this a "word" is mostly a speck, a photo edge or a table rule
MIN_LINE_CONFIDENCE = 55
_XHTML = "{http://www.w3.org/1999/xhtml}"
_TITLE_FIELD = re.compile(r"(\w+) ([^;]+)")

Line = tuple[str, float]  # (text, size in points); ("", 0.0) is a paragraph break


@dataclass
class OcrResult:
    lines: dict[int, list[Line]] = field(default_factory=dict)  # page -> lines, only pages with text
    failed: list[int] = field(default_factory=list)  # OCR ran out of time or memory, or could not render
    empty: list[int] = field(default_factory=list)  # read, but nothing legible (photos, blank pages)
    skipped: list[int] = field(default_factory=list)  # beyond Limits.max_ocr_pages


@lru_cache(maxsize=1)
def missing() -> str | None:
    """A Swedish reason naming the Debian package when OCR cannot run here, else None."""
    packages = " och ".join(OCR.packages)
    if shutil.which(TESSERACT) is None:
        return f"OCR-programmet Tesseract är inte installerat (Debian-paketen {packages})."
    try:
        languages = subprocess.run([TESSERACT, "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return f"OCR-programmet Tesseract kunde inte startas (Debian-paketen {packages})."
    if OCR.languages not in languages.split():
        return f"Tesseracts svenska modell saknas (Debian-paketet {OCR.packages[-1]})."
    return None


@lru_cache(maxsize=1)
def missing_renderer() -> str | None:
    if shutil.which(PDFTOPPM) is None:
        return f"Programmet pdftoppm som ritar PDF-sidor för OCR saknas (Debian-paketet {OCR.render_package})."
    return None


def _run(command: list[str], seconds: float) -> subprocess.CompletedProcess:
    """One bounded step: the shell's ulimit caps its address space, the timeout kills it."""
    kilobytes = OCR.memory_mb_per_page * 1024
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # pages run side by side; one thread each
    return subprocess.run(["sh", "-c", f'ulimit -v {kilobytes}; exec "$@"', "sh", *command],
                          capture_output=True, timeout=max(1.0, seconds), env=env, check=True)


def read_image(image: Path, seconds: float, dpi: int = OCR.dpi) -> list[Line]:
    """Tesseract on one image; lines of confident words, with paragraph breaks between paragraphs."""
    result = _run([TESSERACT, str(image), "stdout", "-l", OCR.languages, "--dpi", str(dpi), "hocr"], seconds)
    return lines_from_hocr(result.stdout, dpi)


def _fields(node) -> dict[str, str]:
    return dict(_TITLE_FIELD.findall(node.get("title", "")))


def lines_from_hocr(hocr: bytes, dpi: int = OCR.dpi) -> list[Line]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    root = etree.fromstring(hocr, parser)
    lines: list[Line] = []
    for paragraph in root.iter(f"{_XHTML}p"):
        kept_any = False
        for line in paragraph.iter(f"{_XHTML}span"):
            if line.get("class") not in ("ocr_line", "ocr_header", "ocr_caption", "ocr_textfloat"):
                continue
            words, confidences = [], []
            for word in line.iter(f"{_XHTML}span"):
                if word.get("class") != "ocrx_word":
                    continue
                text = "".join(word.itertext()).strip()
                confidence = float(_fields(word).get("x_wconf", "0"))
                if text and confidence >= MIN_WORD_CONFIDENCE:
                    words.append(text)
                    confidences.append(confidence)
            text = normalise(" ".join(words))
            if not text or not re.search(r"[^\W\d_]{2}", text) or sum(confidences) / len(confidences) < MIN_LINE_CONFIDENCE:
                continue
            x_size = float(_fields(line).get("x_size", "0") or 0)
            lines.append((text, round(x_size * 72 / dpi * 2) / 2))  # points, in half-point steps
            kept_any = True
        if kept_any:
            lines.append(("", 0.0))
    return lines


def _render_page(pdf: Path, page: int, folder: Path, seconds: float) -> Path:
    prefix = folder / f"sida{page}"
    _run([PDFTOPPM, "-r", str(OCR.dpi), "-gray", "-png", "-f", str(page), "-l", str(page), str(pdf), str(prefix)],
         seconds)
    rendered = sorted(folder.glob(f"sida{page}-*.png"))
    if not rendered:
        raise subprocess.CalledProcessError(1, PDFTOPPM)
    return rendered[0]


def _read_pages(pages: list[int], read_one, limits: Limits) -> OcrResult:
    """Read pages two at a time, each within its own budget; ask the parent for the time that takes."""
    result = OcrResult()
    todo, result.skipped = pages[: limits.max_ocr_pages], pages[limits.max_ocr_pages:]
    if not todo:
        return result
    rounds = math.ceil(len(todo) / OCR.parallel_pages)
    budget.extend(rounds * OCR.seconds_per_page + 30)

    def one(page: int) -> tuple[int, list[Line] | None]:
        try:
            return page, read_one(page)
        except (subprocess.SubprocessError, OSError, etree.XMLSyntaxError, ValueError):
            return page, None

    with ThreadPoolExecutor(max_workers=OCR.parallel_pages) as pool:
        for page, lines in pool.map(one, todo):
            if lines is None:
                result.failed.append(page)
            elif any(text for text, _ in lines):
                result.lines[page] = lines
            else:
                result.empty.append(page)
    return result


def read_pdf_pages(pdf: Path, pages: list[int], limits: Limits) -> OcrResult:
    """OCR the given 1-based pages of a PDF. Raises ConversionError when OCR cannot run here."""
    reason = missing() or missing_renderer()
    if reason:
        raise ConversionError(reason)
    with tempfile.TemporaryDirectory(prefix="kb-ocr-") as tmp:
        folder = Path(tmp)

        def read_one(page: int) -> list[Line]:
            started = time.monotonic()
            image = _render_page(pdf, page, folder, OCR.seconds_per_page)
            try:
                return read_image(image, OCR.seconds_per_page - (time.monotonic() - started))
            finally:
                image.unlink(missing_ok=True)

        return _read_pages(pages, read_one, limits)


def read_images(images: list[Path], limits: Limits, dpi: int = OCR.dpi) -> OcrResult:
    """OCR image files (already written by the caller), page i+1 being images[i]."""
    reason = missing()
    if reason:
        raise ConversionError(reason)
    return _read_pages(list(range(1, len(images) + 1)),
                       lambda page: read_image(images[page - 1], OCR.seconds_per_page, dpi), limits)


def describe_pages(pages: list[int]) -> str:
    """[1, 2, 3, 7] -> 'Sidorna 1–3, 7'; [4] -> 'Sidan 4'."""
    ranges, start, prev = [], pages[0], pages[0]
    for p in pages[1:] + [None]:
        if p is not None and p == prev + 1:
            prev = p
            continue
        ranges.append(f"{start}–{prev}" if prev != start else str(start))
        if p is not None:
            start = prev = p
    label = "Sidan" if len(pages) == 1 else "Sidorna"
    return f"{label} {', '.join(ranges)}"


def note(ocr_pages: list[int]) -> str:
    """The per-document note: which pages were read with OCR ('tolkad med OCR')."""
    return f"{describe_pages(ocr_pages)} saknade textlager och tolkades med OCR; texten kan innehålla fel."
