"""Title, organisation, year and type from generated PDF and Word files through the real converters:
each rule of ingest/convert/metadata.py on its own (sidecar, embedded title, title block, designations,
generic words, hyphen artefacts, organisation evidence, associations, years, file names)."""
from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.shared import Pt

from ingest.convert import convert_file
from ingest.convert.metadata import resolve

FONTS = Path("/usr/share/fonts/truetype/dejavu")
needs_fonts = pytest.mark.skipif(not (FONTS / "DejaVuSans.ttf").exists(), reason="DejaVu fonts are not installed")


def make_pdf(path: Path, pages: list[list[tuple[str, float]]], title: str | None = None,
             created=None) -> Path:
    """A PDF whose pages hold (text, size) lines; sizes of 14 pt and more are set in bold."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    if title:
        pdf.set_title(title)
    if created:
        pdf.set_creation_date(created)
    for lines in pages:
        pdf.add_page()
        for text, size in lines:
            pdf.set_font("DejaVu", "B" if size >= 14 else "", size)
            pdf.multi_cell(0, size * 0.6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def make_docx(path: Path, lines: list[tuple[str, float]], title: str | None = None, table=None) -> Path:
    document = docx.Document()
    if title is not None:
        document.core_properties.title = title
    if table:
        grid = document.add_table(rows=len(table), cols=2)
        for row, (left, right) in zip(grid.rows, table):
            row.cells[0].text, row.cells[1].text = left, right
    for text, size in lines:
        run = document.add_paragraph().add_run(text)
        run.font.size = Pt(size)
        run.bold = size >= 14
    document.save(str(path))
    return path


def meta(path: Path, extra: dict | None = None) -> dict:
    return resolve(path, convert_file(path), extra)


BODY = ("Planen beskriver hur arbetet ska bedrivas under perioden och vilka insatser som prioriteras. "
        "Kommunen samverkar med föreningar, näringsliv och andra myndigheter i genomförandet.")


@needs_fonts
def test_sidecar_wins_over_everything_the_file_says(tmp_path):
    pdf = make_pdf(tmp_path / "plan.pdf", [[("Mora kommun", 10), ("Grönplan 2022", 26), (BODY, 10)]],
                   title="Grönplan 2022")
    (tmp_path / "plan.pdf.meta.yaml").write_text(
        "title: Min egen titel\norganisation: Region Dalarna\nyear: 2019\ndoc_type: strategi\n", encoding="utf-8")
    assert meta(pdf) == {"title": "Min egen titel", "organisation": "Region Dalarna", "year": 2019,
                         "doc_type": "strategi", "visibility": "public"}
    (tmp_path / "plan.pdf.meta.yaml").write_text("year: 2018\n", encoding="utf-8")  # only one field
    found = meta(pdf)
    assert found["year"] == 2018 and found["title"] == "Grönplan 2022" and found["organisation"] == "Mora kommun"


@needs_fonts
@pytest.mark.parametrize("embedded", ["Microsoft Word - Dokument3.docx", "gronplan_slutlig_v2.pdf",
                                      "Föreskriftens namn", "Verksamhetsplan", "En helt annan rapport om fiske"])
def test_embedded_title_is_rejected_when_it_is_a_file_name_a_default_or_not_in_the_document(tmp_path, embedded):
    pdf = make_pdf(tmp_path / "x.pdf", [[("Grönplan för Mora", 26), ("Parker och natur i tätorten", 16), (BODY, 10)]],
                   title=embedded)
    assert meta(pdf)["title"] == "Grönplan för Mora – Parker och natur i tätorten"


@needs_fonts
def test_meaningful_embedded_title_is_used_and_the_designation_put_in_front(tmp_path):
    pdf = make_pdf(tmp_path / "x.pdf", [[("SKOLFS 2021:7", 10), ("Kursplan i svenska", 24),
                                         ("Skolverkets föreskrifter om kursplan i svenska", 12), (BODY, 10)]],
                   title="Kursplan i svenska")
    found = meta(pdf)
    assert found["title"] == "SKOLFS 2021:7 Kursplan i svenska"
    assert (found["organisation"], found["year"], found["doc_type"]) == ("Skolverket", 2021, "föreskrift")


def test_bill_number_and_rubrik_form_the_title(tmp_path):
    path = make_docx(tmp_path / "prop.docx", [
        ("Regeringens proposition", 19), ("2019/20:88", 19), ("Bättre villkor för fritidshem", 15), ("Prop.", 15),
        ("2019/20:88", 15), ("Regeringen överlämnar denna proposition till riksdagen.", 10),
        ("Stockholm den 12 mars 2020", 10), ("(Utbildningsdepartementet)", 10)], title="Regeringens proposition")
    found = meta(path)
    assert found["title"] == "Prop. 2019/20:88 Bättre villkor för fritidshem"
    assert (found["organisation"], found["year"], found["doc_type"]) == ("Regeringen", 2020, "proposition")


@needs_fonts
def test_directive_number_and_subject_never_the_type_word_alone(tmp_path):
    pdf = make_pdf(tmp_path / "dir.pdf", [[("Kommittédirektiv", 20), ("Tryggare vattenförsörjning", 15),
                                           ("Dir. 2021:12", 11), ("Beslut vid regeringssammanträde den 4 mars 2021", 11),
                                           (BODY, 11)]])
    found = meta(pdf)
    assert found["title"] == "Dir. 2021:12 Tryggare vattenförsörjning"
    assert (found["year"], found["doc_type"], found["organisation"]) == (2021, "direktiv", "Regeringen")


def test_ruling_designation_with_a_short_rubrik_from_a_layout_table(tmp_path):
    path = make_docx(tmp_path / "ReferatLagrummet.docx", [("REFERAT", 8), (BODY, 9)], title="ReferatLagrummet",
                     table=[("Arbetsdomstolen", "AD 2015 nr 7"), ("Avgörandedatum:", "2015-02-04"),
                            ("Rubrik:", "Fråga om uppsägning på grund av sjukdom."), ("Lagrum:", "7 § LAS")])
    found = meta(path)
    assert found["title"] == "AD 2015 nr 7 Fråga om uppsägning på grund av sjukdom"
    assert (found["organisation"], found["year"], found["doc_type"]) == ("Arbetsdomstolen", 2015, "dom")


@needs_fonts
def test_a_table_of_contents_is_never_the_title_the_file_name_is_then_used_with_its_diacritics(tmp_path):
    toc = [("Innehållsförteckning", 18), ("Inledning ........................ 3", 10),
           ("Ansökan om hjälp ........................ 4", 10)]
    pdf = make_pdf(tmp_path / "riktlinjer_for_hemtjanst_i_ostra_gordby_2021.pdf",
                   [toc, [("Inledning", 16), (BODY, 10)]])
    found = meta(pdf)
    assert found["title"] == "Riktlinjer för hemtjänst i östra gordby 2021"
    assert (found["year"], found["doc_type"]) == (2021, "riktlinjer")


@needs_fonts
def test_the_file_name_takes_the_documents_own_spelling_of_words_the_word_list_would_keep(tmp_path):
    """'mal' (moth) and 'rad' (row) are words of their own: only the document says that the file name meant
    'mål' and 'råd'; a name the document capitalises inside its sentences keeps its capital."""
    toc = [("Innehållsförteckning", 18), ("Inledning ........................ 3", 10),
           ("Uppföljning ........................ 4", 10)]
    body = ("Kommunens mål för äldre är tydliga. Varje råd bygger på ett mål som nämnden har antagit för "
            "äldre i Östra Gördby, och varje råd följs upp en gång om året.")
    pdf = make_pdf(tmp_path / "mal_och_rad_for_aldre_i_ostra_gordby_2024.pdf", [toc, [("Inledning", 16), (body, 10)]])
    assert meta(pdf)["title"] == "Mål och råd för äldre i Östra Gördby 2024"


def test_the_documents_spelling_wins_only_where_it_is_the_more_common_one():
    from ingest.convert.wording import text_spellings, title_from_file_name

    spellings = text_spellings("Vår plan. Var finns stödet? Var och en vet var det finns. Våld i nära relationer "
                               "möts i Gördby och i Östra Gördby. Nära vård.")
    assert spellings["nara"] == "nära" and spellings["vald"] == "våld"  # capitalised only at sentence starts
    assert spellings["gordby"] == "Gördby"  # capitalised inside a sentence, never in lower case: a name
    assert "var" not in spellings  # "var" three times, "vår" once: the text does not say which was meant
    assert title_from_file_name("plan_mot_vald_i_nara_relationer", None, spellings) == \
        "Plan mot våld i nära relationer"
    assert title_from_file_name("plan_mot_vald_i_nara_relationer") == "Plan mot våld i nara relationer"


@needs_fonts
def test_a_meeting_record_is_named_by_its_label_and_the_body_that_met_not_by_its_first_item(tmp_path):
    pdf = make_pdf(tmp_path / "sn.pdf", [[("MORA KOMMUN", 10), ("PROTOKOLL", 24), ("Socialnämnden", 18),
                                          ("Sammanträdesdatum 2025-01-20", 10), ("Justerare: Eva Lind", 10),
                                          ("§ 12 Godkännande av dagordningen", 14), (BODY, 10)]])
    found = meta(pdf)
    assert found["title"] == "Protokoll – Socialnämnden"
    assert (found["year"], found["doc_type"]) == (2025, "protokoll")

    notes = make_docx(tmp_path / "anteckningar.docx", [
        ("Minnesanteckningar", 20), ("Nätverksträff vuxenutbildning", 16), ("Datum: 2024-10-03", 10),
        ("Deltagare: rektorer från sju kommuner", 10), ("1. Inledning", 12), (BODY, 10)])
    assert meta(notes)["title"] == "Minnesanteckningar – Nätverksträff vuxenutbildning"


@needs_fonts
def test_a_label_that_says_what_the_record_is_is_not_repeated_or_added_to_other_types(tmp_path):
    pdf = make_pdf(tmp_path / "arsmote.pdf", [[("Protokoll fört vid årsmöte", 24), ("Byalaget Hällevik", 16),
                                               ("Datum: 2023-03-19", 10), (BODY, 10)]])
    assert meta(pdf)["title"].startswith("Protokoll fört vid årsmöte")  # the label is in the title already
    directive = make_pdf(tmp_path / "dir.pdf", [[("Kommittédirektiv", 18), ("Ett starkare skydd för barn", 24),
                                                 ("Beslut vid regeringssammanträde den 3 mars 2022", 10),
                                                 (BODY, 10)]])
    assert not meta(directive)["title"].lower().startswith("kommittédirektiv")


@needs_fonts
def test_a_publisher_and_month_under_the_title_are_not_its_subtitle(tmp_path):
    pdf = make_pdf(tmp_path / "v.pdf", [[("Vägledning om buller vid förskolor", 26), ("Region Halland juni 2021", 14),
                                         (BODY, 10)]])
    found = meta(pdf)
    assert found["title"] == "Vägledning om buller vid förskolor"
    assert (found["organisation"], found["year"]) == ("Region Halland", 2021)
    subtitle = make_pdf(tmp_path / "s.pdf", [[("Vägledning om buller", 26), ("vid förskolor och skolor", 14),
                                              (BODY, 10)]])
    assert meta(subtitle)["title"] == "Vägledning om buller vid förskolor och skolor"  # a real subtitle stays


@needs_fonts
def test_a_year_range_wrapped_under_the_title_stays_in_it(tmp_path):
    pdf = make_pdf(tmp_path / "p.pdf", [[("Folkhälsoplan för Västerviks kommun 2024–2027", 22), (BODY, 10)]])
    assert meta(pdf)["title"] == "Folkhälsoplan för Västerviks kommun 2024–2027"  # 22 pt: "2024–2027" wraps alone


@needs_fonts
def test_a_bill_named_in_parentheses_is_what_the_document_answers_not_its_number(tmp_path):
    reply = make_docx(tmp_path / "yttrande.docx", [("Region Gävleborg", 10),
                      ("Yttrande över betänkandet Framtidens vuxenutbildning (SOU 2025:18)", 20),
                      ("Datum: 2025-09-30", 10), (BODY, 10)])
    found = meta(reply)
    assert found["title"] == "Yttrande över betänkandet Framtidens vuxenutbildning (SOU 2025:18)"
    assert found["doc_type"] == "remissvar"


@needs_fonts
def test_a_generic_title_is_completed_with_the_next_line_of_the_title_block(tmp_path):
    pdf = make_pdf(tmp_path / "vp.pdf", [[("2027", 40), ("Verksamhetsplan", 30), ("Föreningen Gröna Gårdar", 18)],
                                         [("Inledning", 14), (BODY, 10)]])
    found = meta(pdf)
    assert found["title"] == "Verksamhetsplan 2027 – Föreningen Gröna Gårdar"
    assert (found["organisation"], found["year"], found["doc_type"]) == ("Föreningen Gröna Gårdar", 2027,
                                                                          "verksamhetsplan")


@needs_fonts
def test_hyphen_artefacts_are_joined_but_real_hyphens_kept(tmp_path):
    pdf = make_pdf(tmp_path / "x.pdf", [[("UTSLÄPPSBERÄKNING AV RIKSDAGS-", 30), ("PARTIERNAS BUDGETAR", 30),
                                         ("Publicerad 3 maj 2021", 12)]])
    assert meta(pdf)["title"] == "Utsläppsberäkning av riksdagspartiernas budgetar"
    pdf = make_pdf(tmp_path / "y.pdf", [[("Riktlinjer för bygglovs-", 26), ("och anmälningsärenden", 26), (BODY, 10)]])
    assert meta(pdf)["title"] == "Riktlinjer för bygglovs- och anmälningsärenden"


@needs_fonts
def test_organisation_from_the_letterhead_beats_organisations_the_text_mentions_more(tmp_path):
    body = " ".join(["Region Dalarna ansvarar för kollektivtrafiken och Region Dalarna planerar linjerna."] * 6)
    pdf = make_pdf(tmp_path / "x.pdf", [[("MORA KOMMUN", 10), ("Trafikstrategi 2030", 26), (body, 10)]])
    assert meta(pdf)["organisation"] == "Mora kommun"


@needs_fonts
def test_partners_named_after_i_samverkan_med_are_not_the_author(tmp_path):
    pdf = make_pdf(tmp_path / "x.pdf", [[("Läsfrämjande i skolan", 26),
                                         ("Rapport från Ale kommun i samverkan med Skolverket och Kulturrådet. "
                                          "Skolverket har bidragit med statistik och Skolverket har granskat texten.",
                                          10)]])
    assert meta(pdf)["organisation"] == "Ale kommun"


def test_an_association_that_names_itself_is_the_author(tmp_path):
    path = make_docx(tmp_path / "stadgar.docx", [
        ("STADGAR FÖR SKÅNSKA KANOTVÄNNER", 14), ("Ändamål", 12),
        ("Skånska kanotvänner är en ideell förening med säte i Lund.", 12), (BODY, 12)])
    found = meta(path)
    assert found["title"] == "Stadgar för skånska kanotvänner"
    assert (found["organisation"], found["doc_type"]) == ("Skånska kanotvänner", "stadgar")
    brf = make_docx(tmp_path / "ar.docx", [("Årsredovisning 2023", 26), ("Bostadsrättsföreningen Lärkan 3", 18),
                                          ("Styrelsen avger härmed årsredovisning för räkenskapsåret 2023.", 11)])
    assert meta(brf)["organisation"] == "Bostadsrättsföreningen Lärkan 3"


@needs_fonts
@pytest.mark.parametrize("lines, created, year", [
    ([("Verksamhetsplan 2027", 26), (BODY, 10)], "2026-11-02", 2027),  # period word: the year it covers
    ([("Klimatplan 2020–2030", 26), ("Antagen av kommunfullmäktige 2019-05-20", 10), (BODY, 10)], None, 2019),
    ([("Klimatplan 2020–2030", 26), (BODY, 10)], None, 2020),  # only a period: its first year
    ([("Läsfrämjande i skolan", 26), (BODY, 10)], "2018-03-01", 2018),  # nothing in the text: the file's date
])
def test_year_from_the_document(tmp_path, lines, created, year):
    from datetime import datetime, timezone

    when = datetime.fromisoformat(created).replace(tzinfo=timezone.utc) if created else None
    pdf = make_pdf(tmp_path / "x.pdf", [lines], created=when)
    assert meta(pdf)["year"] == year


def test_no_year_at_all_is_none_never_the_ingest_date(tmp_path):
    path = tmp_path / "anteckning.md"
    path.write_text("# Anteckningar om parkerna\n\nVi gick runt i parkerna och noterade skador.\n", encoding="utf-8")
    assert meta(path)["year"] is None


def test_file_name_words_get_their_diacritics_back():
    from ingest.convert.wording import title_from_file_name

    assert title_from_file_name("olofstrom_handlingsplan_klimat-och-energi_2023") == \
        "Olofström handlingsplan klimat och energi 2023"
    assert title_from_file_name("region-halland_terapirekommendationer_2017", {"region halland"}) == \
        "Terapirekommendationer 2017"
    assert title_from_file_name("Forslag till andringar i stadgarna") == "Förslag till ändringar i stadgarna"


def test_document_types_are_one_vocabulary_shared_with_the_web_app():
    from ingest.convert.doc_types import doc_type_keys, doc_type_names
    from webapp.templating import DOC_TYPE_NAMES

    assert DOC_TYPE_NAMES == doc_type_names()
    assert {"verksamhetsplan", "strategi", "handlingsplan", "projektrapport", "årsredovisning", "proposition",
            "direktiv", "dom", "föreskrift", "protokoll", "rapport", "övrigt"} <= doc_type_keys()
    assert all(DOC_TYPE_NAMES[key] for key in doc_type_keys())


def test_a_bill_cited_in_running_text_or_a_table_is_not_the_documents_number(tmp_path):
    path = make_docx(tmp_path / "plan.docx", [
        ("Handlingsplan för vuxenutbildningen", 20),
        ("Enligt regeringens proposition 2016/17:180 En modern och rättssäker förvaltning ska kommunen "
         "erbjuda vuxenutbildning som möter individens behov och arbetsmarknadens efterfrågan.", 10),
        (BODY, 10)])
    markdown = tmp_path / "oversikt.md"
    markdown.write_text("# Översikt över styrdokumenten\n\n| Nr | Dokument |\n|---|---|\n"
                        "| 1 | Dir. 2016:15 Dataskyddsförordningen, med kommentarer om vad den betyder för kommunen |\n",
                        encoding="utf-8")
    assert meta(path)["title"] == "Handlingsplan för vuxenutbildningen"
    assert meta(markdown)["title"] == "Översikt över styrdokumenten"
