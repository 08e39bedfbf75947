"""Decide a file's real format from its content; the extension only picks between text flavours."""
from __future__ import annotations

import zipfile
from pathlib import Path

from ingest.model import ConversionError

SUPPORTED = "Kunskapsbanken läser PDF, Word (.docx), text (.txt), Markdown (.md) och HTML."
_MARKDOWN_EXT = {".md", ".markdown"}
_HTML_EXT = {".html", ".htm", ".xhtml"}


def sniff(path: Path, head: bytes) -> str:
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            raise ConversionError("Filen är ett trasigt zip-arkiv och kan inte läsas.") from None
        if "word/document.xml" in names:
            return "docx"
        if path.suffix.lower() == ".docx":
            raise ConversionError("Filen ser ut som en .docx men är ett zip-arkiv utan Word-innehåll.")
        raise ConversionError(f"Zip-arkiv stöds inte. {SUPPORTED}")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ConversionError("Äldre Word-format (.doc) stöds inte: spara filen som .docx och försök igen.")
    if not _is_text(head):
        raise ConversionError(f"Filtypen stöds inte. {SUPPORTED}")
    lowered = head[:2048].lower()
    if path.suffix.lower() in _HTML_EXT or b"<!doctype html" in lowered or b"<html" in lowered:
        return "html"
    if path.suffix.lower() in _MARKDOWN_EXT:
        return "md"
    return "txt"


def _is_text(head: bytes) -> bool:
    if not head:
        return False
    if b"\x00" in head:
        return False
    sample = head[:4096]
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        if exc.start > len(sample) - 4:  # a multibyte character cut at the sample's end
            return True
    printable = sum(1 for b in sample if b >= 32 or b in (9, 10, 13))
    return printable / len(sample) > 0.95  # cp1252/latin-1 text
