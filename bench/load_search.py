"""Load test of the search API: N concurrent clients on GET /api/search, optionally while an ingest runs.

Loopback only: the script refuses any host but 127.0.0.1 / localhost / ::1, so it cannot be pointed
at somebody else's server. Queries are the fixed mix of bench/search_queries.yaml, shuffled per client
with a fixed seed. Prints throughput, latency percentiles and error counts, split into "during ingest"
and "without ingest" when --ingest-during is given. Each client sends its own X-Forwarded-For address
(the server trusts it from loopback, as from a reverse proxy), so that the per-address budgets for
anonymous callers (webapp/budgets.py) limit each simulated visitor, not the whole test.

    # against a running server
    python bench/load_search.py --url http://127.0.0.1:8000 --clients 20 --duration 30
    # start `kunskapsbank serve` on a free port for the run (data dir must hold an ingested corpus)
    python bench/load_search.py --serve --data-dir /tmp/kb --clients 20 --duration 30
    # the same while `kunskapsbank ingest PATH` writes to the same data dir
    python bench/load_search.py --serve --data-dir /tmp/kb --ingest-during ../shared/corpus-real
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
QUERIES_FILE = ROOT / "bench" / "search_queries.yaml"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_queries(path: Path) -> list[str]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))["queries"]
    return [item["q"] for item in items if item.get("q")]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def kunskapsbank() -> list[str]:
    return [sys.executable, "-m", "ingest.cli"]


# -- measurements ----------------------------------------------------------------------------------
@dataclass
class Sample:
    at: float  # monotonic time the request ended
    seconds: float
    ok: bool
    hits: int
    error: str = ""


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def summarise(samples: list[Sample], seconds: float) -> dict:
    ok = sorted(s.seconds for s in samples if s.ok)
    errors = [s for s in samples if not s.ok]
    return {
        "requests": len(samples),
        "errors": len(errors),
        "zero_hits": sum(1 for s in samples if s.ok and s.hits == 0),
        "seconds": round(seconds, 2),
        "per_second": round(len(samples) / seconds, 1) if seconds > 0 else 0.0,
        "p50_ms": round(percentile(ok, 0.50) * 1000, 1),
        "p95_ms": round(percentile(ok, 0.95) * 1000, 1),
        "p99_ms": round(percentile(ok, 0.99) * 1000, 1),
        "max_ms": round(ok[-1] * 1000, 1) if ok else float("nan"),
        "mean_ms": round(statistics.fmean(ok) * 1000, 1) if ok else float("nan"),
        "error_kinds": sorted({e.error for e in errors})[:10],
    }


# -- clients ---------------------------------------------------------------------------------------
def client_loop(base_url: str, queries: list[str], seed: int, stop: threading.Event, budget: "Budget",
                recorder: Recorder, headers: dict, limit: int, timeout: float, uncached: bool) -> None:
    rng = random.Random(seed)
    order = queries[:]
    rng.shuffle(order)
    headers = {"X-Forwarded-For": f"10.77.{seed % 250}.{seed // 250 % 250 + 1}", **headers}  # one visitor each
    with httpx.Client(base_url=base_url, headers=headers, timeout=timeout) as client:
        i = 0
        while not stop.is_set() and budget.take():
            q = order[i % len(order)]
            i += 1
            started = time.monotonic()
            try:
                # uncached: ten page sizes per query, more keys than the engine's 256-entry result cache
                size = limit + (i // len(order)) % 10 if uncached else limit
                response = client.get("/api/search", params={"q": q, "limit": min(size, 100)})
                ended = time.monotonic()
                if response.status_code != 200:
                    recorder.add(Sample(ended, ended - started, False, 0, f"HTTP {response.status_code}"))
                    continue
                body = response.json()
                if not isinstance(body.get("hits"), list) or "total" not in body:
                    recorder.add(Sample(ended, ended - started, False, 0, "svar utan hits/total"))
                    continue
                recorder.add(Sample(ended, ended - started, True, len(body["hits"])))
            except (httpx.HTTPError, ValueError) as exc:
                ended = time.monotonic()
                recorder.add(Sample(ended, ended - started, False, 0, type(exc).__name__))


class Budget:
    """An optional cap on the total number of requests, shared by all clients."""

    def __init__(self, total: int | None):
        self.left = total
        self.lock = threading.Lock()

    def take(self) -> bool:
        if self.left is None:
            return True
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


# -- server and ingest -----------------------------------------------------------------------------
def start_server(data_dir: Path, port: int, log: Path, workers: int = 1) -> subprocess.Popen:
    env = {**os.environ, "KUNSKAPSBANK_DATA": str(data_dir)}
    return subprocess.Popen([*kunskapsbank(), "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", str(workers)],
                            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_healthy(base_url: str, timeout: float, server: subprocess.Popen | None) -> dict:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise SystemExit(f"Servern avslutades innan den svarade (kod {server.returncode}).")
        try:
            response = httpx.get(f"{base_url}/healthz", timeout=5)
            if response.status_code == 200:
                return response.json()
            last = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        time.sleep(0.25)
    raise SystemExit(f"Servern svarade inte på /healthz inom {timeout:.0f} s ({last}).")


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@dataclass
class IngestRun:
    proc: subprocess.Popen
    started: float
    ended: float | None = None
    result: dict | None = None


def start_ingest(path: Path, data_dir: Path) -> IngestRun:
    env = {**os.environ, "KUNSKAPSBANK_DATA": str(data_dir)}
    proc = subprocess.Popen([*kunskapsbank(), "ingest", str(path), "--json"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    return IngestRun(proc, time.monotonic())


def watch_ingest(run: IngestRun) -> None:
    out, _ = run.proc.communicate()
    run.ended = time.monotonic()
    try:
        run.result = json.loads(out or b"{}")
    except ValueError:
        run.result = {}


# -- main ------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Lasttest av /api/search (bara mot den egna datorn).")
    p.add_argument("--url", default="http://127.0.0.1:8000", help="serverns adress (bara 127.0.0.1/localhost)")
    p.add_argument("--clients", type=int, default=20, help="samtidiga klienter (standard 20)")
    p.add_argument("--duration", type=float, default=20.0, help="längsta körtid i sekunder (standard 20)")
    p.add_argument("--requests", type=int, help="sluta efter så här många anrop totalt")
    p.add_argument("--limit", type=int, default=10, help="träffar per anrop")
    p.add_argument("--uncached", action="store_true",
                   help="variera sidstorleken så att motorns resultatcache inte kan svara (mäter riktiga sökningar)")
    p.add_argument("--timeout", type=float, default=30.0, help="tidsgräns per anrop i sekunder")
    p.add_argument("--queries", type=Path, default=QUERIES_FILE, help="YAML med frågor (bench/search_queries.yaml)")
    p.add_argument("--token", default=os.environ.get("KUNSKAPSBANK_TOKEN"),
                   help="API-nyckel (Authorization: Bearer), för att även söka i interna dokument")
    p.add_argument("--serve", action="store_true", help="starta `kunskapsbank serve` för körningen")
    p.add_argument("--workers", type=int, default=1, help="serverprocesser för --serve (standard 1)")
    p.add_argument("--port", type=int, help="port för --serve (standard: en ledig port)")
    p.add_argument("--data-dir", type=Path, help="datakatalog för --serve och --ingest-during")
    p.add_argument("--ingest-during", type=Path, metavar="SÖKVÄG",
                   help="kör `kunskapsbank ingest SÖKVÄG` mot --data-dir medan lasten pågår")
    p.add_argument("--json", action="store_true", help="skriv resultatet som JSON")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    if (args.serve or args.ingest_during) and not args.data_dir:
        p.error("--serve och --ingest-during kräver --data-dir")
    if args.clients < 1 or args.duration <= 0:
        p.error("--clients och --duration måste vara positiva")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server = None
    if args.serve:
        port = args.port or free_port()
        base_url = f"http://127.0.0.1:{port}"
    else:
        parts = urlsplit(args.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            print(f"Ogiltig adress: {args.url}", file=sys.stderr)
            return 2
        if not is_loopback(parts.hostname):
            print(f"Vägrar: {parts.hostname} är inte den egna datorn. Lasttest körs bara mot 127.0.0.1/localhost.",
                  file=sys.stderr)
            return 2
        base_url = f"{parts.scheme}://{parts.netloc}"
    queries = load_queries(args.queries)
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"load_search-server-{os.getpid()}.log"
    ingest: IngestRun | None = None
    watcher: threading.Thread | None = None
    try:
        if args.serve:
            args.data_dir.mkdir(parents=True, exist_ok=True)
            server = start_server(args.data_dir.resolve(), port, log, args.workers)
        health_before = wait_healthy(base_url, 90 if server else 10, server)

        recorder, stop, budget = Recorder(), threading.Event(), Budget(args.requests)
        threads = [threading.Thread(target=client_loop, daemon=True,
                                    args=(base_url, queries, args.seed * 1000 + n, stop, budget, recorder, headers,
                                          args.limit, args.timeout, args.uncached))
                   for n in range(args.clients)]
        started = time.monotonic()
        if args.ingest_during:
            ingest = start_ingest(args.ingest_during, args.data_dir.resolve())
            watcher = threading.Thread(target=watch_ingest, args=(ingest,), daemon=True)
            watcher.start()
        for thread in threads:
            thread.start()
        deadline = started + args.duration
        while time.monotonic() < deadline and any(t.is_alive() for t in threads):
            time.sleep(0.05)
        stop.set()
        for thread in threads:
            thread.join(args.timeout + 5)
        ended = time.monotonic()
        health_after = wait_healthy(base_url, 10, server)
    finally:
        if ingest is not None and ingest.proc.poll() is None:
            # the load run is over; let the ingest finish on its own (it is the caller's data), but say so
            print(f"(inläsningen pågår fortfarande, pid {ingest.proc.pid})", file=sys.stderr)
        if server is not None:
            stop_process(server)

    samples = recorder.samples
    report = {
        "url": base_url,
        "clients": args.clients,
        "queries": len(queries),
        "uncached": args.uncached,
        "server": {"before": health_before, "after": health_after},
        "all": summarise(samples, ended - started),
    }
    if ingest is not None:
        ingest_end = ingest.ended or ended
        during = [s for s in samples if s.at <= ingest_end]
        after = [s for s in samples if s.at > ingest_end]
        report["during_ingest"] = summarise(during, min(ingest_end, ended) - started)
        if after:
            report["after_ingest"] = summarise(after, ended - ingest_end)
        result = ingest.result or {}
        report["ingest"] = {
            "path": str(args.ingest_during),
            "finished": ingest.ended is not None,
            "seconds": round((ingest.ended or ended) - ingest.started, 1),
            "ingested": len(result.get("ingested", [])),
            "failed": len(result.get("failed", [])),
            "passages": result.get("passages"),
        }
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print_report(report)
    return 0 if report["all"]["errors"] == 0 else 1


def print_report(report: dict) -> None:
    before, after = report["server"]["before"], report["server"]["after"]
    print(f"server {report['url']}: {before.get('documents')} documents, {before.get('passages')} passages before; "
          f"{after.get('documents')} / {after.get('passages')} after; index in sync after: "
          f"{after.get('index_in_sync')}")
    cache = "result cache defeated (--uncached)" if report["uncached"] else "repeated queries may hit the result cache"
    print(f"{report['clients']} clients, {report['queries']} queries in the mix (bench/search_queries.yaml), {cache}")
    if "ingest" in report:
        i = report["ingest"]
        state = "finished" if i["finished"] else "still running at the end"
        print(f"ingest of {i['path']}: {state} after {i['seconds']} s; {i['ingested']} ingested, {i['failed']} failed, "
              f"{i['passages']} passages")
    print()
    print(f"{'phase':16} {'requests':>8} {'errors':>6} {'0 hits':>6} {'s':>6} {'req/s':>7} {'p50 ms':>8} "
          f"{'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for phase in ("all", "during_ingest", "after_ingest"):
        if phase not in report:
            continue
        s = report[phase]
        print(f"{phase:16} {s['requests']:>8} {s['errors']:>6} {s['zero_hits']:>6} {s['seconds']:>6} "
              f"{s['per_second']:>7} {s['p50_ms']:>8} {s['p95_ms']:>8} {s['p99_ms']:>8} {s['max_ms']:>8}")
    kinds = report["all"]["error_kinds"]
    if kinds:
        print(f"errors: {', '.join(kinds)}")


if __name__ == "__main__":
    sys.exit(main())
