"""Metadata on real documents: third-party files from ../shared/corpus-real through the real pipeline
(Ingester into a temporary data directory, SQLite catalogue read back), the gazetteer of Swedish
public bodies it relies on, and the sample corpus whose sidecars must keep deciding."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from ingest.config import CORPUS_DIR, REAL_CORPUS_DIR, DataDir

REAL = Path(REAL_CORPUS_DIR)
needs_real = pytest.mark.skipif(not REAL.exists(), reason="../shared/corpus-real is not beside the repo")

# What the first pages of these files say (see ../shared/corpus-real/SOURCES.md): title, author, year, type.
EXPECTED = {
    "olofstrom_handlingsplan_klimat-och-energi_2023.pdf":  # PDF /Title is the template's "Föreskriftens namn"
        ("Handlingsplan för klimat och energi", "Olofströms kommun", 2023, "handlingsplan"),
    "regeringen_dir-2016-15_dataskyddsforordningen.pdf":  # meaningful /Title
        ("Dir. 2016:15 Dataskyddsförordningen", "Regeringen", 2016, "direktiv"),
    "regeringen_prop-2012-13-144_sjofartsstodets-inriktning.docx":  # core title "Regeringens proposition"
        ("Prop. 2012/13:144 Sjöfartsstödets inriktning", "Regeringen", 2013, "proposition"),
    "arbetsdomstolen_ad-2013-nr-63_layout-table.docx":  # core title "ReferatLagrummet"
        ("AD 2013 nr 63", "Arbetsdomstolen", 2013, "dom"),
    "brf-kastanjen-4_arsredovisning_2024.pdf":  # "2024" / "Årsredovisning" / "Brf Kastanjen 4"
        ("Årsredovisning 2024 – Brf Kastanjen 4", "Brf Kastanjen 4", 2024, "årsredovisning"),
    "region-halland_terapirekommendationer_2017.pdf":  # page 1 is the table of contents: the file name
        ("Terapirekommendationer 2017", "Region Halland", 2017, "riktlinjer"),
    "klimatkollen_utslappsberakningar-riksdagspartier_2022.pdf":  # capitals, "RIKSDAGS-" / "PARTIERNAS"
        ("Utsläppsberäkning av riksdagspartiernas politik för kommande mandatperiod, åren 2023–2026",
         "Klimatkollen", 2022, "rapport"),
    "arbetsformedlingen_ssyk-och-esco_2018.pdf":  # a sidebar comes before the title in reading order
        ("SSYK och ESCO – Yrken och kompetensord i Sverige och inom EU", "Arbetsförmedlingen", 2018, None),
}


@pytest.fixture(scope="module")
def real_catalogue(tmp_path_factory):
    if not REAL.exists():
        pytest.skip("../shared/corpus-real is not beside the repo")
    from ingest.pipeline import Ingester

    inbox = tmp_path_factory.mktemp("inkorg")
    for name in EXPECTED:
        shutil.copyfile(REAL / name, inbox / name)
    ingester = Ingester(DataDir(tmp_path_factory.mktemp("data")))
    report = ingester.ingest_paths([inbox])
    assert report.ok and len(report.ingested) == len(EXPECTED), report.failed
    documents = {doc.file_name: doc for doc in ingester.catalogue.documents()}
    ingester.catalogue.close()
    return documents


@needs_real
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_file_gets_title_organisation_year_and_type_from_itself(real_catalogue, name):
    title, organisation, year, doc_type = EXPECTED[name]
    doc = real_catalogue[name]
    assert (doc.title, doc.organisation, doc.year) == (title, organisation, year)
    if doc_type:
        assert doc.doc_type == doc_type


@needs_real
def test_no_real_title_is_a_generic_word_a_lagrummet_template_or_a_lost_diacritic():
    from ingest.convert import convert_file
    from ingest.convert.metadata import resolve
    from ingest.model import ConversionError

    titles = {}
    for path in sorted(REAL.iterdir()):
        if path.suffix in (".pdf", ".docx", ".md"):
            try:
                titles[path.name] = resolve(path, convert_file(path))["title"]
            except ConversionError:
                continue  # scanned, no text layer
    assert len(titles) >= 20
    for name, title in titles.items():
        assert title not in ("Innehållsförteckning", "Regeringens proposition", "Kommittédirektiv", "Verksamhetsplan",
                             "Årsredovisning", "ReferatLagrummet", "SSYK"), name
        assert "- " not in title.replace("– ", "").replace("- och", "").replace("- o ", ""), (name, title)
        assert "_" not in title and not title.isupper(), (name, title)


def test_gazetteer_holds_all_290_kommuner_and_21_regions_with_their_usual_names():
    places = yaml.safe_load((CORPUS_DIR / "gazetteers" / "places.yaml").read_text(encoding="utf-8"))
    bodies = yaml.safe_load((CORPUS_DIR / "gazetteers" / "public_bodies.yaml").read_text(encoding="utf-8"))
    kommuner = {m["name"]: m["official_name"] for m in places["municipalities"]}
    assert len(kommuner) == 290 == len(places["municipalities"])
    assert {c["region"] for c in places["counties"]} == {r["name"] for r in bodies["regions"]}
    assert len(bodies["regions"]) == 21 and len(bodies["county_boards"]) == 21
    for place, official in [("Simrishamn", "Simrishamns kommun"), ("Vaxholm", "Vaxholms stad"),
                            ("Kungsbacka", "Kungsbacka kommun"), ("Mönsterås", "Mönsterås kommun"),
                            ("Västerås", "Västerås stad"), ("Haparanda", "Haparanda stad"),
                            ("Stockholm", "Stockholms stad"), ("Helsingborg", "Helsingborgs stad"),
                            ("Örebro", "Örebro kommun"), ("Falun", "Falu kommun"), ("Gotland", "Region Gotland"),
                            ("Upplands Väsby", "Upplands Väsby kommun"), ("Malung-Sälen", "Malung-Sälens kommun")]:
        assert kommuner[place] == official


def test_every_kommun_region_and_agency_is_found_as_written_and_in_the_genitive():
    from ingest.convert.organisation import organisation_index
    from ingest.enrich.gazetteers import load_gazetteer

    index = organisation_index()
    names = {e.name for e in load_gazetteer().names.values() if e.type == "organisation"}
    for name in sorted(names):
        if len(name) < 3 or not name[:1].isupper():
            continue
        found = index.find(f"Rapporten är skriven av {name} i år.")
        assert [m.entry.name for m in found] == [name], name
    assert [m.entry.name for m in index.find("Olofströms kommuns strategi och Arbetsmiljöverkets föreskrifter")] == \
        ["Olofströms kommun", "Arbetsmiljöverket"]
    assert [m.entry.name for m in index.find("LUDVIKA KOMMUN")] == ["Ludvika kommun"]
    assert index.find("Se sida 4 och Sida 2.") == []  # the agency Sida only where the word cannot be a page


def test_sample_documents_keep_their_sidecar_metadata_so_passage_ids_do_not_move():
    """Titles do not feed passage ids (splitter.passage_id hashes document id, heading path and text;
    the title is only section 0's heading), and the samples' sidecars still decide every field."""
    from ingest.convert import convert_file
    from ingest.convert.metadata import read_sidecar, resolve
    from ingest.convert.splitter import split

    documents = sorted(p for p in (CORPUS_DIR / "documents").iterdir() if not p.name.endswith(".yaml"))
    assert documents
    for path in documents:
        converted = convert_file(path)
        side = read_sidecar(path)
        found = resolve(path, converted)
        assert (found["title"], found["organisation"], found["year"], found["doc_type"]) == (
            side["title"], side["organisation"], side["year"], side["doc_type"]), path.name
        ids = [p.id for p in split("d1", converted.blocks, found["title"])[1]]
        assert ids == [p.id for p in split("d1", converted.blocks, "En annan titel")[1]]
