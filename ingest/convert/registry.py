"""The one list of file formats Kunskapsbanken reads: each converter declares its media type, extensions,
how its content is recognised and the time and memory it may use. Sniffing, the converter child, folder
walks, the upload form, the 415 message and the media types of served originals all read it here.

OCR is not a format of its own but a fallback parser for PDF pages without a text layer and for images,
with its own budget per page.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Converter:
    format: str  # stored in the catalogue; also the extension of the kept original
    label: str  # Swedish name in lists shown to people
    extensions: tuple[str, ...]
    media_type: str  # how the kept original is served
    module: str  # ingest.convert.formats.<module>, which has convert(path, limits[, fmt])
    magic: tuple[bytes, ...] = ()  # the content starts with one of these
    zip_member: str | None = None  # a zip container is this format when it holds this member
    text: bool = False  # a text format: chosen among text files by extension (and HTML by content)
    seconds: float = 60.0  # budget of one conversion (capped by Limits.max_seconds_per_file)
    memory_mb: int = 1024  # address space of the converter child
    inline: bool = False  # originals open in the browser (PDF, so that #page=N works) instead of downloading
    ocr: bool = False  # OCR is its fallback parser (pages without text, images)


@dataclass(frozen=True)
class OcrEngine:
    """Tesseract with the Swedish model, run page by page in bounded subprocesses."""

    languages: str = "swe"
    dpi: int = 300
    seconds_per_page: float = float(os.environ.get("KUNSKAPSBANK_OCR_SECONDS_PER_PAGE", "60"))
    memory_mb_per_page: int = 1024
    parallel_pages: int = 2
    packages: tuple[str, ...] = ("tesseract-ocr", "tesseract-ocr-swe")
    render_package: str = "poppler-utils"  # pdftoppm renders PDF pages to images


OCR = OcrEngine()

CONVERTERS: tuple[Converter, ...] = (
    Converter("pdf", "PDF", (".pdf",), "application/pdf", "pdf", magic=(b"%PDF-",), seconds=120,
              memory_mb=2048, inline=True, ocr=True),
    Converter("docx", "Word (.docx)", (".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              "docx", zip_member="word/document.xml", seconds=90, memory_mb=2048),
    Converter("doc", "äldre Word (.doc)", (".doc",), "application/msword", "doc", seconds=60, memory_mb=1024),
    Converter("odt", "OpenDocument-text (.odt)", (".odt",), "application/vnd.oasis.opendocument.text", "odt",
              zip_member="content.xml", seconds=90, memory_mb=2048),
    Converter("rtf", "RTF", (".rtf",), "application/rtf", "rtf", magic=(b"{\\rtf",), seconds=60, memory_mb=1024),
    Converter("pptx", "PowerPoint (.pptx)", (".pptx",),
              "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx",
              zip_member="ppt/presentation.xml", seconds=90, memory_mb=2048),
    Converter("png", "PNG-bild", (".png",), "image/png", "image", magic=(b"\x89PNG\r\n\x1a\n",), seconds=30,
              memory_mb=1024, inline=True, ocr=True),
    Converter("jpeg", "JPEG-bild", (".jpg", ".jpeg"), "image/jpeg", "image", magic=(b"\xff\xd8\xff",), seconds=30,
              memory_mb=1024, inline=True, ocr=True),
    Converter("tiff", "TIFF-bild", (".tif", ".tiff"), "image/tiff", "image", magic=(b"II*\x00", b"MM\x00*"),
              seconds=30, memory_mb=1024, ocr=True),
    Converter("html", "HTML", (".html", ".htm", ".xhtml"), "text/plain; charset=utf-8", "html", text=True,
              seconds=60, memory_mb=1024),
    Converter("md", "Markdown (.md)", (".md", ".markdown"), "text/plain; charset=utf-8", "text", text=True,
              seconds=60, memory_mb=1024),
    Converter("txt", "text (.txt)", (".txt", ".text"), "text/plain; charset=utf-8", "text", text=True,
              seconds=60, memory_mb=1024),
)

_BY_FORMAT = {c.format: c for c in CONVERTERS}
_BY_EXTENSION = {ext: c for c in CONVERTERS for ext in c.extensions}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office: .doc, but also .xls and .ppt
ZIP_MAGIC = b"PK\x03\x04"

# Files a folder walk passes over, with the reason shown: they are not documents, so they are neither
# ingested nor counted as failures.
_NOT_DOCUMENTS = {
    "källkod": (".py", ".js", ".mjs", ".ts", ".tsx", ".jsx", ".java", ".c", ".h", ".cpp", ".hpp", ".cs", ".go",
                ".rs", ".rb", ".php", ".sh", ".bat", ".ps1", ".css", ".scss", ".sql", ".r", ".ipynb", ".swift",
                ".kt", ".pl", ".lua"),
    "data": (".json", ".yaml", ".yml", ".csv", ".tsv", ".xml", ".toml", ".ini", ".cfg", ".conf", ".geojson",
             ".parquet", ".sqlite", ".sqlite3", ".db", ".log", ".lock"),
    "kalkylark": (".xlsx", ".xls", ".xlsm", ".ods", ".numbers"),
    "arkiv": (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar"),
    "presentation i äldre format": (".ppt", ".odp", ".key"),
    "bild eller grafik som inte tolkas": (".gif", ".svg", ".bmp", ".webp", ".ico", ".heic", ".eps", ".psd"),
    "ljud eller film": (".mp3", ".wav", ".ogg", ".mp4", ".mov", ".avi", ".mkv", ".webm"),
    "program": (".exe", ".dll", ".so", ".bin", ".class", ".jar", ".pyc", ".whl", ".deb", ".msi", ".iso"),
}
_KIND_OF_EXTENSION = {ext: kind for kind, exts in _NOT_DOCUMENTS.items() for ext in exts}


def by_format(fmt: str) -> Converter | None:
    return _BY_FORMAT.get(fmt)


def by_extension(path: str | Path) -> Converter | None:
    return _BY_EXTENSION.get(Path(path).suffix.lower())


def extensions() -> list[str]:
    """Every extension a document may have, in registry order ('.pdf', '.docx', …)."""
    return [ext for c in CONVERTERS for ext in c.extensions]


def accept_attribute() -> str:
    """The upload form's accept="…": extensions and media types of every converter."""
    return ",".join(extensions())


def supported_sentence() -> str:
    """'PDF, Word (.docx), … och text (.txt)': the formats named in Swedish, for forms and messages."""
    labels = [c.label for c in CONVERTERS]
    return ", ".join(labels[:-1]) + " och " + labels[-1]


def media_type(fmt: str) -> str | None:
    converter = by_format(fmt)
    return converter.media_type if converter else None


def serves_inline(fmt: str) -> bool:
    converter = by_format(fmt)
    return bool(converter and converter.inline)


def by_magic(head: bytes) -> Converter | None:
    """The converter whose magic bytes open the content (a PDF header may follow some junk)."""
    if b"%PDF-" in head[:1024]:
        return _BY_FORMAT["pdf"]
    return next((c for c in CONVERTERS if any(head.startswith(m) for m in c.magic)), None)


def zip_format(names: set[str]) -> Converter | None:
    return next((c for c in CONVERTERS if c.zip_member and c.zip_member in names), None)


def walk_decision(path: Path, head: bytes) -> str | None:
    """None when a file found in a folder walk is a document to ingest; otherwise the Swedish reason it
    is passed over. Decided by the extension and the first bytes, never by parsing (that is the child's job)."""
    converter = by_extension(path)
    if converter is not None:
        return None  # it claims a document format: if the content lies, conversion says so (a failure)
    if by_magic(head) is not None:
        return None  # a PDF, RTF or image under an odd name is still a document
    suffix = path.suffix.lower()
    kind = _KIND_OF_EXTENSION.get(suffix)
    if kind:
        return f"Inte ett dokument ({kind}, {suffix})."
    if head.startswith(ZIP_MAGIC):
        return "Inte ett dokument (arkiv eller kontorsfil av annan typ)."
    if head.startswith(OLE_MAGIC):
        return "Inte ett dokument som kan läsas (äldre Office-fil som inte är .doc)."
    if suffix:
        return f"Inte ett dokumentformat som Kunskapsbanken läser ({suffix})."
    return "Inte ett dokumentformat som Kunskapsbanken läser (filen saknar filändelse)."
