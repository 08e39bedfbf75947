"""Shared fixtures: one data directory with the sample corpus ingested through the real pipeline,
plus an internal document and a hostile one, and accounts for each role."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus" / "documents"

SECRET_WORD = "hemligtkodord"  # appears only in the internal document
EDITOR = ("redaktor", "ett-langt-losenord-1")
READER = ("lasare", "ett-langt-losenord-2")
ADMIN = ("chefen", "ett-langt-losenord-3")


@pytest.fixture(scope="session")
def corpus_data(tmp_path_factory) -> Path:
    """A data dir holding the sample corpus, one internal plan and one file with markup in every field."""
    from ingest.accounts import Accounts
    from ingest.config import DataDir
    from ingest.pipeline import IngestReport, Ingester

    root = tmp_path_factory.mktemp("kb-data")
    extra = tmp_path_factory.mktemp("extra")
    internal = extra / "intern-budgetplan-2026.md"
    internal.write_text(
        "# Intern budgetplan 2026\n\n## Prioriteringar\n\n"
        f"Styrelsen prioriterar {SECRET_WORD} och vuxenutbildning i Sala. Projektet Hemlig satsning startar 2026.\n",
        encoding="utf-8",
    )
    hostile = extra / "<script>alert(1)<script>.md"  # "/" cannot be in a file name
    hostile.write_text(
        "# <script>alert('titel')</script> Rapport\n\n"
        "Text med <script>alert('kropp')</script> och <img src=x onerror=alert(2)> om bibliotek.\n",
        encoding="utf-8",
    )
    data = DataDir(root)
    ingester = Ingester(data)
    report = ingester.ingest_paths([CORPUS])
    assert report.ok, report.failed
    ingester.ingest_file(internal, IngestReport(), visibility="internal")
    ingester.ingest_file(hostile, IngestReport(), visibility="public")
    ingester.catalogue.close()
    accounts = Accounts(data.catalogue)
    accounts.add_user(*EDITOR, role="editor")
    accounts.add_user(*ADMIN, role="admin")
    accounts.add_user(*READER, role="reader")
    return root


@pytest.fixture
def fresh_data(corpus_data: Path, tmp_path: Path) -> Path:
    """A private copy of the corpus data dir for tests that change it."""
    target = tmp_path / "data"
    shutil.copytree(corpus_data, target)
    return target
