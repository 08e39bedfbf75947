"""Word (.docx): read the document XML in body order ourselves.

python-docx's `Document.paragraphs` skips tables and drops tracked insertions; naive cell iteration
repeats merged cells. Here: headings from styles, tables read once per real cell, tracked changes
shown as if accepted, comments left out.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree

from ingest.config import Limits
from ingest.convert.cleanup import normalise
from ingest.convert.formats import office
from ingest.model import Block, ConvertedDocument, ConversionError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
_HEADING_STYLE = re.compile(r"^(heading|rubrik|überschrift|titre)\s*(\d)$", re.I)
_TITLE_STYLE = re.compile(r"^(title|titel|rubrik)$", re.I)
_SKIP_ANCESTORS = {f"{{{W}}}del", f"{{{W}}}moveFrom"}  # deleted or moved-away text


def _q(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _parse(archive: zipfile.ZipFile, name: str) -> etree._Element | None:
    return office.read_part(archive, name, "Word-filen")


def _style_names(archive: zipfile.ZipFile) -> dict[str, str]:
    root = _parse(archive, "word/styles.xml")
    if root is None:
        return {}
    names = {}
    for style in root.iter(_q("style")):
        style_id = style.get(_q("styleId"))
        name = style.find("w:name", NS)
        if style_id:
            names[style_id] = name.get(_q("val")) if name is not None else style_id
    return names


def _paragraph_text(p: etree._Element) -> str:
    parts = []
    for node in p.iter(_q("t"), _q("tab"), _q("br"), _q("cr"), _q("noBreakHyphen")):
        if any(a.tag in _SKIP_ANCESTORS for a in node.iterancestors()):
            continue
        if node.tag == _q("t"):
            parts.append(node.text or "")
        elif node.tag == _q("noBreakHyphen"):
            parts.append("-")
        else:
            parts.append(" ")
    return "".join(parts)


class _Reader:
    def __init__(self, styles: dict[str, str]):
        self.styles = styles
        self.blocks: list[Block] = []
        self.title: str | None = None

    def paragraph(self, p: etree._Element) -> None:
        text = normalise(_paragraph_text(p))
        if not text:
            return
        kind, level = "paragraph", 0
        ppr = p.find("w:pPr", NS)
        if ppr is not None:
            style = ppr.find("w:pStyle", NS)
            name = self.styles.get(style.get(_q("val")), style.get(_q("val"))) if style is not None else ""
            outline = ppr.find("w:outlineLvl", NS)
            if m := _HEADING_STYLE.match(name or ""):
                kind, level = "heading", int(m.group(2))
            elif _TITLE_STYLE.match(name or ""):
                kind, level = "heading", 1
                self.title = self.title or text
            elif outline is not None and (outline.get(_q("val")) or "9").isdigit() and int(outline.get(_q("val"))) < 6:
                kind, level = "heading", int(outline.get(_q("val"))) + 1
            elif ppr.find("w:numPr", NS) is not None or (name or "").lower().startswith(("list", "liststycke")):
                kind = "list"
        if kind == "heading" and len(text) > 200:
            kind, level = "paragraph", 0  # a whole paragraph styled as heading is body text
        self.blocks.append(Block(text, kind, level))

    def table(self, tbl: etree._Element) -> None:
        for row in tbl.findall("w:tr", NS):
            cells = []
            for cell in row.findall("w:tc", NS):
                merge = cell.find("w:tcPr/w:vMerge", NS)
                if merge is not None and merge.get(_q("val"), "continue") != "restart":
                    continue  # continuation of a vertically merged cell: its text is above
                cells.append(cell)
            simple = all(len(c.findall("w:p", NS)) <= 1 and c.find("w:tbl", NS) is None for c in cells)
            if simple:
                texts = [normalise(_paragraph_text(c)) for c in cells]
                line = " | ".join(t for t in texts if t)
                if line:
                    self.blocks.append(Block(line, "table"))
            else:
                for cell in cells:
                    self.body(cell)

    def body(self, container: etree._Element) -> None:
        for child in container:
            if child.tag == _q("p"):
                self.paragraph(child)
            elif child.tag == _q("tbl"):
                self.table(child)
            elif child.tag in (_q("sdt"), _q("ins"), _q("customXml"), _q("smartTag")):
                content = child.find("w:sdtContent", NS) if child.tag == _q("sdt") else child
                if content is not None:
                    self.body(content)


def _core_title(archive: zipfile.ZipFile) -> str | None:
    try:
        data = archive.read("docProps/core.xml")
    except KeyError:
        return None
    try:
        root = office.parse_xml(data, "Word-filen", "docProps/core.xml")
    except ConversionError:
        return None
    node = root.find("{http://purl.org/dc/elements/1.1/}title")
    return normalise(node.text) if node is not None and node.text else None


def convert(path: Path, limits: Limits) -> ConvertedDocument:
    with office.open_archive(path, limits, "Word-filen") as archive:
        document = _parse(archive, "word/document.xml")
        if document is None:
            raise ConversionError("Filen ser ut som en .docx men är ett zip-arkiv utan Word-innehåll.")
        reader = _Reader(_style_names(archive))
        body = document.find("w:body", NS)
        if body is not None:
            reader.body(body)
        core_title = _core_title(archive)
        from ingest.convert.first_page import docx_core_properties, docx_first_page_lines

        extra = {**docx_core_properties(archive),  # title block and author evidence for metadata.py
                 "first_page_lines": docx_first_page_lines(document, _parse(archive, "word/styles.xml"))}
    if not reader.blocks:
        raise ConversionError("Word-filen innehåller ingen läsbar text (bara bilder?).")
    first_heading = next((b.text for b in reader.blocks if b.kind == "heading"), None)
    return ConvertedDocument(
        format="docx",
        blocks=reader.blocks,
        title=reader.title or core_title or first_heading,
        metadata={**({"title": core_title} if core_title else {}), **extra},
    )
