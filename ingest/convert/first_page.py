"""The first page's lines with their font size and weight, for finding a document's title block.

Converters call these once and put the result in ConvertedDocument.metadata["first_page_lines"] as
[(text, font size in pt, bold), ...] in reading order. Nothing is filtered here (running headers and
page numbers included): ingest.convert.title decides what belongs to the title.
"""
from __future__ import annotations

import math
import re
import zipfile

from lxml import etree

from ingest.convert.cleanup import join_hyphenated, normalise

MAX_LINES = 60
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi|,b\b", re.I)
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _q(tag: str) -> str:
    return f"{{{W}}}{tag}"


# -- PDF ------------------------------------------------------------------------------------------

def pdf_first_page_lines(reader, pages_to_try: int = 3) -> list[tuple[str, float, bool]]:
    """Lines of the first page that has text (a blank cover is skipped), from pypdf's text visitor."""
    for page in list(reader.pages)[:pages_to_try]:
        try:
            lines = _pdf_page_lines(page)
        except Exception:  # a broken page costs only its title block
            continue
        if sum(len(t) for t, _, _ in lines) >= 3:
            return lines[:MAX_LINES]
    return []


def _pdf_page_lines(page) -> list[tuple[str, float, bool]]:
    fragments: list[tuple[float, float, bool, str]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text:
            return
        scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3]) or 1.0
        y = tm[5] * cm[3] + cm[5]
        font = str((font_dict or {}).get("/BaseFont", "")) if font_dict else ""
        fragments.append((y, float(font_size or 0) * scale, bool(_BOLD_FONT.search(font)), text))

    page.extract_text(visitor_text=visit)
    lines: list[list] = []  # [text, size, bold, y]
    last_y = None
    for y, size, bold, text in fragments:
        pieces = text.split("\n")
        for i, piece in enumerate(pieces):
            new_line = i > 0 or last_y is None or abs(y - last_y) > 1.5
            if new_line:
                lines.append(["", 0.0, False, y])
            if piece.strip():
                line = lines[-1]
                line[0] += piece
                if size > line[1] + 0.05:  # the line's largest text decides its size and weight
                    line[1], line[2] = size, bold
                elif abs(size - line[1]) <= 0.05:
                    line[2] = line[2] or bold
            elif lines and piece:
                lines[-1][0] += piece  # keep the spaces between words
        last_y = y
    out = []
    for text, size, bold, _ in lines:
        text = normalise(join_hyphenated(text).replace("\r", " "))
        if text:
            out.append((text, round(size, 1), bold))
    return out


# -- DOCX -----------------------------------------------------------------------------------------

def _style_props(styles_root) -> dict[str, tuple[str | None, float | None, bool | None]]:
    """styleId -> (basedOn, size in pt or None, bold or None)."""
    props = {}
    if styles_root is None:
        return props
    for style in styles_root.iter(_q("style")):
        style_id = style.get(_q("styleId"))
        based = style.find(f"{{{W}}}basedOn")
        rpr = style.find(f"{{{W}}}rPr")
        size, bold = _run_props(rpr)
        props[style_id] = (based.get(_q("val")) if based is not None else None, size, bold)
    return props


def _run_props(rpr) -> tuple[float | None, bool | None]:
    if rpr is None:
        return None, None
    size = rpr.find(f"{{{W}}}sz")
    bold = rpr.find(f"{{{W}}}b")
    size_pt = None
    if size is not None and (size.get(_q("val")) or "").isdigit():
        size_pt = int(size.get(_q("val"))) / 2
    is_bold = None
    if bold is not None:
        is_bold = (bold.get(_q("val")) or "true").lower() not in ("0", "false", "off")
    return size_pt, is_bold


def _resolve(style_id: str | None, props: dict, default: tuple[float, bool]) -> tuple[float, bool]:
    size, bold = None, None
    seen = set()
    while style_id and style_id in props and style_id not in seen:
        seen.add(style_id)
        based, s, b = props[style_id]
        size = size if size is not None else s
        bold = bold if bold is not None else b
        style_id = based
    return (size if size is not None else default[0], bold if bold is not None else default[1])


def docx_first_page_lines(document_root, styles_root) -> list[tuple[str, float, bool]]:
    """Paragraphs (and table cells) up to the first page break, with their largest run's size."""
    props = _style_props(styles_root)
    default = (11.0, False)
    if styles_root is not None:
        defaults = styles_root.find(f"{{{W}}}docDefaults/{{{W}}}rPrDefault/{{{W}}}rPr")
        size, bold = _run_props(defaults)
        default = (size or 11.0, bool(bold))
        default = _resolve("Normal", props, default) if "Normal" in props else default
    body = document_root.find(_q("body")) if document_root is not None else None
    if body is None:
        return []
    lines: list[tuple[str, float, bool]] = []
    for p in body.iter(_q("p")):
        if any(a.tag in (_q("del"), _q("moveFrom")) for a in p.iterancestors()):
            continue
        ppr = p.find(_q("pPr"))
        style = ppr.find(_q("pStyle")) if ppr is not None else None
        para_size, para_bold = _resolve(style.get(_q("val")) if style is not None else None, props, default)
        best = (0.0, False, 0)
        parts = []
        broke = False
        for run in p.iter(_q("r")):
            if any(a.tag in (_q("del"), _q("moveFrom")) for a in run.iterancestors()):
                continue
            text = "".join(t.text or "" for t in run.iter(_q("t")))
            if run.find(_q("br")) is not None and run.find(_q("br")).get(_q("type")) == "page":
                broke = True
            if run.find(_q("lastRenderedPageBreak")) is not None and lines:
                broke = True
            parts.append(text)
            if not text.strip():
                continue  # a space between words: kept, but it has no size worth counting
            rstyle = run.find(f"{{{W}}}rPr/{{{W}}}rStyle")
            size, bold = _run_props(run.find(_q("rPr")))
            base_size, base_bold = _resolve(rstyle.get(_q("val")), props, (para_size, para_bold)) \
                if rstyle is not None else (para_size, para_bold)
            size = size if size is not None else base_size
            bold = bold if bold is not None else base_bold
            if len(text) > best[2] or size > best[0]:
                best = (max(size, best[0]), bold, len(text))
        text = normalise("".join(parts).replace("\r", " "))
        if text:
            lines.append((text, best[0], best[1]))
        if broke and lines or len(lines) >= MAX_LINES:
            break
        if ppr is not None and ppr.find(_q("sectPr")) is not None and lines:
            break  # end of the first section: a cover page usually is one
    return lines


def docx_core_properties(archive: zipfile.ZipFile) -> dict[str, str]:
    """author, created (ISO) and company from docProps, when present: evidence for organisation and year."""
    found = {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    for name, fields in (("docProps/core.xml", {"creator": "author", "created": "created"}),
                         ("docProps/app.xml", {"Company": "company"})):
        try:
            data = archive.read(name)
        except KeyError:
            continue
        if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
            continue
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError:
            continue
        for node in root.iter():
            local = etree.QName(node).localname if isinstance(node.tag, str) else ""
            if local in fields and node.text and node.text.strip():
                found[fields[local]] = normalise(node.text)[:200]
    return found
