"""Plain text and Markdown: ATX (#) and setext (===) headings, paragraphs split on blank lines."""
from __future__ import annotations

import re
from pathlib import Path

from ingest.config import Limits
from ingest.convert.cleanup import normalise
from ingest.model import Block, ConvertedDocument, ConversionError

_ATX = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_LIST = re.compile(r"^\s*([-*+•]|\d+[.)])\s+")


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-8"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def blocks_from_text(text: str, markdown: bool) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush(kind: str = "paragraph") -> None:
        if paragraph:
            joined = normalise(" ".join(paragraph))
            if joined:
                blocks.append(Block(joined, kind))
            paragraph.clear()

    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, raw in enumerate(lines):
        line = raw.rstrip()
        if markdown and (m := _ATX.match(line)):
            flush()
            blocks.append(Block(normalise(m.group(2).strip("*_ ")), "heading", len(m.group(1))))
            continue
        if markdown and paragraph and len(paragraph) == 1 and _SETEXT.match(line) and len(line) >= 3:
            heading = normalise(paragraph.pop())
            flush()
            blocks.append(Block(heading, "heading", 1 if line.startswith("=") else 2))
            continue
        if not line.strip():
            flush()
            continue
        if markdown and re.match(r"^\s*(---+|\*\*\*+)\s*$", line):
            flush()
            continue
        if _LIST.match(line):
            flush()
            paragraph.append(_LIST.sub("", line) if markdown else line.strip())
            flush("list")
            continue
        paragraph.append(line.strip())
    flush()
    if markdown:
        for block in blocks:  # emphasis markers are layout, not text
            block.text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", block.text)
            block.text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", block.text)
    return blocks


def read_text(path: Path, limits: Limits) -> str:
    """The file decoded, refused before reading when it cannot fit within the text limit: a UTF-8
    character takes at most four bytes, so a larger file is a text bomb whatever it holds."""
    size = path.stat().st_size
    if size > 4 * limits.max_text_chars:
        raise ConversionError(text_too_long(size // 4, limits))
    text = decode(path.read_bytes())
    if len(text) > limits.max_text_chars:
        raise ConversionError(text_too_long(len(text), limits))
    return text


def text_too_long(chars: int, limits: Limits) -> str:
    from ingest.convert import text_too_long as reason

    return reason(chars, limits)


def convert(path: Path, limits: Limits, fmt: str = "txt") -> ConvertedDocument:
    text = read_text(path, limits)
    if "\x00" in text:
        raise ConversionError("Filen innehåller binära data och är inte en textfil.")
    blocks = blocks_from_text(text, markdown=(fmt == "md"))
    if not blocks:
        raise ConversionError("Filen innehåller ingen läsbar text.")
    title = next((b.text for b in blocks if b.kind == "heading"), None)
    return ConvertedDocument(format=fmt, blocks=blocks, title=title)
