"""HTML pages: h1–h6 become headings, p/li/td text becomes paragraphs; scripts and navigation are dropped."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from ingest.convert.cleanup import normalise
from ingest.config import Limits
from ingest.convert.formats.text import read_text
from ingest.model import Block, ConvertedDocument, ConversionError

SKIP = {"script", "style", "nav", "header", "footer", "noscript", "template", "svg", "form", "button", "select"}
BLOCKS = {"p", "li", "td", "th", "dd", "dt", "div", "section", "article", "blockquote", "pre", "br", "tr", "caption"}
HEADINGS = {f"h{n}": n for n in range(1, 7)}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.title: str | None = None
        self._skip = 0
        self._buffer: list[str] = []
        self._heading: int = 0
        self._in_title = False
        self._list = False

    def _flush(self) -> None:
        text = normalise(" ".join(self._buffer))
        self._buffer.clear()
        if text:
            if self._heading:
                self.blocks.append(Block(text, "heading", self._heading))
            else:
                self.blocks.append(Block(text, "list" if self._list else "paragraph"))

    def handle_starttag(self, tag, attrs):
        if tag in SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in HEADINGS:
            self._flush()
            self._heading = HEADINGS[tag]
        elif tag in BLOCKS:
            self._flush()
            self._list = tag == "li"

    def handle_endtag(self, tag):
        if tag in SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in HEADINGS:
            self._flush()
            self._heading = 0
        elif tag in BLOCKS:
            self._flush()
            self._list = False

    def handle_data(self, data):
        if self._in_title:
            self.title = normalise(data) or self.title
        elif not self._skip:
            self._buffer.append(data)

    def close(self):
        super().close()
        self._flush()


def convert(path: Path, limits: Limits, fmt: str = "html") -> ConvertedDocument:
    reader = _Reader()
    reader.feed(read_text(path, limits))
    reader.close()
    if not reader.blocks:
        raise ConversionError("HTML-filen innehåller ingen läsbar text.")
    first_heading = next((b.text for b in reader.blocks if b.kind == "heading"), None)
    return ConvertedDocument(format="html", blocks=reader.blocks, title=reader.title or first_heading)
