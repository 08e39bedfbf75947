"""Each converter on real files: generated PDFs and Word files made here, the sample corpus, and the
third-party files in ../shared/corpus-real whose extraction problems SOURCES.md lists."""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from ingest.config import REAL_CORPUS_DIR
from ingest.convert import convert_file
from ingest.convert.cleanup import join_hyphenated, normalise
from ingest.model import ConversionError

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus" / "documents"
REAL = REAL_CORPUS_DIR
needs_real = pytest.mark.skipif(not REAL.exists(), reason="../shared/corpus-real is not beside the repo")

# A word broken at a line end and left as "infor- mation"; coordination ("hälso- och sjukvård") is fine.
BROKEN_WORD = re.compile(r"\b([a-zåäö]{2,})- (?!och\b|eller\b|samt\b|respektive\b|resp\b|till\b|som\b)([a-zåäö]{2,})")


def text_of(doc) -> str:
    return "\n\n".join(b.text for b in doc.blocks)


# -- text clean-up -----------------------------------------------------------------------------
@pytest.mark.parametrize("raw, clean", [
    ("ﬁnns ﬂera", "finns flera"),                         # ligature characters
    ("omhänder\u00adtagande", "omhändertagande"),          # soft hyphen inside a word
    ("va\u0308gledning", "vägledning"),                    # decomposed ä
    ("va\u0308 gledning", "vägledning"),                   # decomposed, followed by a bogus space
    ("två\u00a0\tord", "två ord"),                         # NBSP and tab between words
])
def test_normalise_repairs_extraction_artefacts(raw: str, clean: str):
    assert normalise(raw) == clean


def test_words_broken_across_lines_are_joined_but_coordination_is_kept():
    assert join_hyphenated("kompetens-\nförsörjning") == "kompetensförsörjning"
    assert "hälso- och sjukvård" in join_hyphenated("hälso- och sjukvård")


# -- generated files --------------------------------------------------------------------------
TOPICS = ["vuxenutbildning", "kollektivtrafik", "folkbibliotek", "bredband", "kulturmiljöer", "företagsklimat"]
PLACES = ["Sala", "Köping", "Fagersta", "Arboga", "Kungsör", "Norberg"]


def make_pdf(path: Path, pages: int = 4) -> Path:
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=9)
        pdf.text(20, 12, "Region Exempel - Verksamhetsplan 2026")  # running header
        pdf.text(100, 287, str(number))  # bare page number
        pdf.set_font("Helvetica", "B", 16)
        topic, place = TOPICS[number - 1], PLACES[number - 1]
        pdf.text(20, 30, f"{number} Kapitel om {topic}")
        pdf.set_font("Helvetica", size=11)
        pdf.text(20, 45, f"I {place} samarbetar man om {topic} och kompetens-")
        pdf.text(20, 51, f"försörjning med stöd av {PLACES[-number]} och länets lärcentra.")
    pdf.output(str(path))
    return path


def test_generated_pdf_keeps_pages_drops_headers_and_page_numbers_and_joins_words(tmp_path: Path):
    doc = convert_file(make_pdf(tmp_path / "plan.pdf"))
    text = text_of(doc)
    assert doc.format == "pdf" and doc.pages == 4
    assert "Region Exempel - Verksamhetsplan 2026" not in text  # repeated on every page: a running header
    assert "kompetensförsörjning" in text and "kompetens-" not in text
    assert not any(re.fullmatch(r"\d+", b.text.strip()) for b in doc.blocks)  # no bare page numbers
    headings = [b for b in doc.blocks if b.kind == "heading"]
    assert [h.page for h in headings if "Kapitel" in h.text] == [1, 2, 3, 4]
    assert all(b.page for b in doc.blocks)


def test_generated_docx_headings_and_merged_table_cells(tmp_path: Path):
    document = docx.Document()
    document.add_heading("Handlingsplan för lärcentra", level=1)
    document.add_heading("Bakgrund", level=2)
    document.add_paragraph("Lärcentra i länet erbjuder studiehandledning.")
    table = document.add_table(rows=2, cols=2)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "Sammanslagen cell med ansvar och tidsplan"
    table.cell(1, 0).text = "Ansvarig: Region Exempel"
    table.cell(1, 1).text = "Klart: 2026"
    path = tmp_path / "plan.docx"
    document.save(path)
    doc = convert_file(path)
    text = text_of(doc)
    assert [(b.text, b.level) for b in doc.blocks if b.kind == "heading"] == [
        ("Handlingsplan för lärcentra", 1), ("Bakgrund", 2)]
    assert text.count("Sammanslagen cell med ansvar och tidsplan") == 1  # once, not once per merged cell
    assert "Ansvarig: Region Exempel" in text and "Klart: 2026" in text


def test_content_decides_the_converter_not_the_extension(tmp_path: Path):
    pdf_named_docx = tmp_path / "egentligen-pdf.docx"
    pdf_named_docx.write_bytes(make_pdf(tmp_path / "x.pdf").read_bytes())
    assert convert_file(pdf_named_docx).format == "pdf"
    html = tmp_path / "sida.txt"
    html.write_text("<!doctype html><html><head><title>Om RUS</title></head><body><h1>Om RUS</h1>"
                    "<p>Strategin &amp; målen.</p><script>alert(1)</script></body></html>", encoding="utf-8")
    doc = convert_file(html)
    assert doc.format == "html" and "Strategin & målen." in text_of(doc) and "alert" not in text_of(doc)


# -- the sample corpus ------------------------------------------------------------------------
@pytest.mark.parametrize("path", sorted(p for p in CORPUS.iterdir() if p.suffix in (".pdf", ".docx")),
                         ids=lambda p: p.name)
def test_sample_corpus_converts_with_headings_and_clean_swedish(path: Path):
    doc = convert_file(path)
    text = text_of(doc)
    assert any(b.kind == "heading" for b in doc.blocks), "headings must survive"
    assert text == unicodedata.normalize("NFC", text)
    assert "\u00ad" not in text and "\ufffd" not in text
    assert re.search(r"[åäö]", text)
    if doc.format == "pdf":
        assert all(b.page for b in doc.blocks)


# -- real third-party files -------------------------------------------------------------------
@needs_real
def test_two_column_pdf_with_decomposed_diacritics_and_many_hyphenations():
    doc = convert_file(REAL / "region-halland_terapirekommendationer_2017.pdf")
    text = text_of(doc)
    assert "vä gledning" not in text and "vägledning" in text
    assert not re.search("[\u0300-\u036f]", text)  # no combining marks left
    assert len(BROKEN_WORD.findall(text)) < 10  # pypdf alone leaves 1,207 line-break hyphens
    assert doc.pages == 114


@needs_real
@pytest.mark.parametrize("name", ["arbetsmiljoverket_afs-2011-19_kemiska-arbetsmiljorisker.pdf",
                                  "klimatkollen_utslappsberakningar-riksdagspartier_2022.pdf"])
def test_soft_hyphens_are_removed(name: str):
    text = text_of(convert_file(REAL / name))
    assert "\u00ad" not in text
    assert "omhändertagande" in text or name.startswith("klimatkollen")


@needs_real
def test_ligature_characters_are_expanded():
    text = text_of(convert_file(REAL / "digg_informationsmodeller_workshop1_2022-12-09.pdf"))
    assert "\ufb01" not in text and "finns" in text


@needs_real
def test_running_header_is_dropped():
    text = text_of(convert_file(REAL / "simrishamn_kultur-och-fritidsnamnden_arsbokslut_2025.pdf"))
    assert "SID 3 (36)" not in text
    assert text.count("ÅRSBOKSLUT 2026-02-01.DOCX") <= 1


@needs_real
@pytest.mark.parametrize("name, expected_chars", [("arbetsdomstolen_ad-2013-nr-63_layout-table.docx", 23_500),
                                                  ("hogsta-domstolen_nja-2014-s499_T3592-13_layout-table.docx", 107_000)])
def test_layout_table_docx_reads_once(name: str, expected_chars: int):
    doc = convert_file(REAL / name)
    text = text_of(doc)
    # python-docx paragraphs give ~1 character; naive cell iteration repeats merged cells ten times over
    assert 0.9 * expected_chars < len(text) < 1.3 * expected_chars
    repeats = Counter(b.text for b in doc.blocks if len(b.text) > 40)
    assert max(repeats.values()) <= 2


@needs_real
def test_tracked_changes_read_as_accepted():
    text = text_of(convert_file(REAL / "kalmar-nations-vanner_stadgar_forslag-till-andringar_tracked-changes.docx"))
    assert "fysisk eller juridisk person som vill" in text  # inserted text that python-docx drops


@needs_real
def test_custom_font_garbage_is_left_out_and_noted():
    doc = convert_file(REAL / "regeringen_prop-1999-2000-17_custom-font-encoding.pdf")
    assert "UDQ" not in text_of(doc)  # "*|UDQ^C3HUVVRQ" is Göran Persson in the broken encoding
    assert any("oläslig" in w for w in doc.warnings)


@needs_real
def test_word_per_line_pdf_becomes_paragraphs():
    doc = convert_file(REAL / "klimatkollen_metodbeskrivning-foretagsdata.pdf")
    body = [b for b in doc.blocks if b.kind != "heading"]
    assert sum(len(b.text.split()) for b in body) / len(body) > 10


@needs_real
def test_tabs_nbsp_and_nul_characters_are_normalised():
    for name in ["forskolan-kultingen_verksamhetsplan_2014.pdf", "brf-kastanjen-4_arsredovisning_2024.pdf"]:
        text = text_of(convert_file(REAL / name))
        assert "\t" not in text and "\u00a0" not in text and "\x00" not in text


@needs_real
def test_scanned_pdf_is_read_with_ocr_with_its_pages_kept():
    doc = convert_file(REAL / "regeringen_prop-1991-92-43_scanned_2pages.pdf")
    text = text_of(doc)
    assert doc.ocr_pages == [1, 2] and doc.pages == 2
    assert "Sidorna 1–2 saknade textlager och tolkades med OCR; texten kan innehålla fel." in doc.warnings
    assert "skattetillägg" in text and "Förseningsavgift" in text  # words from the scanned pages
    assert {b.page for b in doc.blocks} == {1, 2}


@needs_real
def test_partly_scanned_pdf_keeps_text_and_reads_the_scanned_pages_with_ocr():
    doc = convert_file(REAL / "helsingborg_sbf_samsynsguiden_2023-10-10.pdf")
    assert len(text_of(doc)) > 80_000  # pypdf gives 123k characters, ~20% of them layout spaces and dot leaders
    assert set(doc.ocr_pages) >= {103, 104, 105}  # the scanned appendix pages
    assert any("tolkades med OCR" in w for w in doc.warnings)
    ocr_text = " ".join(b.text for b in doc.blocks if b.page in doc.ocr_pages)
    assert len(ocr_text) > 1000 and re.search(r"[åäö]", ocr_text)
