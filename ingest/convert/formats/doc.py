"""Legacy Word (.doc, Word 97–2003) through antiword, a small C reader run as a subprocess within the
converter's time and memory budget. antiword writes DocBook, which keeps Word's structure: chapter and
section titles become headings, list items list blocks, table rows one line each."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from ingest.config import Limits
from ingest.convert import registry
from ingest.convert.cleanup import normalise
from ingest.convert.formats import office
from ingest.model import Block, ConversionError, ConvertedDocument

ANTIWORD = os.environ.get("KUNSKAPSBANK_ANTIWORD", "antiword")
PACKAGE = "antiword"


def convert(path: Path, limits: Limits) -> ConvertedDocument:
    if shutil.which(ANTIWORD) is None:
        raise ConversionError(f"Äldre Word-filer (.doc) kan inte läsas här: programmet antiword saknas "
                              f"(Debian-paketet {PACKAGE}). Spara filen som .docx eller installera paketet.")
    converter = registry.by_format("doc")
    seconds = min(converter.seconds, limits.max_seconds_per_file) - 5
    kilobytes = converter.memory_mb * 1024
    try:
        result = subprocess.run(["sh", "-c", f'ulimit -v {kilobytes}; exec "$@"', "sh",
                                 ANTIWORD, "-x", "db", "-m", "UTF-8.txt", str(path)],
                                capture_output=True, timeout=max(5.0, seconds))
    except subprocess.TimeoutExpired:
        raise ConversionError("Word-filen (.doc) tog för lång tid att läsa och hoppades över.") from None
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = detail[-1][:200] if detail else f"felkod {result.returncode}"
        if "not a Word Document" in reason or "is not a Word" in reason:
            raise ConversionError("Filen är en äldre Office-fil men inte ett Word-dokument (.doc) och lästes inte.")
        raise ConversionError(f"Word-filen (.doc) är skadad och kunde inte läsas ({reason}).")
    if len(result.stdout) > 4 * limits.max_text_chars:
        from ingest.convert import text_too_long

        raise ConversionError(text_too_long(len(result.stdout) // 4, limits))
    # antiword's own DocBook declaration is dropped; the document's text never holds a raw "<!DOCTYPE"
    docbook = re.sub(rb"<!DOCTYPE[^>]*>", b"", result.stdout, count=1)
    root = office.parse_xml(docbook, "Word-filen (.doc)", "DocBook")
    blocks = list(_blocks(root))
    if not blocks:
        raise ConversionError("Word-filen (.doc) innehåller ingen läsbar text.")
    title = next((b.text for b in blocks if b.kind == "heading"), None)
    return ConvertedDocument(format="doc", blocks=blocks, title=title)


_LEVEL = {"chapter": 1, "sect1": 2, "sect2": 3, "sect3": 4, "sect4": 5, "sect5": 6}


def _text(node) -> str:
    return normalise(" ".join("".join(node.itertext()).split()))


def _blocks(root, depth: int = 0):
    """Walk DocBook in order: titles of chapters and sections, paragraphs, list items, table rows."""
    for child in root:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in ("bookinfo",) or depth > 60:
            continue
        if tag == "title" and root.tag in _LEVEL:
            text = _text(child)
            if text:
                yield Block(text, "heading", _LEVEL[root.tag])
        elif tag == "para":
            text = _text(child)
            if text:
                yield Block(text, "list" if root.tag == "listitem" else "paragraph")
        elif tag == "row":
            cells = [_text(entry) for entry in child]
            line = " | ".join(c for c in cells if c)
            if line:
                yield Block(line, "table")
        else:
            yield from _blocks(child, depth + 1)
