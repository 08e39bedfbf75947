"""Documents the tests make themselves: a scanned page without a text layer, and generated .pptx, .odt
and .rtf files with Swedish headings, paragraphs, lists and tables."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from fpdf import FPDF

SCANNED_LINES = [
    "Kompetensförsörjning i Västmanland",
    "Länets kommuner samarbetar om vuxenutbildning och yrkesutbildning för äldre elever.",
    "Målet är att fler får arbete inom vård, omsorg och industri under året.",
]


def page_image(path: Path, lines: list[str] = SCANNED_LINES, dpi: int = 200) -> Path:
    """Swedish text typeset with fpdf2 and rendered to a grey PNG with pdftoppm: a picture of a page."""
    with tempfile.TemporaryDirectory() as tmp:
        typeset = FPDF()
        typeset.add_page()
        typeset.set_font("Helvetica", "B", 20)
        typeset.cell(0, 14, lines[0], new_x="LMARGIN", new_y="NEXT")
        typeset.set_font("Helvetica", size=12)
        for line in lines[1:]:
            typeset.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
        source = Path(tmp) / "text.pdf"
        typeset.output(str(source))
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-singlefile", str(source),
                        str(path.with_suffix(""))], check=True)
    return path.with_suffix(".png")


def scanned_pdf(path: Path, lines: list[str] = SCANNED_LINES) -> Path:
    """A PDF whose only page is a picture of text: no text layer, as a scanner makes it."""
    image = page_image(path.with_name(path.stem + "-bild.png"), lines)
    scan = FPDF()
    scan.add_page()
    scan.image(str(image), x=0, y=0, w=210, h=297)
    scan.output(str(path))
    image.unlink()
    return path


def make_pptx(path: Path) -> Path:
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    presentation.core_properties.title = "Regional utvecklingsstrategi 2030"
    title_slide = presentation.slides.add_slide(presentation.slide_layouts[0])
    title_slide.shapes.title.text = "Regional utvecklingsstrategi 2030"
    title_slide.placeholders[1].text = "Region Västmanland, dialogmöte med kommunerna"
    bullets = presentation.slides.add_slide(presentation.slide_layouts[1])
    bullets.shapes.title.text = "Kompetensförsörjning"
    frame = bullets.placeholders[1].text_frame
    frame.text = "Fler vuxna ska studera på lärcentrum"
    for item in ("Yrkesutbildning för äldre", "Validering inom vård och omsorg"):
        frame.add_paragraph().text = item
    bullets.notes_slide.notes_text_frame.text = "Talaren nämner Sala och Köping som goda exempel."
    table_slide = presentation.slides.add_slide(presentation.slide_layouts[5])
    table_slide.shapes.title.text = "Uppföljning"
    table = table_slide.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(6), Inches(1)).table
    for (r, c), text in {(0, 0): "Indikator", (0, 1): "Värde", (1, 0): "Andel med gymnasieexamen",
                         (1, 1): "82 %"}.items():
        table.cell(r, c).text = text
    untitled = presentation.slides.add_slide(presentation.slide_layouts[6])
    box = untitled.shapes.add_textbox(Inches(1), Inches(1), Inches(6), Inches(2))
    box.text_frame.text = "Tack för att ni kom till dialogmötet i Västerås."
    presentation.save(path)
    return path


def make_odt(path: Path) -> Path:
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, List, ListItem, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Handlingsplan för kollektivtrafik"))
    document.text.addElement(P(text="Regionen bygger ut busstrafiken mellan Fagersta och Västerås."))
    document.text.addElement(H(outlinelevel=2, text="Åtgärder"))
    items = List()
    for text in ("Fler turer på kvällar", "Nya pendlarparkeringar", "Bättre information i appen"):
        item = ListItem()
        item.addElement(P(text=text))
        items.addElement(item)
    document.text.addElement(items)
    table = Table(name="Tidsplan")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for row_texts in (("Åtgärd", "År"), ("Fler turer", "2026")):
        row = TableRow()
        for text in row_texts:
            cell = TableCell()
            cell.addElement(P(text=text))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)
    document.save(str(path))
    return path


def make_rtf(path: Path) -> Path:
    """RTF as a word processor writes it: a style sheet, code page 1252 escapes, \\u characters, a list
    and a table; the header and a footnote must not be read as text."""
    path.write_bytes(
        rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Calibri;}{\f1 Symbol;}}"
        rb"{\stylesheet{\s0 Normal;}{\s1\outlinelevel0 heading 1;}{\s2\outlinelevel1 heading 2;}"
        rb"{\*\cs10 Default Paragraph Font;}}"
        rb"{\info{\title Plan f\'f6r bredband i V\'e4stmanland}{\author N\'e5gon}}"
        rb"{\header \pard Sidhuvud som inte ska med\par}"
        rb"\pard\s1\outlinelevel0 Bredband till alla\par"
        rb"\pard\s0 Kommunerna bygger ut fiber s\'e5 att hush\u229?ll p\u229? landsbygden f\u229?r snabbt"
        rb" bredband.{\super\chftn{\footnote\pard Fotnot som inte ska med.}}\par"
        rb"\pard\s2\outlinelevel1 Etapper\par"
        rb"{\listtext\f1\'b7\tab}\pard\ls1\ilvl0 F\'f6rsta etappen i Sala\par"
        rb"{\listtext\f1\'b7\tab}\pard\ls1\ilvl0 Andra etappen i Norberg\par"
        rb"\pard\intbl Etapp\cell Klar\cell\row"
        rb"\pard\intbl Sala\cell 2026\cell\row"
        rb"}")
    return path
