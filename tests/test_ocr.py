"""OCR with Tesseract's Swedish model: a page scanned here, images as documents, the real scans in
../shared/corpus-real through the real pipeline into a real index, and the failures (no Tesseract,
a page over its memory budget, an image bomb) each with a clear Swedish reason."""
from __future__ import annotations

import dataclasses
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from ingest.config import REAL_CORPUS_DIR, DataDir
from ingest.convert import convert_file, ocr
from ingest.model import ConversionError
from ingest.pipeline import Ingester
from tests.made_files import SCANNED_LINES, page_image, scanned_pdf

needs_real = pytest.mark.skipif(not REAL_CORPUS_DIR.exists(), reason="../shared/corpus-real is not beside the repo")
WORDS = ["Kompetensförsörjning", "Västmanland", "vuxenutbildning", "yrkesutbildning", "äldre", "omsorg", "året"]


def text_of(doc) -> str:
    return " ".join(b.text for b in doc.blocks)


def test_generated_scanned_page_is_read_with_swedish_letters(tmp_path: Path):
    doc = convert_file(scanned_pdf(tmp_path / "skannad.pdf"))
    text = text_of(doc)
    for word in WORDS:
        assert word in text, (word, text)
    assert doc.ocr_pages == [1] and all(b.page == 1 for b in doc.blocks)
    assert doc.warnings == ["Sidan 1 saknade textlager och tolkades med OCR; texten kan innehålla fel."]
    assert doc.blocks[0].kind == "heading" and doc.blocks[0].text == SCANNED_LINES[0]  # the larger bold line


@pytest.mark.parametrize("fmt, suffix", [("png", ".png"), ("jpeg", ".jpg"), ("tiff", ".tif")])
def test_images_are_documents_read_with_ocr(tmp_path: Path, fmt: str, suffix: str):
    png = page_image(tmp_path / "sida.png")
    target = tmp_path / f"foto{suffix}"
    with Image.open(png) as image:
        image.convert("L").save(target)
    doc = convert_file(target)
    assert doc.format == fmt and doc.ocr_pages == [1]
    assert all(word in text_of(doc) for word in WORDS)


def test_multi_page_tiff_keeps_its_pages(tmp_path: Path):
    first = Image.open(page_image(tmp_path / "ett.png"))
    second = Image.open(page_image(tmp_path / "tva.png", ["Bredband på landsbygden", "Fiber till hushållen i Sala."]))
    first.save(tmp_path / "skanning.tiff", save_all=True, append_images=[second])
    doc = convert_file(tmp_path / "skanning.tiff")
    assert doc.pages == 2 and doc.ocr_pages == [1, 2]
    assert "Sidorna 1–2 saknade textlager och tolkades med OCR; texten kan innehålla fel." in doc.warnings
    assert {b.page for b in doc.blocks if "Bredband" in b.text} == {2}


def test_without_tesseract_a_scan_fails_naming_the_packages(tmp_path: Path, monkeypatch):
    scan = scanned_pdf(tmp_path / "skannad.pdf")
    monkeypatch.setattr(ocr, "TESSERACT", "/saknas/tesseract")
    ocr.missing.cache_clear()
    try:
        with pytest.raises(ConversionError, match=r"Tesseract .*tesseract-ocr och tesseract-ocr-swe"):
            convert_file(scan)
        with pytest.raises(ConversionError, match=r"tesseract-ocr"):
            convert_file(page_image(tmp_path / "bild.png"))
    finally:
        ocr.missing.cache_clear()


def test_a_page_over_its_memory_budget_fails_alone_with_a_reason(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(ocr, "OCR", dataclasses.replace(ocr.OCR, memory_mb_per_page=8))
    with pytest.raises(ConversionError, match="tids- och minnesgränsen per sida"):
        convert_file(scanned_pdf(tmp_path / "skannad.pdf"))


def test_image_bomb_is_refused(tmp_path: Path):
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 0, 0, 0, 0)  # 3.6 billion pixels claimed
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 100))
                     + chunk(b"IEND", b""))
    with pytest.raises(ConversionError, match="för stor"):
        convert_file(bomb)


@needs_real
def test_real_scans_are_ingested_and_found_by_words_from_their_pages(tmp_path: Path):
    from search import Filters, SearchIndex

    ingester = Ingester(DataDir(tmp_path / "data"))
    report = ingester.ingest_paths([REAL_CORPUS_DIR / "brf-spettet-10_arsredovisning_2020_scanned.pdf",
                                    REAL_CORPUS_DIR / "regeringen_prop-1991-92-43_scanned_2pages.pdf"])
    assert report.ok and len(report.ingested) == 2, report.failed
    assert any("tolkades med OCR" in w["warning"] for w in report.warnings)
    by_name = {d.file_name: d for d in ingester.catalogue.documents()}
    index = SearchIndex(DataDir(tmp_path / "data").index)
    everyone = Filters(visibility=("public", "internal"))
    for name, word, page in [("brf-spettet-10_arsredovisning_2020_scanned.pdf", "Brandkontoret", 2),
                             ("regeringen_prop-1991-92-43_scanned_2pages.pdf", "kontantprincip", 2)]:
        hits = index.search(word, everyone).hits
        assert hits and hits[0].document_id == by_name[name].id, (word, hits[:3])
        passage = ingester.catalogue.passage(hits[0].passage_id)
        assert word.lower() in passage.text.lower()
        assert passage.page_start <= page <= passage.page_end  # page numbers of the scan are kept
