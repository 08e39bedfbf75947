"""PDF via pypdf: page-stamped paragraphs and headings, with extraction damage repaired.

Headings come from font size (a line set clearly larger than the body text) and, where sizes say
nothing, from numbering such as "2.2 Målområde: …" or "#17 Öka …". Running headers and footers,
bare page numbers, dot leaders and text from broken font encodings are left out.
"""
from __future__ import annotations

import logging
import math
import re
from collections import Counter
from pathlib import Path
from statistics import median

from ingest.config import Limits
from ingest.convert import ocr, structure
from ingest.convert.cleanup import join_hyphenated, looks_like_garbage, normalise, strip_dot_leader
from ingest.convert.repair import repair_small_caps
from ingest.model import Block, ConvertedDocument, ConversionError

logging.getLogger("pypdf").setLevel(logging.ERROR)

_PAGE_NUMBER = re.compile(r"^(sida|s\.|page)?\s*\d{1,4}(\s*(\(|av|/)\s*\d{1,4}\)?)?$", re.I)
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(\.\d{1,2}){0,3}\.?)\s+[A-ZÅÄÖ]\S")
_GOAL_HEADING = re.compile(r"^#\d{1,2}\.?\s+[A-ZÅÄÖ]")
_BULLET = re.compile(r"^\s*([•●▪■◦‣\-–*]|\d{1,2}[.)])\s+")
_SENTENCE_END = re.compile(r"[.!?:;]\"?”?\)?$")
_JUNK_TITLE = re.compile(r"^(microsoft word|föreskriftens namn|untitled|namnlös|dokument\d*$)", re.I)


def _key(text: str) -> str:
    return re.sub(r"\W+", "", text).lower()


def _page_lines_with_sizes(page) -> tuple[str, dict[str, float]]:
    """Extracted text plus the largest font size seen for each line's text (keyed loosely)."""
    fragments: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if text and text.strip():
            scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3]) or 1.0
            y = tm[5] * cm[3] + cm[5]
            fragments.append((round(y, 0), float(font_size or 0) * scale, text))

    text = page.extract_text(visitor_text=visit) or ""
    sizes: dict[str, float] = {}
    lines: dict[float, list[tuple[float, str]]] = {}
    for y, size, fragment in fragments:
        lines.setdefault(y, []).append((size, fragment))
        for piece in fragment.split("\n"):
            if _key(piece):
                sizes[_key(piece)] = max(size, sizes.get(_key(piece), 0))
    for parts in lines.values():
        joined = _key("".join(f for _, f in parts))
        if joined:
            sizes[joined] = max(max(s for s, _ in parts), sizes.get(joined, 0))
    return text, sizes


def _size_of(line: str, sizes: dict[str, float]) -> float:
    """Font size of a line; a line that de-hyphenation joined with the next one has the size of its
    first part."""
    key = _key(line)
    size = sizes.get(key)
    if size is not None:
        return size
    starts = [k for k in sizes if len(k) >= 8 and key.startswith(k)]
    return sizes[max(starts, key=len)] if starts else 0.0


def _repeated_lines(pages: list[list[str]]) -> set[str]:
    """Lines at the top or bottom of many pages: running headers and footers."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        edge = [l for l in lines if l.strip()]
        keys = {re.sub(r"\d+", "#", _key(l)) for l in edge[:3] + edge[-3:]}
        counts.update(k for k in keys if k)
    threshold = max(3, len(pages) // 2)
    return {k for k, n in counts.items() if n >= threshold}


_BULLET_GLYPH = re.compile(r"^\s*[•●▪■◦‣\-*]\s+")  # "– " may also continue a heading
# "3 Lpfö 98 sid. 9", "12 Se www.scb.se": a note at the foot of the page, not a numbered heading
_FOOTNOTE = re.compile(r"^(\d{1,3})\s+\S.{0,120}?(\b(sid|s|sidan|se|jfr|ibid|källa|prop|sou|ds)\.?\s|https?://|www\.)",
                       re.I)


def _is_footnote(text: str, earlier_on_page: str) -> bool:
    """A line opening with a bare number that a reference mark earlier on the page points to
    ("… modersmål.3"), or that reads like a source note."""
    match = re.match(r"^(\d{1,3})\s+\S", text)
    if not match:
        return False
    number = match.group(1)
    return bool(_FOOTNOTE.match(text)) or bool(re.search(rf"[^\W\d]\W?{number}(\s|$)", earlier_on_page))


def _next_texts(lines: list[tuple[int, str, float]]) -> list[str]:
    """For each line, the next non-blank line's text ('' at the end)."""
    result, upcoming = [""] * len(lines), ""
    for i in range(len(lines) - 1, -1, -1):
        result[i] = upcoming
        if lines[i][1]:
            upcoming = lines[i][1]
    return result


def _is_heading_text(line: str) -> bool:
    return 2 < len(line) <= 150 and not _SENTENCE_END.search(line) and any(c.isalpha() for c in line)


def convert(path: Path, limits: Limits) -> ConvertedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise ConversionError("PDF-filen är lösenordsskyddad och kan inte läsas.")
            except ConversionError:
                raise
            except Exception:
                raise ConversionError("PDF-filen är lösenordsskyddad och kan inte läsas.") from None
        page_count = len(reader.pages)
    except ConversionError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as exc:
        raise ConversionError(f"PDF-filen är skadad eller ofullständig: {exc}"[:300]) from None
    if page_count == 0:
        raise ConversionError("PDF-filen är skadad eller ofullständig: den har inga sidor.")
    if page_count > limits.max_pdf_pages:
        raise ConversionError(
            f"PDF-filen har {page_count} sidor, fler än tillåtna {limits.max_pdf_pages}, och lästes inte."
        )

    raw_pages: list[list[str]] = []
    size_maps: list[dict[str, float]] = []
    empty_pages: list[int] = []
    failed_pages: list[int] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            text, sizes = _page_lines_with_sizes(page)
        except Exception:  # one broken page must not cost the rest of the document
            text, sizes = "", {}
            failed_pages.append(number)
        if len(text.strip()) < 20:
            empty_pages.append(number)
        raw_pages.append(join_hyphenated(text).split("\n"))
        size_maps.append(sizes)

    if len(failed_pages) >= page_count:
        raise ConversionError("PDF-filen är skadad eller ofullständig: ingen sida gick att läsa.")
    scanned = [p for p in empty_pages if p not in failed_pages]
    ocr_result, ocr_problem = _read_scanned_pages(path, scanned, limits, whole=len(scanned) == page_count)

    repeated = _repeated_lines(raw_pages)
    garbage = 0
    lines: list[tuple[int, str, float]] = []  # (page, text, font size or 0)
    for number, (page_lines, sizes) in enumerate(zip(raw_pages, size_maps), start=1):
        for raw in page_lines:
            if looks_like_garbage(raw):
                garbage += 1
                continue
            full = normalise(raw)
            line = strip_dot_leader(full)
            if not line:
                lines.append((number, "", 0.0))  # blank line: a paragraph break where the PDF has one
                continue
            if _PAGE_NUMBER.match(line):
                continue
            if re.sub(r"\d+", "#", _key(line)) in repeated:
                continue
            lines.append((number, full, _size_of(line, sizes)))
    # tables of contents are found with their dot leaders and page numbers, then left out
    toc = structure.toc_positions([text for _, text, _ in lines])
    lines = [(page, strip_dot_leader(text), size)
             for i, (page, text, size) in enumerate(lines) if i not in toc]

    blocks = _blocks_from_lines(lines)
    if ocr_result.lines:  # OCR'd pages are laid out on their own: their sizes are not font sizes
        blocks = sorted(blocks + blocks_from_ocr(ocr_result.lines), key=lambda b: b.page or 0)
    if not blocks and len(scanned) == page_count:
        if ocr_result.failed:
            raise ConversionError("PDF-filen saknar textlager och OCR kunde inte läsa den inom tids- och "
                                  "minnesgränsen per sida.")
        raise ConversionError("PDF-filen saknar textlager och OCR hittade ingen läsbar text i den.")
    warnings = _ocr_warnings(ocr_result, ocr_problem, limits)
    if failed_pages:
        warnings.append(f"{_describe_pages(failed_pages)} kunde inte läsas (skadat innehåll).")
    if garbage:
        warnings.append(f"{garbage} rader med oläslig text (trasig teckenkodning) utelämnades.")
    metadata = {}
    try:
        info = reader.metadata or {}
        metadata = {k: str(v) for k, v in {"title": info.get("/Title"), "author": info.get("/Author"),
                                           "created": info.get("/CreationDate")}.items() if v}
    except Exception:
        pass
    from ingest.convert.first_page import pdf_first_page_lines

    metadata["first_page_lines"] = pdf_first_page_lines(reader)  # title block evidence for metadata.py
    title = next((b.text for b in blocks if b.kind == "heading" and b.page == blocks[0].page), None) if blocks else None
    meta_title = metadata.get("title", "")
    if meta_title and not _JUNK_TITLE.match(meta_title) and len(meta_title) > 3:
        title = title or normalise(meta_title)
    return ConvertedDocument(format="pdf", blocks=blocks, title=title, pages=page_count,
                             metadata=metadata, warnings=warnings, ocr_pages=sorted(ocr_result.lines))


def _read_scanned_pages(path: Path, pages: list[int], limits: Limits, whole: bool) -> tuple[ocr.OcrResult, str | None]:
    """OCR for pages without a text layer. A scan with no OCR available fails with the reason; a mostly
    digital PDF keeps its text and notes the pages it could not read."""
    if not pages:
        return ocr.OcrResult(), None
    try:
        return ocr.read_pdf_pages(path, pages, limits), None
    except ConversionError as exc:
        if whole:
            raise ConversionError(f"PDF-filen saknar textlager och kan bara läsas med OCR: {exc}") from None
        return ocr.OcrResult(), f"{_describe_pages(pages)} saknar textlager (bilder eller skannat) och kunde " \
                                f"inte tolkas med OCR: {exc}"


def _ocr_warnings(result: ocr.OcrResult, problem: str | None, limits: Limits) -> list[str]:
    warnings = []
    if result.lines:
        warnings.append(ocr.note(sorted(result.lines)))
    if problem:
        warnings.append(problem)
    if result.empty:
        warnings.append(f"{_describe_pages(result.empty)} saknar textlager och OCR fann ingen läsbar text (bilder?).")
    if result.failed:
        warnings.append(f"{_describe_pages(result.failed)} kunde inte tolkas med OCR (för lång tid eller för mycket minne).")
    if result.skipped:
        warnings.append(f"{_describe_pages(result.skipped)} saknar textlager men tolkades inte med OCR: högst "
                        f"{limits.max_ocr_pages} sidor per dokument.")
    return warnings


_describe_pages = ocr.describe_pages


def blocks_from_ocr(pages: dict[int, list[tuple[str, float]]]) -> list[Block]:
    """Blocks from OCR'd lines: running headers and page numbers dropped as on text pages; line sizes
    measured from pixels wobble, so they are compared in steps of about 12 %."""
    repeated = _repeated_lines([[text for text, _ in pages[p]] for p in sorted(pages)])
    lines = []
    for page in sorted(pages):
        for text, size in pages[page]:
            if text and (_PAGE_NUMBER.match(text) or re.sub(r"\d+", "#", _key(text)) in repeated):
                continue
            lines.append((page, text, round(1.12 ** round(math.log(size, 1.12)), 1) if size > 0 else 0.0))
        lines.append((page, "", 0.0))  # a page of a scan ends its paragraph
    return _blocks_from_lines(lines, paragraphs_marked=True)


def _blocks_from_lines(lines: list[tuple[int, str, float]], paragraphs_marked: bool = False) -> list[Block]:
    """Headings and paragraphs from (page, text, size) lines; "" marks a paragraph break, trusted when the
    source marks them sparingly (or always, for OCR, whose paragraphs Tesseract found)."""
    if not lines:
        return []
    blank_breaks = paragraphs_marked or sum(1 for _, t, _ in lines if not t) < 0.3 * len(lines)
    lines = [(p, t, s) for p, t, s in lines if t or blank_breaks]
    if not any(t for _, t, _ in lines):
        return []
    sized = [(len(t), s) for _, t, s in lines if s > 0]
    body_size = Counter()
    for length, size in sized:
        body_size[round(size, 1)] += length
    body = body_size.most_common(1)[0][0] if body_size else 0.0
    heading_sizes = sorted({round(s, 1) for _, t, s in lines if body and s >= body * 1.12 and _is_heading_text(t)},
                           reverse=True)
    size_level = {s: min(i + 1, 6) for i, s in enumerate(heading_sizes)}
    lengths = [len(t) for _, t, _ in lines if t]
    typical = median(lengths) if lengths else 60
    one_word_lines = sum(1 for _, t, _ in lines if len(t.split()) == 1) / max(1, len(lengths))

    blocks: list[Block] = []
    paragraph: list[str] = []
    paragraph_page = lines[0][0]
    list_item = False

    def flush() -> None:
        nonlocal paragraph, list_item
        if paragraph:
            text = join_hyphenated("\n".join(paragraph)).replace("\n", " ")
            text = repair_small_caps(re.sub(r"\s+", " ", text).strip())
            if text:
                blocks.append(Block(text, "list" if list_item else "paragraph", 0, paragraph_page))
            paragraph = []
        list_item = False

    following = _next_texts(lines)
    page_text: dict[int, str] = {}
    for index, (page, text, size) in enumerate(lines):
        if not text:
            if one_word_lines <= 0.6:
                flush()
            continue
        level = 0
        earlier_on_page = page_text.get(page, "")
        page_text[page] = f"{earlier_on_page}\n{text}"
        if _BULLET_GLYPH.match(text) or _is_footnote(text, earlier_on_page):
            level = 0  # list items and footnotes are never headings, whatever their size
        elif body and round(size, 1) in size_level:
            level = size_level[round(size, 1)]
        elif (size == 0 or not body or size >= body * 1.05) and len(text.split()) <= 14 \
                and not following[index][:1].islower():  # a heading is followed by a new start

            # no usable size difference: fall back to numbering ("2.2 Målområde: …", "#17 Öka …")
            if _GOAL_HEADING.match(text):
                level = 3
            elif _NUMBERED_HEADING.match(text) and _is_heading_text(text):
                depth = text.split()[0].rstrip(".").count(".") + 1
                # "1.2 Informera …" is a heading even at body size; "1. Gör …" may be a list item
                if depth >= 2 or size == 0 or not body:
                    level = depth
        if level and (not paragraph or _SENTENCE_END.search(paragraph[-1]) or size > body):
            flush()
            # a heading set over two lines at the same size continues on the next line
            if blocks and blocks[-1].kind == "heading" and blocks[-1].page == page and blocks[-1].level == level \
                    and not _NUMBERED_HEADING.match(text) and not _GOAL_HEADING.match(text) and size > 0:
                blocks[-1].text = repair_small_caps(f"{blocks[-1].text} {text}")
            else:
                blocks.append(Block(repair_small_caps(text), "heading", level, page))
            paragraph_page = page
            continue
        if _BULLET.match(text):
            flush()
            paragraph_page = page
            paragraph.append(text)
            list_item = True
            continue
        if not paragraph:
            paragraph_page = page
        paragraph.append(text)
        ends_sentence = _SENTENCE_END.search(text) is not None
        short = len(text) < 0.65 * typical
        if one_word_lines > 0.6:  # one word per line: only sentence ends close a paragraph
            if ends_sentence and len(" ".join(paragraph).split()) > 40:
                flush()
        elif ends_sentence and short:
            flush()
    flush()
    return blocks
