"""Shared fixtures: one data directory with the sample corpus ingested through the real pipeline,
plus an internal document and a hostile one, and accounts for each role."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
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
    from webapp.accounts import Accounts
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


def run_cli(*args: str, data: Path, stdin: str | None = None, env: dict | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """`kunskapsbank ARGS` in a child process over the data dir `data`, as a user would run it."""
    env = {**os.environ, "KUNSKAPSBANK_DATA": str(data), **(env or {})}
    return subprocess.run([sys.executable, "-m", "ingest.cli", *args], capture_output=True, text=True, env=env,
                          input=stdin, timeout=timeout, cwd=REPO)


@contextmanager
def running_server(data: Path, workers: int = 1):
    """`kunskapsbank serve` on a free loopback port over `data`; yields its base URL, stops it afterwards."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = data.parent / f"server-{port}.log"
    env = {**os.environ, "KUNSKAPSBANK_DATA": str(data)}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ingest.cli", "serve", "--port", str(port),
                                 "--workers", str(workers)], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # its own group: worker processes stop with it
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    if json.load(response)["status"] == "ok":
                        break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    pytest.fail("the server did not start: " + log.read_text(errors="replace")[-2000:])
                time.sleep(0.3)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def csrf_of(client) -> str:
    """The CSRF token the sign-in form carries for this client (a TestClient or an httpx.Client)."""
    import re

    return re.search(r'name="csrf" value="([^"]+)"', client.get("/logga-in").text).group(1)


def login(client, username: str, password: str) -> None:
    response = client.post("/logga-in", data={"username": username, "password": password, "csrf": csrf_of(client)},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
