"""Hostile load: the worst requests of issue 13, sent as fast as the server's own limits allow, while
normal clients search; prints the normal clients' latency quiet and under attack.

The attacks (choose with --attacks, default all):
  link    100,000-character words to POST /api/link, at the anonymous rate limit (30 a minute)
  login   a login flood: random names and wrong passwords from many simulated addresses (X-Forwarded-For,
          which uvicorn trusts from 127.0.0.1, as behind a reverse proxy), obeying Retry-After
  guess   wrong passwords for one real name (--guess-user), obeying the back-off
  upload  50 MB uploads without a valid session (a made-up cookie, a made-up token) and over the limit:
          headers and the first 64 KiB only; the server must answer before it reads the rest

Loopback only. The attacker runs at lower priority (--nice, default 10): on one machine its own CPU
would otherwise count against the server, which a remote attacker's does not.

    # attack a running server for 30 s (normal clients measured separately, e.g. bench/load_search.py)
    python bench/load_hostile.py --url http://127.0.0.1:8000 --duration 30
    # one command: start a server, run 20 normal clients (bench/load_search.py) quiet, then under attack
    python bench/load_hostile.py --serve --data-dir /tmp/kb --workers 2 --normal-clients 20 --duration 30
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
LOAD_SEARCH = ROOT / "bench" / "load_search.py"
ATTACKS = ("link", "login", "guess", "upload")
COMPOUND = "kompetensförsörjningsutvecklingsarbetsmarknadsregionplaneringsstrategi"


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Tally:
    """Answers per attack: status codes, failures (no answer, 5xx, exceptions) and latencies."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses: dict[str, Counter] = {}
        self.seconds: dict[str, list[float]] = {}
        self.pending: dict[int, tuple[str, float]] = {}  # thread → (attack, started) of a request under way

    def begin(self, attack: str) -> float:
        started = time.monotonic()
        with self.lock:
            self.pending[threading.get_ident()] = (attack, started)
        return started

    def add(self, attack: str, status: int | str, seconds: float) -> None:
        with self.lock:
            self.pending.pop(threading.get_ident(), None)
            self.statuses.setdefault(attack, Counter())[str(status)] += 1
            self.seconds.setdefault(attack, []).append(seconds)

    def close(self) -> None:
        """Requests still unanswered when the run ends count as failures."""
        now = time.monotonic()
        with self.lock:
            pending, self.pending = list(self.pending.values()), {}
        for attack, started in pending:
            self.add(attack, "unanswered at the end", now - started)

    def report(self) -> dict:
        out = {}
        with self.lock:  # threads still waiting for an answer may add to it
            snapshot = {a: (Counter(c), sorted(self.seconds[a])) for a, c in self.statuses.items()}
        for attack, (counts, times) in sorted(snapshot.items()):
            failures = sum(n for status, n in counts.items() if not status.isdigit() or status.startswith("5"))
            out[attack] = {"requests": sum(counts.values()), "statuses": dict(counts), "failures": failures,
                           "p50_ms": round(times[len(times) // 2] * 1000, 1),
                           "p95_ms": round(times[int(len(times) * 0.95)] * 1000, 1)}
        return out


def _retry_after(response: httpx.Response, default: float = 1.0) -> float:
    try:
        return min(float(response.headers.get("retry-after", default)), 60.0)
    except ValueError:
        return default


def attack_link(base: str, stop: threading.Event, tally: Tally, chars: int, per_minute: int) -> None:
    word = (COMPOUND * (chars // len(COMPOUND) + 1))[:chars]
    with httpx.Client(base_url=base, timeout=300) as client:
        while not stop.is_set():
            started = tally.begin("link")
            try:
                response = client.post("/api/link", json={"text": word})
                tally.add("link", response.status_code, time.monotonic() - started)
                pause = _retry_after(response) if response.status_code == 429 else 60.0 / per_minute
            except httpx.HTTPError as exc:
                tally.add("link", type(exc).__name__, time.monotonic() - started)
                pause = 1.0
            stop.wait(max(0.0, pause - (time.monotonic() - started)))


def _login(client: httpx.Client, name: str, password: str, address: str | None) -> httpx.Response:
    headers = {"X-Forwarded-For": address} if address else {}
    return client.post("/logga-in", data={"username": name, "password": password, "csrf": "k" * 24},
                       cookies={"kb_csrf": "k" * 24}, headers=headers)


def attack_login(base: str, stop: threading.Event, tally: Tally, seed: int, addresses: list[str],
                 kind: str, user: str) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=120) as client:
        while not stop.is_set():
            name = user if kind == "guess" else f"gast{rng.randrange(10**8)}"
            started = tally.begin(kind)
            try:
                response = _login(client, name, f"fel-losenord-{rng.randrange(10**9)}", rng.choice(addresses))
                tally.add(kind, response.status_code, time.monotonic() - started)
                if response.status_code == 429:
                    stop.wait(_retry_after(response))
            except httpx.HTTPError as exc:
                tally.add(kind, type(exc).__name__, time.monotonic() - started)
                stop.wait(1.0)


def _upload_once(host: str, port: int, extra_header: str, length: int, timeout: float) -> int | str:
    part = (b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="stor.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n")
    head = (f"POST /api/documents HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: multipart/form-data; "
            f"boundary=xyz\r\nContent-Length: {length}\r\n{extra_header}\r\n").encode()
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(head + part + b"%PDF-1.7 " + os.urandom(65536))
        try:
            answer = sock.recv(64)
        except socket.timeout:
            return "no answer (body being read)"
    match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return int(match.group(1)) if match else "bad answer"


def attack_upload(base: str, stop: threading.Event, tally: Tally, seed: int, per_second: float) -> None:
    rng = random.Random(seed)
    parts = urlsplit(base)
    variants = [("Cookie: kb_session=" + "a" * 40 + "\r\n", 50 * 2**20),
                ("Authorization: Bearer kb_" + "b" * 43 + "\r\n", 50 * 2**20),
                ("", 60 * 2**20)]  # over the limit
    while not stop.is_set():
        header, length = rng.choice(variants)
        started = tally.begin("upload")
        try:
            status = _upload_once(parts.hostname, parts.port, header, length, timeout=10)
        except OSError as exc:
            status = type(exc).__name__
        tally.add("upload", status, time.monotonic() - started)
        stop.wait(max(0.0, 1.0 / per_second - (time.monotonic() - started)))


def start_attacks(base: str, args, stop: threading.Event, tally: Tally) -> list[threading.Thread]:
    rng = random.Random(args.seed)
    addresses = [f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(args.addresses)]
    threads = []
    if "link" in args.attacks:
        threads.append(threading.Thread(target=attack_link, args=(base, stop, tally, args.link_chars, args.link_per_minute)))
    for i in range(args.login_clients if "login" in args.attacks else 0):
        threads.append(threading.Thread(target=attack_login, args=(base, stop, tally, args.seed + i, addresses, "login", "")))
    for i in range(2 if "guess" in args.attacks else 0):
        threads.append(threading.Thread(target=attack_login,
                                        args=(base, stop, tally, args.seed + 100 + i, addresses, "guess", args.guess_user)))
    if "upload" in args.attacks:
        threads.append(threading.Thread(target=attack_upload, args=(base, stop, tally, args.seed, args.upload_per_second)))
    for thread in threads:
        thread.daemon = True
        thread.start()
    return threads


def normal_clients(base: str, args) -> dict:
    """bench/load_search.py as a separate process at normal priority: its JSON report."""
    command = [sys.executable, str(LOAD_SEARCH), "--url", base, "--clients", str(args.normal_clients),
               "--duration", str(args.duration), "--json"] + (["--uncached"] if args.uncached else [])
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=args.duration * 4 + 120)
    try:
        return json.loads(done.stdout)["all"]
    except (ValueError, KeyError):
        raise SystemExit(f"load_search.py gav inget resultat: {done.stderr[-2000:]}")


def attacker_process(base: str, args, seconds: float) -> subprocess.Popen:
    """This script in attacker mode, in a process of its own (so only it runs at lower priority)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--url", base, "--duration", str(seconds), "--json",
               "--attacks", ",".join(args.attacks), "--login-clients", str(args.login_clients),
               "--addresses", str(args.addresses), "--guess-user", args.guess_user,
               "--link-chars", str(args.link_chars), "--link-per-minute", str(args.link_per_minute),
               "--upload-per-second", str(args.upload_per_second), "--nice", str(args.nice), "--seed", str(args.seed)]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)


def attack(base: str, args) -> dict:
    """Attacker mode: every chosen attack for `duration` seconds; what the server answered."""
    if args.nice:
        os.nice(args.nice)
    stop, tally = threading.Event(), Tally()
    threads = start_attacks(base, args, stop, tally)
    stop.wait(args.duration)
    stop.set()
    for thread in threads:
        thread.join(15)
    tally.close()
    return tally.report()


def start_server(data_dir: Path, workers: int, port: int) -> subprocess.Popen:
    env = {**os.environ, "KUNSKAPSBANK_DATA": str(data_dir)}
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"load_hostile-server-{os.getpid()}.log", "wb")
    return subprocess.Popen([sys.executable, "-m", "ingest.cli", "serve", "--port", str(port), "--workers", str(workers)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_healthy(base: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"Servern svarade inte på {base}/healthz.")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Fientlig last mot Kunskapsbanken (bara mot den egna datorn).")
    p.add_argument("--url", default="http://127.0.0.1:8000", help="serverns adress (bara 127.0.0.1/localhost)")
    p.add_argument("--serve", action="store_true", help="starta `kunskapsbank serve` för körningen")
    p.add_argument("--data-dir", type=Path, help="datakatalog för --serve")
    p.add_argument("--workers", type=int, default=2, help="serverprocesser för --serve (standard 2)")
    p.add_argument("--duration", type=float, default=30.0, help="sekunder per fas (standard 30)")
    p.add_argument("--normal-clients", type=int, default=0,
                   help="kör bench/load_search.py med så många klienter, först i lugn och sedan under attack")
    p.add_argument("--uncached", action="store_true", help="skickas vidare till load_search.py")
    p.add_argument("--attacks", default=",".join(ATTACKS), help=f"kommaseparerat urval av {', '.join(ATTACKS)}")
    p.add_argument("--login-clients", type=int, default=16, help="samtidiga inloggningsflöden (standard 16)")
    p.add_argument("--addresses", type=int, default=50, help="simulerade klientadresser för inloggningar")
    p.add_argument("--guess-user", default="admin", help="namnet vars lösenord gissas")
    p.add_argument("--link-chars", type=int, default=100_000)
    p.add_argument("--link-per-minute", type=int, default=30, help="den anonyma gränsen för /api/link")
    p.add_argument("--upload-per-second", type=float, default=5.0)
    p.add_argument("--nice", type=int, default=10, help="angriparens lägre prioritet (0 = samma som servern)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    args.attacks = [a.strip() for a in args.attacks.split(",") if a.strip()]
    if unknown := set(args.attacks) - set(ATTACKS):
        p.error(f"okända attacker: {', '.join(sorted(unknown))}")
    if args.serve and not args.data_dir:
        p.error("--serve kräver --data-dir")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server = None
    if args.serve:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        server = start_server(args.data_dir.resolve(), args.workers, port)
    else:
        parts = urlsplit(args.url)
        if parts.scheme != "http" or not parts.hostname or not is_loopback(parts.hostname):
            print(f"Vägrar: {args.url} är inte den egna datorn (http://127.0.0.1:PORT).", file=sys.stderr)
            return 2
        base = f"http://{parts.netloc}"
    report: dict = {"url": base, "attacks": args.attacks, "duration_s": args.duration}
    try:
        wait_healthy(base, 120 if server else 10)
        if args.normal_clients:
            report["quiet"] = normal_clients(base, args)
            attacker = attacker_process(base, args, args.duration + 10)
            time.sleep(3.0)  # the attack is under way before the normal clients start
            report["under_attack"] = normal_clients(base, args)
            out, _ = attacker.communicate(timeout=args.duration + 120)
            report["attacker"] = json.loads(out)["attacker"]
        else:
            report["attacker"] = attack(base, args)
        report["health_after"] = httpx.get(base + "/healthz", timeout=30).json()
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_report(report)
    normal_errors = sum(report.get(phase, {}).get("errors", 0) for phase in ("quiet", "under_attack"))
    attacker_failures = sum(a["failures"] for a in report["attacker"].values())
    return 0 if normal_errors == 0 and attacker_failures == 0 else 1


def print_report(report: dict) -> None:
    print(f"server {report['url']}; attacks: {', '.join(report['attacks'])}; {report['duration_s']:.0f} s per phase")
    if "quiet" in report:
        print(f"\n{'normal clients':16} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        for phase in ("quiet", "under_attack"):
            s = report.get(phase)
            if s:
                print(f"{phase:16} {s['requests']:>8} {s['errors']:>6} {s['per_second']:>7} {s['p50_ms']:>8} "
                      f"{s['p95_ms']:>8} {s['p99_ms']:>8}")
        if report.get("under_attack") and report["quiet"]["p95_ms"]:
            print(f"p95 under attack / quiet: {report['under_attack']['p95_ms'] / report['quiet']['p95_ms']:.2f}×")
    print(f"\n{'attack':8} {'requests':>8} {'failures':>8} {'p50 ms':>8} {'p95 ms':>8}  answers")
    for attack, s in report["attacker"].items():
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(s["statuses"].items()))
        print(f"{attack:8} {s['requests']:>8} {s['failures']:>8} {s['p50_ms']:>8} {s['p95_ms']:>8}  {answers}")
    print(f"\nhealth after: {report['health_after']}")


if __name__ == "__main__":
    sys.exit(main())
