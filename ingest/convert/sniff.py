"""Decide a file's real format from its content, by the rules each converter declares in the registry;
the extension only picks between text flavours and between the kinds of legacy Office files."""
from __future__ import annotations

import zipfile
from pathlib import Path

from ingest.convert import registry
from ingest.model import ConversionError


def supported() -> str:
    return f"Kunskapsbanken läser {registry.supported_sentence()}."


def sniff(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if head.startswith(registry.ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            raise ConversionError("Filen är ett trasigt zip-arkiv och kan inte läsas.") from None
        converter = registry.zip_format(names)
        if converter is not None:
            return converter.format
        claimed = registry.by_extension(path)
        if claimed is not None and claimed.zip_member:
            content = "Word-innehåll" if claimed.format == "docx" else "dokumentinnehåll"
            raise ConversionError(f"Filen ser ut som en {suffix} men är ett zip-arkiv utan {content}.")
        raise ConversionError(f"Zip-arkiv stöds inte. {supported()}")
    if head.startswith(registry.OLE_MAGIC):
        if suffix in (".xls", ".ppt", ".msg"):
            raise ConversionError(f"Äldre Office-filer ({suffix}) stöds inte. {supported()}")
        return "doc"  # antiword tells a Word file from other OLE files, and says so when it is not one
    converter = registry.by_magic(head)
    if converter is not None:
        return converter.format
    if not _is_text(head):
        raise ConversionError(f"Filtypen stöds inte. {supported()}")
    lowered = head[:2048].lower()
    claimed = registry.by_extension(path)
    if (claimed is not None and claimed.format == "html") or b"<!doctype html" in lowered or b"<html" in lowered:
        return "html"
    if claimed is not None and claimed.text:
        return claimed.format
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
