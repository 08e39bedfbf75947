"""What the zip-based office formats (.docx, .pptx, .odt) share: a bounded archive and XML that is
parsed without entities, DTDs or network, where any DOCTYPE is refused outright."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree

from ingest.config import Limits
from ingest.model import ConversionError

# An XML declaration of a document type anywhere (after comments, processing instructions, whitespace).
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)


def open_archive(path: Path, limits: Limits, label: str) -> zipfile.ZipFile:
    """The file as a zip, refused when it would expand beyond Limits.max_unzipped_bytes (a zip bomb)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ConversionError(f"{label} är skadad och kan inte öppnas ({exc}).") from None
    expanded = sum(info.file_size for info in archive.infolist())
    if expanded > limits.max_unzipped_bytes:
        archive.close()
        raise ConversionError(
            f"{label} packas upp till {expanded / 1024 / 1024:.0f} MB, mer än tillåtna "
            f"{limits.max_unzipped_bytes / 1024 / 1024:.0f} MB (möjlig zip-bomb), och lästes inte."
        )
    return archive


def safe_parser() -> etree.XMLParser:
    """Entities are never resolved, no DTD is loaded, nothing is fetched, whatever the content says."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False)


def parse_xml(data: bytes, label: str, name: str) -> etree._Element:
    """Parse one part of an office file. A document type declaration has no business in these formats:
    wherever it stands (a long comment may push it past any quick look), the part is refused."""
    if _DOCTYPE.search(data):
        raise ConversionError(f"{label} innehåller otillåtna XML-deklarationer (DOCTYPE/ENTITY) och lästes inte.")
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise ConversionError(f"{label} är skadad ({name}: {exc}).") from None
    if root.getroottree().docinfo.doctype:  # belt and braces: the parser saw one the scan did not
        raise ConversionError(f"{label} innehåller otillåtna XML-deklarationer (DOCTYPE/ENTITY) och lästes inte.")
    return root


def read_part(archive: zipfile.ZipFile, name: str, label: str) -> etree._Element | None:
    try:
        data = archive.read(name)
    except KeyError:
        return None
    return parse_xml(data, label, name)
