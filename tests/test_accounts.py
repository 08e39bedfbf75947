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


# -- login throttling (issue 13: counted before the check, back-off, trusted browsers, a cap) --------
class CountingHasher(PasswordHasher):
    """Counts password checks (Argon2 verifications) made through it."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = 0

    def verify(self, hash, password):
        self.calls += 1
        return super().verify(hash, password)


def _attempts_in_a_child(db_path: str, barrier, results, attempts: int, now: float) -> None:
    hasher = CountingHasher(**FAST)
    # its own process: its own slots, the same file; the clock stands still, so the wait after the fifth
    # failure never runs out during the test, however slowly a loaded machine checks passwords
    accounts = Accounts(db_path, hasher=hasher, clock=lambda: now)
    barrier.wait()
    for _ in range(attempts):
        accounts.attempt_login("anna", "fel lösenord!", "192.0.2.7")
    results.put(hasher.calls)


def _open_in_this_process(path: Path) -> list[str]:
    """The files of this process that are the catalogue or its write-ahead log and index."""
    names = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            names.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:  # the listing's own descriptor, closed by now
            pass
    return [n for n in names if n.startswith(str(path))]


def test_parallel_wrong_passwords_through_several_processes_are_counted_before_the_check(db_path: Path):
    """30 wrong passwords for one user at once from 10 processes: at most the 5 free ones are checked."""
    import multiprocessing

    from webapp.login_limits import NAME_BACKOFF

    setup = Accounts(db_path, hasher=PasswordHasher(**FAST))
    setup.add_user("anna", PASSWORD, "editor")
    # SQLite forbids forking with the file open: a child would share the parent's lock bookkeeping and
    # could lose other processes' commits. Python 3.11 closes a dropped connection only at the next
    # garbage collection, so close it here, and check that nothing else holds the file open.
    setup.store.close()
    del setup
    assert not _open_in_this_process(db_path)
    context = multiprocessing.get_context("fork")
    barrier, results, now = context.Barrier(10), context.Queue(), time.time()
    children = [context.Process(target=_attempts_in_a_child, args=(str(db_path), barrier, results, 3, now))
                for _ in range(10)]
    for child in children:
        child.start()
    checked = sum(results.get(timeout=900) for _ in children)  # password checks run at nice 19: slow on a busy machine
    for child in children:
        child.join(30)
    assert 1 <= checked <= NAME_BACKOFF.free, checked
    assert Accounts(db_path).login_counts()["name:anna"] == checked


def test_backoff_doubles_then_a_success_clears_the_name(db_path: Path):
    from webapp.login_limits import NAME_BACKOFF

    clock = Clock()
    hasher = CountingHasher(**FAST)
    accounts = Accounts(db_path, hasher=hasher, clock=clock)
    accounts.add_user("anna", PASSWORD, "editor")
    for _ in range(NAME_BACKOFF.free):
        outcome = accounts.attempt_login("anna", "fel lösenord!", "192.0.2.7")
        assert outcome.user is None and not outcome.refused
    waits = []
    for _ in range(3):  # each wait is twice the one before; nothing is checked while one runs
        refused = accounts.attempt_login("anna", PASSWORD, "192.0.2.7")
        assert refused.refused and refused.user is None
        waits.append(refused.wait_seconds)
        clock.now += refused.wait_seconds
        assert accounts.attempt_login("anna", "fel lösenord!", "192.0.2.7").user is None
    assert waits == [2.0, 4.0, 8.0]
    assert hasher.calls == NAME_BACKOFF.free + 3
    assert accounts.attempt_login("anna", PASSWORD, "198.51.100.1").refused  # the name waits on any address
    assert not accounts.attempt_login("bo", "fel lösenord!", "192.0.2.7").refused  # the address is not blocked
    clock.now += 16.0
    assert accounts.attempt_login("anna", PASSWORD, "192.0.2.7").user == User("anna", "editor")
    counts = accounts.login_counts()
    assert "name:anna" not in counts  # a success: the name's count starts again
    assert counts["addr:192.0.2.7"] == NAME_BACKOFF.free + 3 + 1  # 9 failures (anna, bo); the success uncounted
    clock.now += 3600 + 1  # an hour without attempts: forgotten
    assert accounts.attempt_login("anna", "fel lösenord!", "192.0.2.7").user is None
    assert accounts.login_counts() == {"name:anna": 1, "addr:192.0.2.7": 1}


def test_one_address_many_names_is_slowed_but_not_for_long(db_path: Path):
    from webapp.login_limits import ADDRESS_BACKOFF

    clock = Clock()
    accounts = Accounts(db_path, hasher=PasswordHasher(**FAST), clock=clock)
    for i in range(ADDRESS_BACKOFF.free):
        assert not accounts.attempt_login(f"namn{i}", "fel lösenord!", "203.0.113.5").refused
    refused = accounts.attempt_login("namn-nytt", "fel lösenord!", "203.0.113.5")
    assert refused.refused and 0 < refused.wait_seconds <= ADDRESS_BACKOFF.max_wait
    assert not accounts.attempt_login("namn-nytt", "fel lösenord!", "203.0.113.6").refused


def test_a_trusted_browser_is_not_locked_out_by_others(db_path: Path):
    """An attacker guessing anna's password from anna's own (proxy) address: anna's usual browser still
    gets in at once; a new browser waits only for the current back-off, never a flat quarter of an hour."""
    from webapp.login_limits import TrustedDevice

    clock = Clock()
    accounts = Accounts(db_path, hasher=PasswordHasher(**FAST), clock=clock)
    accounts.add_user("anna", PASSWORD, "editor")
    first = accounts.attempt_login("anna", PASSWORD, "192.0.2.7")
    assert first.user is not None and first.fingerprint
    browser = TrustedDevice("anna", "webbläsare-1", first.fingerprint)
    guesses = 0
    while guesses < 10:  # the attacker waits out every back-off
        outcome = accounts.attempt_login("anna", "gissning-123", "192.0.2.7")
        clock.now += outcome.wait_seconds
        guesses += not outcome.refused
    locked = accounts.attempt_login("anna", PASSWORD, "192.0.2.7")
    assert locked.refused and locked.wait_seconds < 15 * 60
    assert accounts.attempt_login("anna", PASSWORD, "192.0.2.7", browser).user == User("anna", "editor")
    # the cookie is worth something only with its own name and the current password
    assert accounts.attempt_login("bo", PASSWORD, "192.0.2.7", TrustedDevice("bo", "x", first.fingerprint)).refused is False
    assert accounts.attempt_login("anna", PASSWORD, "192.0.2.7", TrustedDevice("anna", "x", "0" * 20)).refused
    accounts.set_password("anna", "ett nytt lösenord")
    assert accounts.attempt_login("anna", "ett nytt lösenord", "192.0.2.7", browser).refused
    # a stolen browser cookie has its own back-off
    clock.now += 3600 + 1
    fresh = accounts.attempt_login("anna", "ett nytt lösenord", "192.0.2.7")
    stolen = TrustedDevice("anna", "webbläsare-2", fresh.fingerprint)
    outcomes = [accounts.attempt_login("anna", "gissning-123", "192.0.2.7", stolen) for _ in range(8)]
    assert sum(1 for o in outcomes if o.refused) == 3


def test_hash_slots_refuse_at_once_without_hashing_or_counting(db_path: Path):
    from webapp.login_limits import HashSlots

    slots = HashSlots(2)
    hasher = CountingHasher(**FAST)
    accounts = Accounts(db_path, hasher=hasher, slots=slots)
    accounts.add_user("anna", PASSWORD, "editor")
    hasher.calls = 0
    with slots.hold("anna") as held:
        assert held
        same = accounts.attempt_login("anna", PASSWORD, "192.0.2.7")  # one check per name at a time
        assert same.busy and same.refused and same.wait_seconds == 1.0
        with slots.hold("bo") as second:
            assert second
            other = accounts.attempt_login("cecilia", PASSWORD, "192.0.2.7")  # both slots taken
            assert other.busy
        assert not accounts.attempt_login("cecilia", "fel lösenord!", "192.0.2.7").busy
    assert hasher.calls == 1 and slots.in_use == 0
    assert accounts.login_counts() == {"name:cecilia": 1, "addr:192.0.2.7": 1}
    assert accounts.attempt_login("anna", PASSWORD, "192.0.2.7").user == User("anna", "editor")


@pytest.mark.parametrize("seconds, text", [(1, "vänta 1 sekund och"), (2, "vänta 2 sekunder"), (1.2, "vänta 2 sekunder"),
                                           (119, "119 sekunder"), (120, "vänta 2 minuter"), (900, "15 minuter")])
def test_wait_messages_are_swedish_with_plural_agreement(seconds, text):
    from webapp.login_limits import retry_after, wait_message

    message = wait_message(seconds)
    assert message.startswith("För många inloggningsförsök – vänta ") and message.endswith(" och försök igen.")
    assert text in message
    assert int(retry_after(seconds)) >= seconds


# -- sessions, passwords and disabled accounts (issue 13) --------------------------------------------
def test_disabling_ends_sessions_for_good_and_a_new_password_revokes_tokens(accounts: Accounts):
    accounts.add_user("anna", PASSWORD, "editor")
    session = accounts.create_session("anna")
    token = accounts.create_token("anna")
    accounts.set_disabled("anna", True)
    assert accounts.user_for_session(session, 3600) is None and accounts.user_for_token(token) is None
    accounts.set_disabled("anna", False)
    assert accounts.user_for_session(session, 3600) is None  # re-enabling revives no old session
    assert accounts.user_for_token(token) == User("anna", "editor")  # tokens were only suspended
    session = accounts.create_session("anna")
    other = accounts.create_token("anna")
    assert accounts.set_password("anna", "ett nytt lösenord") == 2
    assert accounts.user_for_session(session, 3600) is None
    assert accounts.user_for_token(token) is None and accounts.user_for_token(other) is None
    assert accounts.verify("anna", "ett nytt lösenord") == User("anna", "editor")
    with pytest.raises(ValueError, match="finns inte"):
        accounts.set_password("okänd", "ett nytt lösenord")


def test_shares_the_catalogue_file(db_path: Path):
    catalogue = Catalogue(db_path)
    accounts = Accounts(db_path, hasher=PasswordHasher(**FAST))
    accounts.add_user("anna", PASSWORD, "editor")
    catalogue.log("/x/a.txt", "a.txt", "failed", reason="test")
    Catalogue(db_path)  # re-opening runs both schemas again without harm
    again = Accounts(db_path, hasher=PasswordHasher(**FAST))
    assert again.verify("anna", PASSWORD) == User("anna", "editor")
    tables = {r[0] for r in sqlite3.connect(db_path).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"documents", "passages", "users", "api_tokens", "audit_log", "login_backoff"} <= tables
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


def test_cli_passwd_disable_and_enable(tmp_path: Path):
    """Issue 13: a command to change a password (ending sessions, revoking tokens, and saying so) and to
    disable and enable a user, each in the audit log."""
    data = tmp_path / "data"
    assert run_cli("user", "add", "anna", "--role", "editor", "--password-stdin", data=data, stdin=PASSWORD).returncode == 0
    accounts = Accounts(data / "catalogue.sqlite3")
    session = accounts.create_session("anna")
    tokens = [accounts.create_token("anna") for _ in range(2)]

    disabled = run_cli("user", "disable", "Anna", data=data)
    assert disabled.returncode == 0, disabled.stderr
    assert "avstängd" in disabled.stdout and "inloggningar har avslutats" in disabled.stdout
    assert accounts.verify("anna", PASSWORD) is None and accounts.user_for_session(session, 3600) is None
    assert "(avstängd)" in run_cli("user", "list", data=data).stdout
    enabled = run_cli("user", "enable", "anna", data=data)
    assert enabled.returncode == 0 and "kan logga in igen" in enabled.stdout
    assert accounts.user_for_session(session, 3600) is None  # the old session stays ended
    assert accounts.verify("anna", PASSWORD) == User("anna", "editor")

    session = accounts.create_session("anna")
    new_password = "ett helt nytt lösenord"
    changed = run_cli("user", "passwd", "anna", "--password-stdin", data=data, stdin=new_password + "\n")
    assert changed.returncode == 0, changed.stderr
    assert "Alla inloggningar har avslutats och 2 API-nycklar har återkallats" in changed.stdout
    assert new_password not in changed.stdout + changed.stderr
    assert accounts.verify("anna", new_password) == User("anna", "editor") and accounts.verify("anna", PASSWORD) is None
    assert accounts.user_for_session(session, 3600) is None
    assert all(accounts.user_for_token(t) is None for t in tokens)
    assert new_password.encode() not in file_bytes(data / "catalogue.sqlite3")
    again = run_cli("user", "passwd", "anna", "--password-stdin", data=data, stdin="ännu ett lösenord")
    assert "och 0 API-nycklar har återkallats" in again.stdout

    short = run_cli("user", "passwd", "anna", "--password-stdin", data=data, stdin="kort\n")
    assert short.returncode == 2 and "minst 10 tecken" in short.stderr
    for command in ("passwd", "disable", "enable"):
        missing = run_cli("user", command, "nisse", "--password-stdin", data=data, stdin=PASSWORD) \
            if command == "passwd" else run_cli("user", command, "nisse", data=data)
        assert missing.returncode == 1 and "finns inte" in missing.stderr
    actions = [(e["action"], e["target"]) for e in accounts.audit_entries(10)][:4]
    assert actions == [("user.passwd", "anna"), ("user.passwd", "anna"), ("user.enable", "anna"), ("user.disable", "anna")]
    assert accounts.audit_entries(10)[1]["detail"] == {"tokens_revoked": 2}
