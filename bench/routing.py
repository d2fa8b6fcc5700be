"""Requests per second of ``GET /api/v1/me`` on a store host with 1 store vs 1,000 stores present.

The app runs under gunicorn (``config.wsgi``, 2 sync workers, DEBUG=0) on 127.0.0.1; this process
loads it with a bounded generator: a few threads, each with an http.client connection (re-opened
when the server closes it, as gunicorn's sync workers do after every response), sending
``Host: <subdomain>.<BASE_DOMAIN>`` and a bearer token, for a fixed number of seconds per round.
Every response must be 200. Routing must not slow down with more stores: target ratio >= 0.95.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time

from bench import common

PROBE_SUBDOMAIN = "routing-probe"
PATH = "/api/v1/me"
MAX_ROUND_SECONDS = 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def probe_store_and_token() -> tuple[str, str]:
    from shared_apps.accounts.services import token_create
    from tenants.models import Store
    from tenants.provisioning import create_store_now
    from tenants.routing import store_host

    owner = common.bench_owner()
    if not Store.objects.filter(subdomain=PROBE_SUBDOMAIN).exists():
        create_store_now(name="Routing probe", subdomain=PROBE_SUBDOMAIN, owner=owner, channels=["tmall"])
    _token, value = token_create(user=owner, name="routing bench", ttl_days=1)
    return store_host(PROBE_SUBDOMAIN), value


class Server:
    """gunicorn serving config.wsgi on a loopback port, stopped by its own pid."""

    def __init__(self, workers: int):
        self.port = _free_port()
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        env = dict(os.environ)
        env.update(
            DEBUG="0",
            SECRET_KEY=env.get("BENCH_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef"),
            CELERY_BROKER_URL="memory://",
            LOG_LEVEL="WARNING",
            DJANGO_SETTINGS_MODULE="config.settings",
        )
        self.proc = subprocess.Popen(
            [
                str(common.REPO / ".venv" / "bin" / "gunicorn"),
                "config.wsgi",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
            ],
            cwd=common.REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )

    def wait_ready(self, host: str, token: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.output()}")
            try:
                status = _one_request(self.port, host, token)
            except OSError:
                time.sleep(0.2)
                continue
            if status != 200:
                raise RuntimeError(f"GET {PATH} on {host} answered {status}, expected 200")
            return
        raise RuntimeError("gunicorn did not answer in time")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def _headers(host: str, token: str) -> dict[str, str]:
    return {"Host": host, "Authorization": f"Bearer {token}", "Accept": "application/json"}


def _one_request(port: int, host: str, token: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", PATH, headers=_headers(host, token))
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def load(port: int, host: str, token: str, *, seconds: float, threads: int) -> dict:
    """Send requests from ``threads`` threads for ``seconds`` (capped at MAX_ROUND_SECONDS)."""
    seconds = min(seconds, MAX_ROUND_SECONDS)
    headers = _headers(host, token)
    lock = threading.Lock()
    totals = {"ok": 0, "errors": 0}
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        ok = errors = 0
        mine: list[float] = []
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", PATH, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append(time.perf_counter() - started)
            if response.status == 200:
                ok += 1
            else:
                errors += 1
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.close()
        with lock:
            totals["ok"] += ok
            totals["errors"] += errors
            latencies.extend(mine)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "requests": totals["ok"],
        "errors": totals["errors"],
        "seconds": round(elapsed, 2),
        "rps": round(totals["ok"] / elapsed, 1),
        "latency_p50_ms": round(common.percentile(latencies, 50) * 1000, 2) if latencies else None,
        "latency_p95_ms": round(common.percentile(latencies, 95) * 1000, 2) if latencies else None,
    }


def measure(host: str, token: str, *, rounds: int, seconds: float, threads: int, workers: int) -> dict:
    server = Server(workers)
    try:
        server.wait_ready(host, token)
        load(server.port, host, token, seconds=2, threads=threads)  # warm-up: imports, caches
        results = [load(server.port, host, token, seconds=seconds, threads=threads) for _ in range(rounds)]
    finally:
        server.stop()
    for each in results:
        if each["errors"]:
            raise RuntimeError(f"{each['errors']} request(s) failed or were not 200")
    return {"rounds": results, "rps_median": statistics.median(r["rps"] for r in results)}


def set_store_count(target: int) -> dict:
    if common.store_count() > target:
        return {"dropped": common.trim_stores(target, keep=(PROBE_SUBDOMAIN,))}
    return common.ensure_stores(target)


def run(levels: list[int], rounds: int, seconds: float, threads: int, workers: int, reset: bool) -> dict:
    common.prepare(reset=reset)
    host, token = probe_store_and_token()
    results: dict = {
        "host": host,
        "path": PATH,
        "gunicorn_workers": workers,
        "client_threads": threads,
        "round_seconds": seconds,
        "levels": [],
    }
    for level in levels:
        print(f"\n{level} store(s) present:", flush=True)
        population = set_store_count(level)
        entry = {"stores_present": common.store_count(), "population": population}
        entry.update(measure(host, token, rounds=rounds, seconds=seconds, threads=threads, workers=workers))
        rps = ", ".join(f"{r['rps']:.0f}" for r in entry["rounds"])
        print(f"  requests/s per round: {rps}; median {entry['rps_median']:.0f}", flush=True)
        results["levels"].append(entry)
    fewest = min(e["stores_present"] for e in results["levels"])
    most = max(e["stores_present"] for e in results["levels"])
    base = statistics.fmean(e["rps_median"] for e in results["levels"] if e["stores_present"] == fewest)
    top = statistics.fmean(e["rps_median"] for e in results["levels"] if e["stores_present"] == most)
    results["ratio"] = round(top / base, 3) if base else None
    print(f"\nGET {PATH} on {host}: gunicorn -w {workers} (sync, DEBUG=0), {threads} client threads, loopback")
    print(f"{rounds} rounds of {seconds:g} s per level after a 2 s warm-up; every response 200\n")
    rows = [
        [
            e["stores_present"],
            f"{e['rps_median']:.0f}",
            " / ".join(f"{r['rps']:.0f}" for r in e["rounds"]),
            f"{statistics.median(r['latency_p50_ms'] for r in e['rounds']):.1f}",
            sum(r["requests"] for r in e["rounds"]),
        ]
        for e in results["levels"]
    ]
    common.print_table(["stores", "req/s (median)", "req/s per round", "latency p50 ms", "requests"], rows)
    if fewest != most:
        print(f"\nratio req/s {most} stores / {fewest} store(s): {results['ratio']} (target >= 0.95)")
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench routing", description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,1000", help="stores present, in order (default 1,1000)")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per level (default 3)")
    parser.add_argument("--seconds", type=float, default=10, help=f"seconds per round (max {MAX_ROUND_SECONDS})")
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    args = parser.parse_args(argv)
    common.setup_django()
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    results = run(levels, args.rounds, args.seconds, args.threads, args.workers, args.reset)
    common.write_results("routing", results)
    return 0
