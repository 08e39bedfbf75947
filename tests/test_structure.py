"""Document structure on real files: tables of contents kept out of sections and passages, headings only
from real evidence (never footnotes or list items), cleaned characters (\\r, U+FFFD, symbol-font bullets),
small-caps case garbling repaired, no passage cut mid-word, and Word lists kept as lists up to the page."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ingest.config import REAL_CORPUS_DIR, DataDir
from ingest.convert import convert_file
from ingest.convert.repair import repair_replacement_characters, repair_small_caps
from ingest.convert.splitter import join_blocks, split
from ingest.convert.structure import drop_toc_blocks, toc_positions
from ingest.model import Block

REAL = REAL_CORPUS_DIR
needs_real = pytest.mark.skipif(not REAL.exists(), reason="../shared/corpus-real is not beside the repo")


def headings(doc) -> list[str]:
    return [b.text for b in doc.blocks if b.kind == "heading"]


# -- tables of contents ------------------------------------------------------------------------
def test_toc_with_heading_and_trailing_page_numbers_is_found():
    lines = ["Innehållsförteckning", "", "Övergripande verksamhetsplan för Kultingen 3", "Organisation 5",
             "2 a. Barnen visar grundläggande förmågor i språk och kommunikation 12", "",
             "Övergripande verksamhetsplan för Kultingen", "Kultingen är ett föräldrakooperativ med 22 barn."]
    assert toc_positions(lines) == {0, 2, 3, 4}


def test_dot_leaders_make_a_toc_without_heading_but_ordinary_text_does_not():
    lines = ["1 Sammanfattning ........ 3", "2 Om uppdraget ........ 4", "2.1 Målsättning ........ 4", "Brödtext."]
    assert toc_positions(lines) == {0, 1, 2}
    prose = ["Innehåll", "Rapporten beskriver hur antalet elever ökade med 12", "Det var fler än väntat."]
    assert toc_positions(prose) == set()  # an "Innehåll" heading over prose is kept
    assert toc_positions(["Antalet deltagare ökade till 45", "Resultatet var 12"]) == set()


def test_word_toc_blocks_are_dropped():
    blocks = [Block("Innehåll", "heading", 1), Block("1 Inledning 3"), Block("2 Bakgrund 4"),
              Block("Inledning", "heading", 1), Block("Regionen har en plan.")]
    assert [b.text for b in drop_toc_blocks(blocks)] == ["Inledning", "Regionen har en plan."]


@needs_real
@pytest.mark.parametrize("name, first_real_heading", [
    ("soderkoping_mal-och-strategier_miljo-och-klimat_2022.pdf", "1 Sammanfattning"),
    ("vansbro_energi-och-klimatplan_handlingsplan_rev2013.pdf", "1. Sammanfattning"),
    ("forskolan-kultingen_verksamhetsplan_2014.pdf", "Övergripande verksamhetsplan för Kultingen"),
    ("regeringen_prop-2012-13-144_sjofartsstodets-inriktning.docx", "Förslag till riksdagsbeslut"),
])
def test_real_toc_lines_are_not_sections_or_passages(name: str, first_real_heading: str):
    doc = convert_file(REAL / name)
    found = headings(doc)
    assert not any(re.match(r"^innehåll", h, re.I) for h in found)
    assert found.count(first_real_heading) == 1  # the chapter once, not once more from the contents
    assert not any(re.search(r"[^\W\d_] ?(\. ?){4,} *\d*$", b.text) for b in doc.blocks)  # no entry left
    sections, passages = split("d1", doc.blocks, doc.title or "")
    repeated = [h for h, n in Counter(s.heading for s in sections).items() if n > 1 and re.match(r"^\d", h)]
    assert repeated == [], repeated


# -- heading evidence and clean characters -----------------------------------------------------
@needs_real
def test_footnotes_are_not_headings_and_carriage_returns_are_gone():
    doc = convert_file(REAL / "forskolan-kultingen_verksamhetsplan_2014.pdf")
    assert not any("\r" in b.text for b in doc.blocks)
    assert not any(re.search(r"Lpfö.*sid", h) for h in headings(doc)), headings(doc)
    assert "2 a. Barnen visar grundläggande förmågor i språk och kommunikation" in headings(doc)
    assert any(b.kind == "list" for b in doc.blocks)  # Wingdings bullets became list items
    assert not any(re.search("[\ue000-\uf8ff]", b.text) for b in doc.blocks)


@needs_real
def test_numbered_list_items_are_not_headings_and_lost_characters_are_restored():
    doc = convert_file(REAL / "region-halland_terapirekommendationer_2017.pdf")
    found = headings(doc)
    assert not any(h.startswith(("2. Minst två", "4. Personer över 65", "3. Antibiotika")) for h in found)
    text = " ".join(b.text for b in doc.blocks)
    assert "\ufffd" not in text and "\r" not in text
    assert "Johannesört Sänker" in text  # "S\ufffd\ufffd\ufffd\ufffdnker" on page 108


@needs_real
def test_small_caps_garbling_is_repaired_and_no_passage_is_cut_mid_word():
    doc = convert_file(REAL / "haparanda_klimatstrategi_2020-2050.pdf")
    found = headings(doc)
    assert "Klimathjältar" in found and "Varifrån kommer Haparandas utsläpp?" in found
    assert not any(re.search(r"[a-zåäö][A-ZÅÄÖ]", h) for h in found if "VS" not in h), found
    _, passages = split("d1", doc.blocks, doc.title or "")
    assert not any(re.search(r"[a-zåäö]-$", p.text) for p in passages)
    assert not any(p.text.startswith("miskt") for p in passages)
    assert "ekonomiskt hållbar tillväxt" in " ".join(p.text for p in passages)


@pytest.mark.parametrize("garbled, repaired", [
    ("KlImaThjälTar", "Klimathjältar"),
    ("VarIfrån Kommer haParanDaS UTSläPP?", "Varifrån kommer Haparandas utsläpp?"),
    ("ProDUKTIonSPerSPeKTIV", "Produktionsperspektiv"),
    ("RUS, ESF och EU-frågor inom SFI", "RUS, ESF och EU-frågor inom SFI"),  # acronyms stay
    ("VästKom och PowerPoint", "VästKom och PowerPoint"),  # CamelCase names stay
    ("Regionen i Haparanda", "Regionen i Haparanda"),
])
def test_small_caps_repair(garbled: str, repaired: str):
    assert repair_small_caps(garbled) == repaired


def test_replacement_characters_become_the_letter_that_makes_a_word():
    assert repair_replacement_characters("S\ufffd\ufffd\ufffd\ufffdnker trycket") == "Sänker trycket"
    assert "\ufffd" not in repair_replacement_characters("x\ufffdq")


# -- lists ---------------------------------------------------------------------------------------
def test_list_items_are_one_per_line_in_a_passage():
    blocks = [Block("Aktiviteter:"), Block("Stödja och sprida", "list"), Block("Organisera konferensen", "list"),
              Block("Efter listan.")]
    assert join_blocks(blocks) == "Aktiviteter:\n\nStödja och sprida\nOrganisera konferensen\n\nEfter listan."


def test_word_bullet_list_is_shown_as_a_list_on_the_document_page(corpus_data: Path):
    from webapp.app import create_app

    with TestClient(create_app(DataDir(corpus_data))) as client:
        documents = client.get("/api/documents").json()
        items = documents if isinstance(documents, list) else documents.get("documents", [])
        westum = next(d for d in items if "westum" in (d.get("file_name") or "").lower()
                      and "verksamhetsplan" in (d.get("file_name") or "").lower())
        page = client.get(f"/d/{westum['id']}").text
    assert "<li>Sammanställning av projektansökningar, genomförande och tillgängliggörande av projektaktiviteter " \
           "inom Westum-nätverket</li>" in page
    assert "<li>Stödja och sprida projektresultat inom Westum-nätverket" in page
    assert "Westum-nätverket Stödja och sprida" not in page  # the items no longer run together
