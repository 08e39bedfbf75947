"""RTF read by a small bounded reader of our own: one pass over the control words, no recursion.

Paragraphs end at \\par; a paragraph is a heading when its style is a heading style or it has an
\\outlinelevel, a list item when it carries list numbering (\\ls, \\listtext, \\pntext); table cells are
joined per row. Headers, footers, footnotes, pictures, objects and field codes are left out; the
\\info title is kept. \\uN, \\'hh (in the document's code page) and the named characters are decoded.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest.config import Limits
from ingest.convert.cleanup import normalise
from ingest.model import Block, ConversionError, ConvertedDocument

MAX_DEPTH = 300
_TOKEN = re.compile(rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z])|([{}])|([^\\{}\r\n]+)|[\r\n]+")
_SKIP_DESTINATIONS = {
    b"fonttbl", b"colortbl", b"pict", b"object", b"header", b"headerl", b"headerr", b"headerf", b"footer",
    b"footerl", b"footerr", b"footerf", b"footnote", b"annotation", b"fldinst", b"xe", b"tc", b"bkmkstart",
    b"bkmkend", b"themedata", b"colorschememapping", b"latentstyles", b"datastore", b"listtable",
    b"listoverridetable", b"rsidtbl", b"generator", b"xmlnstbl", b"mmathPr", b"pgdsctbl", b"filetbl",
    b"revtbl", b"pntext", b"listtext", b"pntxta", b"pntxtb", b"nonshppict", b"shppict", b"shp", b"atnid",
    b"atnauthor", b"template", b"docvar", b"userprops", b"operator", b"author", b"company", b"keywords",
    b"comment", b"doccomm", b"subject", b"category", b"manager", b"hlinkbase", b"creatim", b"revtim",
    b"printim", b"buptim", b"wgrffmtfilter", b"fchars", b"lchars", b"passwordhash",
}
_CHARACTERS = {b"emdash": "—", b"endash": "–", b"bullet": "•", b"lquote": "‘", b"rquote": "’",
               b"ldblquote": "“", b"rdblquote": "”", b"tab": " ", b"line": " ", b"emspace": " ", b"enspace": " "}
_HEADING_STYLE = re.compile(r"^(heading|rubrik|überschrift|titre)\s*(\d)$", re.I)


@dataclass
class _Group:
    skip: bool = False
    uc: int = 1
    destination: bytes = b""


@dataclass
class _Paragraph:
    text: list[str] = field(default_factory=list)
    style: int = 0
    outline: int | None = None
    listed: bool = False
    in_table: bool = False


class _Reader:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.styles: dict[int, str] = {}
        self.title = ""
        self.codepage = "cp1252"
        self.paragraph = _Paragraph()
        self.row: list[str] = []
        self._style_number: int | None = 0
        self._style_name: list[str] = []

    # -- text ----------------------------------------------------------------------------------
    def text(self, chars: str, group: _Group) -> None:
        if group.destination == b"stylesheet":
            self._style_name.append(chars)
        elif group.destination == b"title":
            self.title += chars
        elif not group.skip:
            self.paragraph.text.append(chars)

    def end_paragraph(self) -> None:
        text = normalise("".join(self.paragraph.text))
        p = self.paragraph
        self.paragraph = _Paragraph(style=p.style, outline=p.outline, listed=p.listed, in_table=p.in_table)
        if not text:
            return
        if p.in_table:
            self.row.append(text)
            return
        style = self.styles.get(p.style, "")
        if m := _HEADING_STYLE.match(style):
            self.blocks.append(Block(text, "heading", int(m.group(2)) or 1))
        elif p.outline is not None and p.outline < 6 and len(text) <= 200:
            self.blocks.append(Block(text, "heading", p.outline + 1))
        elif p.listed or style.lower().startswith(("list", "liststycke")):
            self.blocks.append(Block(text, "list"))
        else:
            self.blocks.append(Block(text, "paragraph"))

    def end_cell(self) -> None:
        text = normalise("".join(self.paragraph.text))
        self.paragraph.text = []
        self.row.append(text)

    def end_row(self) -> None:
        line = " | ".join(c for c in self.row if c)
        self.row = []
        if line:
            self.blocks.append(Block(line, "table"))

    # -- control words --------------------------------------------------------------------------
    def control(self, word: bytes, arg: int | None, group: _Group) -> int:
        """Handle one control word; returns how many following characters a \\u replaces (to skip)."""
        if group.destination == b"stylesheet":
            if word == b"s":
                self._style_number = arg or 0
            elif word in (b"cs", b"ds", b"ts", b"tsrowd"):
                self._style_number = None  # a character, section or table style: not a paragraph's
            return 0
        if word == b"par" or word == b"sect" or word == b"page":
            self.end_paragraph()
        elif word == b"pard":
            self.paragraph.style, self.paragraph.outline = 0, None
            self.paragraph.listed = self.paragraph.in_table = False
        elif word == b"s":
            self.paragraph.style = arg or 0
        elif word == b"outlinelevel":
            self.paragraph.outline = arg
        elif word in (b"ls", b"ilvl", b"pnlvl", b"pnlvlblt", b"pnlvlbody"):
            self.paragraph.listed = True
        elif word == b"intbl":
            self.paragraph.in_table = True
        elif word in (b"cell", b"nestcell"):
            self.end_cell()
        elif word in (b"row", b"nestrow"):
            self.end_cell() if self.paragraph.text else None
            self.end_row()
        elif word == b"ansicpg" and arg:
            self.codepage = f"cp{arg}" if arg != 65001 else "utf-8"
        elif word == b"uc":
            group.uc = max(0, arg or 0)
        elif word == b"u" and arg is not None:
            code = arg + 65536 if arg < 0 else arg
            self.text(chr(code) if 0 <= code < 0x110000 else "", group)
            return group.uc
        elif word in _CHARACTERS:
            self.text(_CHARACTERS[word], group)
        return 0

    def end_style(self) -> None:
        name = "".join(self._style_name).strip().rstrip(";").strip()
        if name and self._style_number is not None:
            self.styles[self._style_number] = name
        self._style_number, self._style_name = 0, []


def _read(data: bytes) -> _Reader:
    reader = _Reader()
    stack = [_Group()]
    skip_chars = 0
    expect_destination = False
    for match in _TOKEN.finditer(data):
        word, arg, hexa, symbol, brace, plain = match.groups()
        group = stack[-1]
        if brace == b"{":
            if len(stack) > MAX_DEPTH:
                raise ConversionError("RTF-filen är för djupt nästlad för att läsas och hoppades över.")
            stack.append(_Group(skip=group.skip, uc=group.uc,
                                destination=group.destination if group.destination in (b"stylesheet", b"info") else b""))
            expect_destination = True
            continue
        if brace == b"}":
            if group.destination == b"stylesheet" and len(stack) > 1 and stack[-2].destination == b"stylesheet":
                reader.end_style()
            if len(stack) > 1:
                stack.pop()
            expect_destination = False
            continue
        first = expect_destination
        expect_destination = False
        if word is not None:
            if first and (word in _SKIP_DESTINATIONS or word in (b"stylesheet", b"info", b"title")):
                if word in (b"stylesheet", b"info", b"title"):
                    group.destination = word
                    group.skip = group.skip or word == b"info"
                else:
                    group.skip = True
                    if word in (b"listtext", b"pntext"):  # the bullet or number Word printed before the item
                        reader.paragraph.listed = True
                continue
            skip_chars = reader.control(word, int(arg) if arg else None, group)
            continue
        if symbol is not None:
            if symbol == b"*":
                group.skip = True
            elif symbol in (b"\\", b"{", b"}"):
                reader.text(symbol.decode(), group)
            elif symbol == b"~":
                reader.text(" ", group)
            elif symbol == b"_":
                reader.text("-", group)
            elif symbol in (b"\n", b"\r"):
                reader.control(b"par", None, group)
            continue
        if hexa is not None:
            if skip_chars:
                skip_chars -= 1
                continue
            reader.text(bytes([int(hexa, 16)]).decode(reader.codepage, "replace"), group)
            continue
        if plain is not None:
            text = plain.decode(reader.codepage, "replace")
            if skip_chars:
                cut = min(skip_chars, len(text))
                text, skip_chars = text[cut:], skip_chars - cut
            if group.destination == b"stylesheet" and ";" in text:
                reader.text(text.split(";")[0], group)
                continue
            reader.text(text, group)
    reader.end_paragraph()
    return reader


def convert(path: Path, limits: Limits) -> ConvertedDocument:
    data = path.read_bytes()
    if not data.lstrip().startswith(b"{\\rtf"):
        raise ConversionError("RTF-filen är skadad: den börjar inte som en RTF-fil.")
    reader = _read(data)
    if not reader.blocks:
        raise ConversionError("RTF-filen innehåller ingen läsbar text.")
    title = normalise(reader.title) or next((b.text for b in reader.blocks if b.kind == "heading"), None)
    return ConvertedDocument(format="rtf", blocks=reader.blocks, title=title,
                             metadata={"title": normalise(reader.title)} if normalise(reader.title) else {})
