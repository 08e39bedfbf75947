"""OpenDocument text (.odt): content.xml read in body order with the same hardened XML parser as Word.

text:h gives headings with their outline level, text:list items become list blocks, tables are read
one row per line, tracked deletions, notes' citation marks and the change log are left out.
"""
from __future__ import annotations

from pathlib import Path

from ingest.config import Limits
from ingest.convert.cleanup import normalise
from ingest.convert.formats import office
from ingest.model import Block, ConversionError, ConvertedDocument

TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
DC = "http://purl.org/dc/elements/1.1/"
LABEL = "OpenDocument-filen"
_SKIPPED = {f"{{{TEXT}}}tracked-changes", f"{{{TEXT}}}note-citation", f"{{{TEXT}}}sequence-decls",
            f"{{{OFFICE}}}annotation", f"{{{TEXT}}}bookmark-ref"}
_MAX_DEPTH = 60


def _t(tag: str) -> str:
    return f"{{{TEXT}}}{tag}"


def _inline_text(node, depth: int = 0) -> str:
    """Text of a paragraph or heading: spans, links, <text:s c="3"/> spaces, tabs and line breaks."""
    parts = [node.text or ""]
    for child in node:
        if child.tag in _SKIPPED or depth > _MAX_DEPTH:
            pass
        elif child.tag == _t("s"):
            parts.append(" " * min(int(child.get(_t("c"), "1") or 1), 10))
        elif child.tag in (_t("tab"), _t("line-break")):
            parts.append(" ")
        elif child.tag == _t("note"):
            pass  # footnotes are not running text; their body is read after the paragraph
        else:
            parts.append(_inline_text(child, depth + 1))
        parts.append(child.tail or "")
    return "".join(parts)


class _Reader:
    def __init__(self) -> None:
        self.blocks: list[Block] = []

    def add(self, text: str, kind: str, level: int = 0) -> None:
        text = normalise(text)
        if text:
            self.blocks.append(Block(text, kind, level))

    def body(self, container, depth: int = 0, in_list: bool = False) -> None:
        if depth > _MAX_DEPTH:
            return
        for child in container:
            if child.tag == _t("h"):
                level = int(child.get(_t("outline-level"), "1") or 1)
                self.add(_inline_text(child), "heading", max(1, min(level, 6)))
            elif child.tag == _t("p"):
                self.add(_inline_text(child), "list" if in_list else "paragraph")
            elif child.tag == _t("list"):
                for item in child:
                    if item.tag in (_t("list-item"), _t("list-header")):
                        self.body(item, depth + 1, in_list=True)
            elif child.tag == f"{{{TABLE}}}table":
                self.table(child, depth)
            elif child.tag in (_t("section"), _t("index-body"), f"{{{TABLE}}}table-row-group") \
                    or child.tag.endswith("}frame") or child.tag.endswith("}text-box"):
                self.body(child, depth + 1, in_list)
            elif child.tag in (_t("table-of-content"), _t("alphabetical-index"), _t("illustration-index")):
                continue  # a generated index repeats the headings with page numbers
            # everything else (declarations, tracked changes, forms) holds no running text

    def table(self, table, depth: int) -> None:
        for row in table.iter(f"{{{TABLE}}}table-row"):
            cells = []
            for cell in row.findall(f"{{{TABLE}}}table-cell"):
                cells.append(" ".join(normalise(_inline_text(p)) for p in cell.iter(_t("p"), _t("h"))))
            line = " | ".join(c for c in cells if c)
            if line:
                self.blocks.append(Block(line, "table"))


def convert(path: Path, limits: Limits) -> ConvertedDocument:
    with office.open_archive(path, limits, LABEL) as archive:
        content = office.read_part(archive, "content.xml", LABEL)
        meta = office.read_part(archive, "meta.xml", LABEL)
    if content is None:
        raise ConversionError("Filen ser ut som en .odt men saknar textinnehåll (content.xml).")
    text = content.find(f"{{{OFFICE}}}body/{{{OFFICE}}}text")
    if text is None:
        raise ConversionError("OpenDocument-filen är inte ett textdokument (kalkylark eller presentation?).")
    reader = _Reader()
    reader.body(text)
    if not reader.blocks:
        raise ConversionError("OpenDocument-filen innehåller ingen läsbar text (bara bilder?).")
    title_node = meta.find(f".//{{{DC}}}title") if meta is not None else None
    core_title = normalise(title_node.text or "") if title_node is not None else ""
    first_heading = next((b.text for b in reader.blocks if b.kind == "heading"), None)
    return ConvertedDocument(format="odt", blocks=reader.blocks, title=core_title or first_heading,
                             metadata={"title": core_title} if core_title else {})
