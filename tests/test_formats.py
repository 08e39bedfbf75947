"""The converter registry and the readers it lists: generated .pptx/.odt/.rtf files, office-suite files of
the Westum plan (tests/files, made by LibreOffice), legacy .doc through antiword, hardened Word XML, and
every place that names formats (upload form, 415, media types) reading the one registry."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ingest.config import DataDir, Limits
from ingest.convert import convert_file, registry
from ingest.convert.formats import doc as doc_reader
from ingest.model import ConversionError
from tests.conftest import EDITOR
from tests.made_files import make_odt, make_pptx, make_rtf

FILES = Path(__file__).resolve().parent / "files"
WESTUM_ITEMS = ["Stödja och sprida projektresultat inom Westum-nätverket samt till externa intressenter och "
                "finansiärer.", "Organisera Westum-konferensen med relevanta föreläsningar"]


def blocks_of(doc, kind: str) -> list[str]:
    return [b.text for b in doc.blocks if b.kind == kind]


# -- generated files ---------------------------------------------------------------------------
def test_pptx_has_a_section_per_slide_with_its_title_as_heading(tmp_path: Path):
    doc = convert_file(make_pptx(tmp_path / "dialog.pptx"))
    assert doc.format == "pptx" and doc.pages == 4 and doc.title == "Regional utvecklingsstrategi 2030"
    assert [(b.text, b.page) for b in doc.blocks if b.kind == "heading"] == [
        ("Regional utvecklingsstrategi 2030", 1), ("Kompetensförsörjning", 2), ("Uppföljning", 3), ("Bild 4", 4)]
    assert blocks_of(doc, "list") == ["Fler vuxna ska studera på lärcentrum", "Yrkesutbildning för äldre",
                                      "Validering inom vård och omsorg"]
    assert "Andel med gymnasieexamen | 82 %" in blocks_of(doc, "table")
    assert "Talaren nämner Sala och Köping som goda exempel." in blocks_of(doc, "paragraph")  # speaker notes
    assert all(b.page for b in doc.blocks)


def test_odt_headings_lists_and_tables(tmp_path: Path):
    doc = convert_file(make_odt(tmp_path / "plan.odt"))
    assert doc.format == "odt" and doc.title == "Handlingsplan för kollektivtrafik"
    assert [(b.text, b.level) for b in doc.blocks if b.kind == "heading"] == [
        ("Handlingsplan för kollektivtrafik", 1), ("Åtgärder", 2)]
    assert blocks_of(doc, "list") == ["Fler turer på kvällar", "Nya pendlarparkeringar", "Bättre information i appen"]
    assert blocks_of(doc, "table") == ["Åtgärd | År", "Fler turer | 2026"]


def test_rtf_styles_code_page_unicode_lists_and_tables_without_header_or_footnote(tmp_path: Path):
    doc = convert_file(make_rtf(tmp_path / "bredband.rtf"))
    text = " ".join(b.text for b in doc.blocks)
    assert doc.format == "rtf" and doc.title == "Plan för bredband i Västmanland"
    assert [(b.text, b.level) for b in doc.blocks if b.kind == "heading"] == [("Bredband till alla", 1), ("Etapper", 2)]
    assert "så att hushåll på landsbygden får snabbt bredband." in text
    assert blocks_of(doc, "list") == ["Första etappen i Sala", "Andra etappen i Norberg"]
    assert blocks_of(doc, "table") == ["Etapp | Klar", "Sala | 2026"]
    assert "Sidhuvud" not in text and "Fotnot" not in text and "Nr" not in text


# -- files as an office suite writes them ------------------------------------------------------
@pytest.mark.parametrize("suffix", ["doc", "odt", "rtf"])
def test_office_suite_files_keep_headings_and_word_lists(suffix: str):
    doc = convert_file(FILES / f"westum-verksamhetsplan.{suffix}")
    assert doc.format == suffix
    headings = blocks_of(doc, "heading")
    assert "Om Nätverk Westum" in headings and "Prioriterat område 1: Strategisk kompetensförsörjning" in headings
    items = blocks_of(doc, "list")
    assert WESTUM_ITEMS[0] in items  # each bullet its own block, not run together with the next
    assert any(item.startswith(WESTUM_ITEMS[1]) for item in items)
    text = " ".join(b.text for b in doc.blocks)
    assert "Nätverk Westum är en ideell förening" in text and "\ufffd" not in text


def test_doc_that_is_not_word_fails_with_a_reason(tmp_path: Path):
    broken = tmp_path / "trasig.doc"
    broken.write_bytes(registry.OLE_MAGIC + b"\x00" * 4000)
    with pytest.raises(ConversionError, match=r"\.doc"):
        convert_file(broken)


def test_doc_without_antiword_names_the_package(monkeypatch):
    monkeypatch.setattr(doc_reader, "ANTIWORD", "/saknas/antiword")
    with pytest.raises(ConversionError, match="Debian-paketet antiword"):
        convert_file(FILES / "westum-verksamhetsplan.doc")


# -- Word XML is parsed without entities -------------------------------------------------------
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def word_file(path: Path, document_xml: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", document_xml)
    return path


def test_doctype_anywhere_in_word_xml_is_refused(tmp_path: Path):
    hidden = ('<?xml version="1.0"?><!--' + "x" * 200_000 + '--><!DOCTYPE w:document [<!ENTITY e "ord">]>'
              f'<w:document {W}><w:body><w:p><w:r><w:t>Före &e; efter</w:t></w:r></w:p></w:body></w:document>')
    with pytest.raises(ConversionError, match="DOCTYPE/ENTITY"):
        convert_file(word_file(tmp_path / "gomd.docx", hidden))


def test_unknown_entity_reference_is_an_error_not_silently_dropped_text(tmp_path: Path):
    xml = (f'<?xml version="1.0"?><w:document {W}><w:body><w:p><w:r><w:t>Före &okänd; efter</w:t></w:r></w:p>'
           '</w:body></w:document>')
    with pytest.raises(ConversionError, match="Word-filen är skadad"):
        convert_file(word_file(tmp_path / "entitet.docx", xml))


# -- one registry for every place that names formats -------------------------------------------
def test_every_registered_format_has_a_reader_and_a_media_type():
    import importlib

    for converter in registry.CONVERTERS:
        module = importlib.import_module(f"ingest.convert.formats.{converter.module}")
        assert callable(module.convert)
        assert converter.media_type and converter.extensions and converter.seconds > 0 and converter.memory_mb > 0
    assert len(registry.extensions()) == len(set(registry.extensions()))
    assert registry.OCR.seconds_per_page > 0 and registry.OCR.memory_mb_per_page > 0


def test_upload_form_and_415_read_the_registry(fresh_data: Path):
    from webapp.app import create_app

    with TestClient(create_app(DataDir(fresh_data), Limits())) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/logga-in").text).group(1)
        client.post("/logga-in", data={"username": EDITOR[0], "password": EDITOR[1], "csrf": token})
        form = client.get("/ladda-upp").text
        accept = re.search(r'accept="([^"]+)"', form).group(1)
        assert accept.split(",") == registry.extensions()
        assert registry.supported_sentence() in form
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        refused = client.post("/ladda-upp", data={"csrf": csrf, "visibility": "internal"},
                              files={"file": ("tabell.xlsx", b"PK\x03\x04", "application/octet-stream")})
        assert refused.status_code == 415 and "PowerPoint (.pptx)" in refused.text
