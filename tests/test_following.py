"""Running servers follow the catalogue: whatever another process writes (or dies halfway through
writing), within seconds and without a restart every server answers anonymous requests exactly as the
catalogue says. Real servers (`kunskapsbank serve`, two workers), real CLI processes, real kill -9."""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ingest.store.catalogue import Catalogue
from tests.conftest import EDITOR, REPO, run_cli, running_server

FOLLOW_SECONDS = 10  # the bound: "within 10 s and without a restart"


def anonymous_search(base: str, query: str, **params) -> dict:
    url = f"{base}/api/search?" + urllib.parse.urlencode({"q": query, "limit": 50, **params})
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def documents_found(base: str, query: str) -> set[str]:
    """Asked several times: requests land on either worker, and both must agree with the catalogue."""
    found: set[str] = set()
    for _ in range(6):
        found |= {hit["document_id"] for hit in anonymous_search(base, query)["hits"]}
    return found


def eventually(predicate, seconds: float = FOLLOW_SECONDS) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return predicate()


def unique_word(n: int) -> str:
    return f"följordet{n}x"


def write_doc(folder: Path, n: int, extra: str = "") -> Path:
    path = folder / f"rapport-{n}.md"
    path.write_text(f"# Rapport {n}\n\nDet här är rapport {n} om {unique_word(n)} och vuxenutbildning. {extra}\n",
                    encoding="utf-8")
    return path


def test_a_write_the_index_never_got_is_followed_within_seconds(fresh_data: Path, tmp_path: Path):
    """As if a CLI ingest was killed between its catalogue write and its index write."""
    folder = tmp_path / "inkorg"
    folder.mkdir()
    path = write_doc(folder, 1)
    assert run_cli("ingest", str(path), "--visibility", "public", data=fresh_data).returncode == 0
    catalogue = Catalogue(fresh_data / "catalogue.sqlite3")
    doc = catalogue.document_by_source(str(path.resolve()))
    with running_server(fresh_data, workers=2) as base:
        assert documents_found(base, unique_word(1)) == {doc.id}
        catalogue.set_visibility(doc.id, "internal")  # the catalogue changes; nobody touches the index
        assert eventually(lambda: documents_found(base, unique_word(1)) == set()), "internal document still shown"
        catalogue.set_visibility(doc.id, "public")
        assert eventually(lambda: documents_found(base, unique_word(1)) == {doc.id})


@pytest.mark.slow
def test_kill_during_an_internal_ingest_with_servers_running(fresh_data: Path, tmp_path: Path):
    seed = int(os.environ.get("KB_CRASH_SEED", "20261202"))
    rng = random.Random(seed)
    print(f"crash seed {seed} (KB_CRASH_SEED overrides)")
    folder = tmp_path / "inkorg"
    folder.mkdir()
    paths = [write_doc(folder, n) for n in range(12)]
    assert run_cli("ingest", str(folder), "--visibility", "public", data=fresh_data).returncode == 0
    for n, path in enumerate(paths):  # new versions, to be ingested as internal
        write_doc(folder, n, extra=f"Ny version {rng.random()}.")
    with running_server(fresh_data, workers=2) as base:
        log = (tmp_path / "ingest.log").open("wb")
        proc = subprocess.Popen([sys.executable, "-m", "ingest.cli", "ingest", str(folder), "--visibility", "internal"],
                                cwd=REPO, env={**os.environ, "KUNSKAPSBANK_DATA": str(fresh_data)},
                                stdout=log, stderr=log, start_new_session=True)
        time.sleep(rng.uniform(1.0, 6.0))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        catalogue = Catalogue(fresh_data / "catalogue.sqlite3")

        def agrees() -> bool:
            for n, path in enumerate(paths):
                doc = catalogue.document_by_source(str(path.resolve()))
                shown = documents_found(base, unique_word(n)) == {doc.id}
                if shown != (doc.visibility == "public"):
                    return False
            return True

        assert eventually(agrees), f"servers disagree with the catalogue 10 s after kill -9 (seed {seed})"
    assert run_cli("check", data=fresh_data).returncode == 0


@pytest.mark.slow
def test_an_upload_during_a_reindex_is_searchable_when_it_says_so(fresh_data: Path, tmp_path: Path):
    from webapp.accounts import Accounts

    token = Accounts(fresh_data / "catalogue.sqlite3").create_token(EDITOR[0])
    upload = tmp_path / "mitt-i-omindexeringen.md"
    upload.write_text("# Mitt i\n\nOrdet omindexeringsprovet finns bara här.\n", encoding="utf-8")
    with running_server(fresh_data) as base:
        reindex = subprocess.Popen([sys.executable, "-m", "ingest.cli", "reindex"], cwd=REPO,
                                   env={**os.environ, "KUNSKAPSBANK_DATA": str(fresh_data)},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        result = subprocess.run(["curl", "-s", "-H", f"Authorization: Bearer {token}", "-F",
                                 f"file=@{upload}", "-F", "visibility=public", f"{base}/api/documents"],
                                capture_output=True, text=True, timeout=60)
        job = json.loads(result.stdout)
        status = {}
        for _ in range(240):
            req = urllib.request.Request(f"{base}/api/uploads/{job['id']}", headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(req, timeout=10) as response:
                status = json.load(response)
            if status["status"] in ("done", "failed"):
                break
            time.sleep(0.25)
        assert status["status"] == "done", status
        if "sökbart." in status["message"]:
            assert documents_found(base, "omindexeringsprovet") == {status["document_id"]}
        reindex.wait(300)
        assert eventually(lambda: documents_found(base, "omindexeringsprovet") == {status["document_id"]})
    assert run_cli("check", data=fresh_data).returncode == 0


def test_same_named_uploads_are_two_documents_and_a_replacement_keeps_the_first(fresh_data: Path, tmp_path: Path):
    from webapp.accounts import Accounts

    token = Accounts(fresh_data / "catalogue.sqlite3").create_token(EDITOR[0])
    auth = ["-H", f"Authorization: Bearer {token}"]
    first, second = tmp_path / "a", tmp_path / "b"
    for folder, word, vis in ((first, "förstaprotokollet", "internal"), (second, "andraprotokollet", "public")):
        folder.mkdir()
        (folder / "protokoll.md").write_text(f"# Protokoll\n\n{word} från styrelsen.\n", encoding="utf-8")

    def send(path: Path, *extra: str, url: str = "/api/documents", method: str = "POST") -> dict:
        out = subprocess.run(["curl", "-s", "-X", method, *auth, "-F", f"file=@{path}", *extra, url],
                             capture_output=True, text=True, timeout=60).stdout
        job = json.loads(out)
        for _ in range(120):
            req = urllib.request.Request(url.split("/api/")[0] + f"/api/uploads/{job['id']}",
                                         headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(req, timeout=10) as response:
                job = json.load(response)
            if job["status"] in ("done", "failed"):
                return job
            time.sleep(0.25)
        raise AssertionError(job)

    with running_server(fresh_data) as base:
        a = send(first / "protokoll.md", "-F", "visibility=internal", url=f"{base}/api/documents")
        b = send(second / "protokoll.md", "-F", "visibility=public", url=f"{base}/api/documents")
        assert a["status"] == b["status"] == "done" and a["document_id"] != b["document_id"]
        catalogue = Catalogue(fresh_data / "catalogue.sqlite3")
        assert catalogue.document(a["document_id"]).visibility == "internal"
        assert documents_found(base, "förstaprotokollet") == set()  # still there, still internal
        assert documents_found(base, "andraprotokollet") == {b["document_id"]}

        replacement = tmp_path / "protokoll-v2.md"
        replacement.write_text("# Protokoll\n\nReviderat förstaprotokollet.\n", encoding="utf-8")
        c = send(replacement, url=f"{base}/api/documents/{a['document_id']}", method="PUT")
        assert c["status"] == "done" and c["document_id"] == a["document_id"]
        doc = catalogue.document(a["document_id"])
        assert doc.visibility == "internal"  # kept: nobody said otherwise
        assert [v.file_name for v in catalogue.versions(doc.id)] == ["protokoll.md", "protokoll-v2.md"]
    shutil.rmtree(tmp_path / "a")
