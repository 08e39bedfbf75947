"""A folder walk through the real `kunskapsbank ingest`: files that are not documents are listed as skipped
with a reason, are not failures and leave the exit code alone; a file named on the command line still
fails when it cannot be read; a huge text file is refused in the converter child, not in the parent."""
from __future__ import annotations

import json
import shutil
import tracemalloc
import zipfile
from pathlib import Path

from ingest.config import DataDir
from ingest.pipeline import IngestReport, Ingester
from tests.made_files import page_image
from tests.test_hostile_files import GOOD_PDF, run_cli


def make_folder(root: Path) -> Path:
    folder = root / "projektmapp"
    (folder / "kod").mkdir(parents=True)
    (folder / "plan.md").write_text("# Plan för cykelvägar\n\nKommunen bygger cykelvägar i Sala.\n", encoding="utf-8")
    shutil.copyfile(GOOD_PDF, folder / "rapport.pdf")
    shutil.copyfile(GOOD_PDF, folder / "export.bin")  # a PDF under an odd name is still a document
    page_image(folder / "skannad-sida.png")  # images are documents now: read with OCR
    (folder / "kod" / "berakna.py").write_text("print('hej')\n", encoding="utf-8")
    (folder / "installningar.yaml").write_text("namn: test\n", encoding="utf-8")
    (folder / "data.json").write_text('{"a": 1}\n', encoding="utf-8")
    (folder / "siffror.csv").write_text("kommun,antal\nSala,3\n", encoding="utf-8")
    with zipfile.ZipFile(folder / "budget.xlsx", "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with zipfile.ZipFile(folder / "bilagor.zip", "w") as archive:
        archive.writestr("a.txt", "hej")
    (folder / "LICENSE").write_text("Fri att använda.\n", encoding="utf-8")
    (folder / "plan.md.meta.yaml").write_text("title: Cykelplan\n", encoding="utf-8")  # metadata, not listed
    return folder


def test_walked_folder_lists_non_documents_as_skipped_without_failing(tmp_path: Path):
    folder = make_folder(tmp_path)
    result = run_cli("ingest", str(folder), "--json", data=tmp_path / "data")
    report = json.loads(result.stdout)
    assert result.returncode == 0, report  # skipped files are no failures
    assert report["failed"] == []
    assert {Path(p).name for p in report["ingested"]} == {"plan.md", "rapport.pdf", "export.bin", "skannad-sida.png"}
    skipped = {Path(item["path"]).name: item["reason"] for item in report["skipped"]}
    assert set(skipped) == {"berakna.py", "installningar.yaml", "data.json", "siffror.csv", "budget.xlsx",
                            "bilagor.zip", "LICENSE"}
    assert "källkod" in skipped["berakna.py"] and "kalkylark" in skipped["budget.xlsx"]
    assert "arkiv" in skipped["bilagor.zip"] and "data" in skipped["siffror.csv"]
    assert set(report) >= {"ingested", "unchanged", "failed", "passages", "warnings", "skipped"}
    text = run_cli("ingest", str(folder), data=tmp_path / "data")
    assert text.returncode == 0 and "Hoppade över 7 filer som inte är dokument" in text.stdout


def test_a_file_named_explicitly_still_fails_when_it_cannot_be_read(tmp_path: Path):
    folder = make_folder(tmp_path)
    result = run_cli("ingest", str(folder / "budget.xlsx"), "--json", data=tmp_path / "data")
    report = json.loads(result.stdout)
    assert result.returncode == 1 and report["skipped"] == []
    assert [Path(f["path"]).name for f in report["failed"]] == ["budget.xlsx"]
    assert "Zip-arkiv stöds inte" in report["failed"][0]["reason"]


def test_huge_text_file_is_refused_in_the_child_without_a_large_peak_here(tmp_path: Path):
    huge = tmp_path / "logg.txt"
    line = "Regionen följer upp kompetensförsörjningen i länet varje år.\n" * 1000
    with huge.open("w", encoding="utf-8") as handle:
        while handle.tell() < 49 * 1024 * 1024:
            handle.write(line)
    ingester = Ingester(DataDir(tmp_path / "data"))
    report = IngestReport()
    tracemalloc.start()
    ingester.ingest_file(huge, report)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [f["reason"] for f in report.failed][0].startswith("Filen innehåller")
    assert "miljoner tecken" in report.failed[0]["reason"]
    assert peak < 20 * 1024 * 1024, f"the parent allocated {peak / 1024 / 1024:.0f} MB"
