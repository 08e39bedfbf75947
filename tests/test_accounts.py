"""Accounts: users, API tokens, audit log and login throttling, through the class and the real CLI."""
from __future__ import annotations

import hashlib
import json
import os
import pty
import select
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from webapp.accounts import Accounts, User
from ingest.store.catalogue import Catalogue
from tests.conftest import run_cli

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "rätt-häst-batteri"
# Cheap parameters keep the class tests fast; one test checks the production defaults separately.
FAST = dict(time_cost=1, memory_cost=8 * 1024, parallelism=1)


class Clock:
    def __init__(self, start: float = 1_800_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "catalogue.sqlite3"


@pytest.fixture
def accounts(db_path: Path) -> Accounts:
    return Accounts(db_path, hasher=PasswordHasher(**FAST))




def file_bytes(db_path: Path) -> bytes:
    """The catalogue as it lies on disk, write-ahead log included.

    Read by a child process: closing a file descriptor of the database in this process would drop
    the POSIX locks held by this process's SQLite connections (fcntl locks are per process)."""
    paths = [str(p) for p in (db_path, Path(f"{db_path}-wal")) if p.exists()]
    return subprocess.run(["cat", *paths], capture_output=True, check=True, timeout=30).stdout


# -- users and passwords ---------------------------------------------------------------------
def test_add_and_verify(accounts: Accounts):
    user = accounts.add_user("anna.s", PASSWORD, "editor")
    assert user == User("anna.s", "editor") and user.can_edit and not user.is_admin
    assert accounts.verify("anna.s", PASSWORD) == User("anna.s", "editor")
    assert accounts.verify("anna.s", PASSWORD + "x") is None
    assert accounts.verify("anna.s", "") is None
    assert accounts.verify("okänd", PASSWORD) is None
    admin = accounts.add_user("Bo-Admin", "ett långt lösenord", "admin")
    assert admin.username == "bo-admin" and admin.is_admin and admin.can_edit
    assert accounts.verify(" BO-ADMIN ", "ett långt lösenord") == User("bo-admin", "admin")


def test_password_is_stored_as_argon2_hash_only(accounts: Accounts, db_path: Path):
    accounts.add_user("anna", PASSWORD, "editor")
    row = sqlite3.connect(db_path).execute("SELECT password_hash FROM users WHERE username='anna'").fetchone()
    assert row[0].startswith("$argon2id$")
    assert PASSWORD.encode("utf-8") not in file_bytes(db_path)


@pytest.mark.parametrize("name", ["a", "x" * 41, "anna svensson", "../../etc/passwd", "<script>", "åsa", "", "a/b"])
def test_invalid_usernames_are_refused_in_swedish(accounts: Accounts, name: str):
    with pytest.raises(ValueError, match="Ogiltigt användarnamn"):
        accounts.add_user(name, PASSWORD, "editor")
    assert accounts.list_users() == []


def test_password_role_and_duplicate_rules(accounts: Accounts, db_path: Path):
    with pytest.raises(ValueError, match="minst 10 tecken"):
        accounts.add_user("anna", "123456789", "editor")
    with pytest.raises(ValueError, match="högst"):
        accounts.add_user("anna", "x" * 5000, "editor")
    with pytest.raises(ValueError, match="Ogiltig roll"):
        accounts.add_user("anna", PASSWORD, "root")
    accounts.add_user("anna", "1234567890", "editor")  # exactly ten characters is enough
    with pytest.raises(ValueError, match="finns redan"):
        accounts.add_user("ANNA", PASSWORD, "admin")
    assert [(u["username"], u["role"]) for u in accounts.list_users()] == [("anna", "editor")]
    # the role is also guarded by the table itself
    with pytest.raises(sqlite3.IntegrityError):
        with sqlite3.connect(db_path) as raw:
            raw.execute("INSERT INTO users VALUES ('eve', 'x', 'root', '2026-01-01', 0)")


def test_remove_and_disable(accounts: Accounts):
    accounts.add_user("anna", PASSWORD, "editor")
    accounts.add_user("bo", PASSWORD, "admin")
    token = accounts.create_token("anna")
    accounts.set_disabled("bo", True)
    assert accounts.verify("bo", PASSWORD) is None
    assert accounts.get_user("bo") is None
    assert [u["disabled"] for u in accounts.list_users()] == [False, True]
    assert accounts.remove_user("anna") is True
    assert accounts.remove_user("anna") is False
    assert accounts.verify("anna", PASSWORD) is None
    assert accounts.user_for_token(token) is None
    assert [u["username"] for u in accounts.list_users()] == ["bo"]


def test_unknown_user_costs_a_hash_verification_too(db_path: Path):
    """Timing must not reveal whether a username exists: both paths run Argon2 once."""

    class Counting(PasswordHasher):
        calls = 0

        def verify(self, hash, password):
            Counting.calls += 1
            return super().verify(hash, password)

    accounts = Accounts(db_path, hasher=Counting(**FAST))
    accounts.add_user("anna", PASSWORD, "editor")
    Counting.calls = 0
    assert accounts.verify("anna", "fel lösenord") is None
    assert Counting.calls == 1
    assert accounts.verify("finns-inte", "fel lösenord") is None
    assert Counting.calls == 2
    accounts.set_disabled("anna", True)
    assert accounts.verify("anna", PASSWORD) is None
    assert Counting.calls == 3


def test_weak_hash_is_upgraded_on_login(db_path: Path):
    Accounts(db_path, hasher=PasswordHasher(**FAST)).add_user("anna", PASSWORD, "editor")
    stronger = Accounts(db_path)  # production defaults
    read = lambda: sqlite3.connect(db_path).execute("SELECT password_hash FROM users").fetchone()[0]
    before = read()
    assert "m=8192,t=1,p=1" in before
    assert stronger.verify("anna", PASSWORD) == User("anna", "editor")
    after = read()
    assert after != before and not stronger.hasher.check_needs_rehash(after)
    assert stronger.verify("anna", PASSWORD) is not None
    assert stronger.verify("anna", "fel lösenord!") is None


# -- tokens ------------------------------------------------------------------------------------
def test_tokens_are_stored_hashed(accounts: Accounts, db_path: Path):
    accounts.add_user("anna", PASSWORD, "admin")
    token = accounts.create_token("anna")
    other = accounts.create_token("anna")
    assert token != other and len(token) >= 40
    assert accounts.user_for_token(token) == User("anna", "admin")
    assert accounts.user_for_token(other) == User("anna", "admin")
    raw = sqlite3.connect(db_path)
    hashes = {r[0] for r in raw.execute("SELECT token_hash FROM api_tokens")}
    assert hashes == {hashlib.sha256(t.encode()).hexdigest() for t in (token, other)}
    disk = file_bytes(db_path)
    assert token.encode() not in disk and other.encode() not in disk
    assert raw.execute("SELECT last_used_at FROM api_tokens WHERE token_hash = ?",
                       (hashlib.sha256(token.encode()).hexdigest(),)).fetchone()[0] is not None
    for wrong in ("", token[:-1], token + "x", token.upper(), "kb_" + "A" * 5000, None, 42):
        assert accounts.user_for_token(wrong) is None
    with pytest.raises(ValueError, match="finns inte"):
        accounts.create_token("okänd")
    assert accounts.revoke_tokens("anna") == 2
    assert accounts.user_for_token(token) is None


def test_one_connection_per_thread(accounts: Accounts):
    accounts.add_user("anna", PASSWORD, "editor")
    tokens = [accounts.create_token("anna") for _ in range(4)]
    errors: list[BaseException] = []

    def work(token: str) -> None:
        try:
            for i in range(20):
                assert accounts.user_for_token(token) == User("anna", "editor")
                accounts.audit("anna", "test.thread", token[-6:], {"i": i})
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(accounts.audit_entries(1000)) == 80


# -- audit log ---------------------------------------------------------------------------------
def test_audit_log_newest_first(accounts: Accounts):
    accounts.audit("anna", "document.upload", "d123", {"fil": "rapport.pdf", "storlek": 12})
    accounts.audit("bo", "link.reject", "p9/rus:delmal-17", None)
    entries = accounts.audit_entries(10)
    assert [(e["actor"], e["action"], e["target"]) for e in entries] == [
        ("bo", "link.reject", "p9/rus:delmal-17"), ("anna", "document.upload", "d123"),
    ]
    assert entries[1]["detail"] == {"fil": "rapport.pdf", "storlek": 12}
    assert entries[0]["detail"] == {}
    assert entries[0]["id"] > entries[1]["id"] and entries[0]["at"]
    assert len(accounts.audit_entries(1)) == 1


# -- login throttling --------------------------------------------------------------------------
def test_login_rate_limit(db_path: Path):
    clock = Clock()
    accounts = Accounts(db_path, hasher=PasswordHasher(**FAST), clock=clock)
    key = "anna|192.0.2.7"
    for _ in range(4):
        assert accounts.login_allowed(key)
        accounts.register_failed_login(key)
    assert accounts.login_allowed(key)  # four failures: one more try allowed
    accounts.register_failed_login(key)
    assert not accounts.login_allowed(key)
    assert accounts.login_allowed("anna|198.51.100.1")  # another address is not blocked
    assert accounts.login_allowed("bo|192.0.2.7")
    clock.now += 14 * 60
    assert not accounts.login_allowed(key)
    clock.now += 2 * 60  # the first failures are now older than 15 minutes
    assert accounts.login_allowed(key)
    # a fresh instance (another worker) sees the same counts: they live in the file
    other = Accounts(db_path, hasher=PasswordHasher(**FAST), clock=clock)
    for _ in range(5):
        other.register_failed_login("x|1")
    assert not accounts.login_allowed("x|1")
    accounts.reset_failed_logins("x|1")
    assert other.login_allowed("x|1")


def test_shares_the_catalogue_file(db_path: Path):
    catalogue = Catalogue(db_path)
    accounts = Accounts(db_path, hasher=PasswordHasher(**FAST))
    accounts.add_user("anna", PASSWORD, "editor")
    catalogue.log("/x/a.txt", "a.txt", "failed", reason="test")
    Catalogue(db_path)  # re-opening runs both schemas again without harm
    again = Accounts(db_path, hasher=PasswordHasher(**FAST))
    assert again.verify("anna", PASSWORD) == User("anna", "editor")
    tables = {r[0] for r in sqlite3.connect(db_path).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"documents", "passages", "users", "api_tokens", "audit_log", "login_attempts"} <= tables
    assert sqlite3.connect(db_path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# -- CLI ---------------------------------------------------------------------------------------
def test_cli_user_lifecycle(tmp_path: Path):
    data = tmp_path / "data"
    secret = "mitt hemliga lösenord"
    added = run_cli("user", "add", "Anna", "--role", "admin", "--password-stdin", data=data, stdin=secret + "\n")
    assert added.returncode == 0, added.stderr
    assert secret not in added.stdout + added.stderr
    assert "anna" in added.stdout

    added = run_cli("user", "add", "bo", "--role", "editor", "--password-stdin", data=data, stdin="ett annat lösen")
    assert added.returncode == 0, added.stderr

    listed = run_cli("user", "list", "--json", data=data)
    assert listed.returncode == 0, listed.stderr
    users = json.loads(listed.stdout)
    assert [(u["username"], u["role"], u["tokens"]) for u in users] == [("anna", "admin", 0), ("bo", "editor", 0)]

    accounts = Accounts(data / "catalogue.sqlite3")
    assert accounts.verify("anna", secret) == User("anna", "admin")
    assert accounts.verify("anna", secret + "\n") is None  # the newline ending stdin is not part of it
    assert accounts.verify("bo", "ett annat lösen") == User("bo", "editor")
    assert secret.encode() not in file_bytes(data / "catalogue.sqlite3")

    made = run_cli("user", "token", "anna", data=data)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert "\n" not in token and accounts.user_for_token(token) == User("anna", "admin")
    assert token not in made.stderr and "visas bara nu" in made.stderr
    assert token.encode() not in file_bytes(data / "catalogue.sqlite3")
    assert json.loads(run_cli("user", "list", "--json", data=data).stdout)[0]["tokens"] == 1

    plain = run_cli("user", "list", data=data)
    assert plain.returncode == 0 and "anna" in plain.stdout and "bo" in plain.stdout

    removed = run_cli("user", "remove", "anna", data=data)
    assert removed.returncode == 0, removed.stderr
    assert accounts.user_for_token(token) is None
    assert accounts.verify("anna", secret) is None
    assert [u["username"] for u in json.loads(run_cli("user", "list", "--json", data=data).stdout)] == ["bo"]

    actions = [(e["action"], e["target"]) for e in accounts.audit_entries(10)]
    assert actions == [("user.remove", "anna"), ("token.create", "anna"), ("user.add", "bo"), ("user.add", "anna")]
    assert all(e["actor"].startswith("cli") for e in accounts.audit_entries(10))


def test_cli_user_errors(tmp_path: Path):
    data = tmp_path / "data"
    short = run_cli("user", "add", "anna", "--role", "editor", "--password-stdin", data=data, stdin="kort\n")
    assert short.returncode == 2 and "minst 10 tecken" in short.stderr and "kort" not in short.stdout
    bad = run_cli("user", "add", "Anna Svensson", "--role", "editor", "--password-stdin", data=data, stdin=PASSWORD)
    assert bad.returncode == 2 and "Ogiltigt användarnamn" in bad.stderr
    role = run_cli("user", "add", "anna", "--role", "root", "--password-stdin", data=data, stdin=PASSWORD)
    assert role.returncode == 2
    # no TTY and no --password-stdin: refuse rather than read a password that would echo
    no_tty = run_cli("user", "add", "anna", "--role", "editor", data=data, stdin=PASSWORD + "\n")
    assert no_tty.returncode == 2 and "--password-stdin" in no_tty.stderr
    assert json.loads(run_cli("user", "list", "--json", data=data).stdout) == []

    assert run_cli("user", "add", "anna", "--role", "editor", "--password-stdin", data=data,
                   stdin=PASSWORD).returncode == 0
    dup = run_cli("user", "add", "anna", "--role", "admin", "--password-stdin", data=data, stdin=PASSWORD)
    assert dup.returncode == 2 and "finns redan" in dup.stderr
    missing = run_cli("user", "remove", "nisse", data=data)
    assert missing.returncode == 1 and "finns inte" in missing.stderr
    no_token = run_cli("user", "token", "nisse", data=data)
    assert no_token.returncode == 1 and "finns inte" in no_token.stderr and no_token.stdout == ""


def test_cli_password_prompt_on_a_terminal_does_not_echo(tmp_path: Path):
    """Without --password-stdin the password is asked twice on the terminal, echo off."""
    data = tmp_path / "data"
    secret = "terminal-lösenord-123"
    env = {**os.environ, "KUNSKAPSBANK_DATA": str(data)}
    pid, fd = pty.fork()
    if pid == 0:  # child: its controlling terminal is the pty
        os.chdir(REPO)
        os.execve(sys.executable, [sys.executable, "-m", "ingest.cli", "user", "add", "tove", "--role", "editor"], env)
    output = b""
    answered = 0
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 1)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 1024)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
            if answered < 2 and output.count("ösenord".encode()) > answered:  # "Lösenord:", "Upprepa lösenordet:"
                os.write(fd, (secret + "\n").encode())
                answered += 1
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, output.decode(errors="replace")
    assert answered == 2
    assert secret.encode() not in output
    assert Accounts(data / "catalogue.sqlite3").verify("tove", secret) == User("tove", "editor")
