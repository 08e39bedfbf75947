"""Starting several server workers at once on a fresh data directory: they must agree on one session key,
so that someone signed in stays signed in whichever worker answers."""
from __future__ import annotations

import json
import multiprocessing
import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import EDITOR, REPO, login, running_server
from webapp.state import _secret_key  # imported before the forks, so that each starts at once

WORKERS = 4


def _read_key(path: str, barrier, results) -> None:
    barrier.wait()  # all processes ask at the same moment
    results.put(_secret_key(Path(path)))


def race_for_key(path: Path) -> list[str]:
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(WORKERS), context.Queue()
    processes = [context.Process(target=_read_key, args=(str(path), barrier, results)) for _ in range(WORKERS)]
    for p in processes:
        p.start()
    keys = [results.get(timeout=30) for _ in processes]
    for p in processes:
        p.join(timeout=30)
        assert p.exitcode == 0
    return keys


def test_four_workers_on_a_fresh_data_dir_share_one_key_100_times(tmp_path: Path):
    for trial in range(100):
        folder = tmp_path / f"trial-{trial}"
        folder.mkdir()
        keys = race_for_key(folder / "secret.key")
        on_disk = (folder / "secret.key").read_text().strip()
        assert len(on_disk) >= 64 and set(keys) == {on_disk}, f"trial {trial}: {keys}"
        assert stat.S_IMODE((folder / "secret.key").stat().st_mode) == 0o600
        assert sorted(p.name for p in folder.iterdir()) == ["secret.key"]  # no temporary file left behind


def test_an_empty_key_file_left_by_an_older_version_is_replaced_once(tmp_path: Path, monkeypatch):
    from webapp import state

    monkeypatch.setattr(state, "KEY_WAIT_SECONDS", 0.2)
    key_file = tmp_path / "secret.key"
    key_file.touch(mode=0o600)  # what a crash between touch() and write_text() used to leave
    keys = race_for_key(key_file)
    assert len(set(keys)) == 1 and len(keys[0]) >= 64 and key_file.read_text().strip() == keys[0]


@pytest.mark.slow
def test_signed_in_user_stays_signed_in_across_four_fresh_workers(tmp_path: Path):
    from webapp.accounts import Accounts
    from ingest.config import DataDir

    data = DataDir(tmp_path / "data").ensure()
    Accounts(data.catalogue).add_user(*EDITOR, role="editor")
    assert not (data.root / "secret.key").exists()
    with running_server(data.root, workers=WORKERS) as base:
        # no keep-alive: every request is a new connection, which any of the workers may accept
        with httpx.Client(base_url=base, limits=httpx.Limits(max_keepalive_connections=0), timeout=20) as browser:
            login(browser, *EDITOR)
            answers = [browser.get("/ladda-upp", follow_redirects=False).status_code for _ in range(50)]
    assert answers == [200] * 50  # anonymous would be sent to /logga-in (303)
    assert len((data.root / "secret.key").read_text().strip()) >= 64
    assert os.path.getsize(data.root / "secret.key") > 0


def test_a_server_process_keeps_its_start_up_objects_out_of_full_collections(tmp_path: Path):
    """`kunskapsbank serve` builds each process's app with webapp.server_process: after a first search has
    loaded the word lists, what the process holds is frozen, so a full garbage collection walks only what
    requests create later (it walked everything before: 170–200 ms with the GIL held at 100k passages)."""
    script = ("import gc, json, sys, pathlib\n"
              "from ingest.config import DataDir\n"
              "from webapp.server_process import create_server_app\n"
              "walked_before = len(gc.get_objects())\n"
              "app = create_server_app(DataDir(pathlib.Path(sys.argv[1])))\n"
              "print(json.dumps({'before': walked_before, 'frozen': gc.get_freeze_count(),"
              " 'walked': len(gc.get_objects()), 'answers': app.state.kb.index.search('utveckling').total}))\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "data")], cwd=REPO, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    assert counts["frozen"] > 50_000, counts  # the app, its libraries and the analysis word lists
    assert counts["walked"] < counts["frozen"] / 10, counts
    assert counts["answers"] == 0  # an empty data dir: the app still searches after the freeze
