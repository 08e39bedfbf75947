"""Split a converted document into sections and passages of a few paragraphs.

A passage never crosses a section boundary, so a heading such as "#17 Öka andelen elever …"
labels exactly the text under it. Passage ids hash the document id, the heading path and the
text, so re-ingesting unchanged content gives the same ids (permalinks keep working) even when
other parts of the document changed.
"""
from __future__ import annotations

import hashlib
import re

from ingest.model import Block, Passage, Section

TARGET_WORDS = 160  # close a passage once it has this many words ...
MAX_WORDS = 320  # ... and never let one grow past this (long paragraphs are cut at sentences)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9\"”«(])")


def _words(text: str) -> int:
    return len(text.split())


def join_blocks(blocks: list[Block]) -> str:
    """Paragraphs apart by a blank line; the items of a list one per line, so that a page can show them
    as a list. (Ids hash the text with whitespace collapsed, so this layout never changes an id.)"""
    parts: list[str] = []
    for previous, block in zip([None, *blocks], blocks):
        if previous is not None:
            parts.append("\n" if previous.kind == "list" and block.kind == "list" else "\n\n")
        parts.append(block.text)
    return "".join(parts)


def passage_id(document_id: str, heading_path: list[str], text: str, occurrence: int) -> str:
    key = "\x1f".join([document_id, " > ".join(heading_path), " ".join(text.split()), str(occurrence)])
    return "p" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def _split_long(text: str) -> list[str]:
    """Cut an over-long paragraph at sentence ends into pieces of about TARGET_WORDS."""
    if _words(text) <= MAX_WORDS:
        return [text]
    pieces, current = [], []
    for sentence in _SENTENCE_END.split(text):
        current.append(sentence)
        if _words(" ".join(current)) >= TARGET_WORDS:
            pieces.append(" ".join(current))
            current = []
    if current:
        pieces.append(" ".join(current))
    # a "sentence" with no full stops (tables, lists) may still be huge: cut it by words
    out = []
    for piece in pieces:
        words = piece.split()
        for start in range(0, len(words), MAX_WORDS):
            out.append(" ".join(words[start:start + MAX_WORDS]))
    return out


def split(document_id: str, blocks: list[Block], title: str = "") -> tuple[list[Section], list[Passage]]:
    sections: list[Section] = []
    passages: list[Passage] = []
    path: list[tuple[int, str]] = []  # (level, heading) stack
    section = Section(ord=0, heading=title or "", level=0, path=[], page=blocks[0].page if blocks else None)
    sections.append(section)
    buffer: list[Block] = []
    seen: dict[str, int] = {}

    def flush() -> None:
        if not buffer:
            return
        text = join_blocks(buffer)
        pages = [b.page for b in buffer if b.page is not None]
        heading_path = list(section.path)
        base = passage_id(document_id, heading_path, text, 0)
        occurrence = seen.get(base, 0)
        seen[base] = occurrence + 1
        passages.append(
            Passage(
                id=base if occurrence == 0 else passage_id(document_id, heading_path, text, occurrence),
                ord=len(passages),
                section_ord=section.ord,
                heading_path=heading_path,
                text=text,
                page_start=min(pages) if pages else None,
                page_end=max(pages) if pages else None,
            )
        )
        buffer.clear()

    for block in blocks:
        text = block.text.strip()
        if not text:
            continue
        if block.kind == "heading":
            flush()
            level = max(1, block.level or 1)
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, text))
            section = Section(
                ord=len(sections), heading=text, level=level, path=[h for _, h in path], page=block.page
            )
            sections.append(section)
            continue
        for piece in _split_long(text):
            if buffer and _words(" ".join(b.text for b in buffer)) + _words(piece) > MAX_WORDS:
                flush()
            buffer.append(Block(text=piece, kind=block.kind, level=0, page=block.page))
            if _words(" ".join(b.text for b in buffer)) >= TARGET_WORDS:
                flush()
    flush()
    if not any(p.section_ord == 0 for p in passages):
        sections.pop(0)  # no text before the first heading: the preamble section would be empty
    return sections, passages
