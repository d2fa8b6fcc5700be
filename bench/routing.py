"""Requests per second of ``GET /api/v1/me`` on a store host with 1 store vs 1,000 stores present.

Two databases on the same server: the one of DATABASE_URL grown to ``--stores`` stores, and a
sibling ``<name>_one`` made for the run with a single store (dropped at the end). Each is served by
its own gunicorn (``config.wsgi``, 2 sync workers, DEBUG=0) on 127.0.0.1, and the measured rounds
alternate between the two (A B, B A, ...), so load from other programs on the machine hits both
alike. The load comes from this process: a few threads, each with an http.client connection
(re-opened when the server closes it, as gunicorn's sync workers do after every response), sending
``Host: <subdomain>.<BASE_DOMAIN>`` and a bearer token, for a fixed number of seconds per round.
Every response must be 200. Besides requests per second, the CPU time the gunicorn workers spend
per request is reported (less sensitive to a busy machine). Target: ratio >= 0.95.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from bench import common

PROBE_SUBDOMAIN = "routing-probe"
PATH = "/api/v1/me"
MAX_ROUND_SECONDS = 20
BASELINE_SUFFIX = "_one"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def probe_store_and_token() -> tuple[str, str]:
    """The store the load is sent to (made through the real provisioning) and a bearer token."""
    from shared_apps.accounts.services import token_create
    from tenants.models import Store
    from tenants.provisioning import create_store_now
    from tenants.routing import store_host

    owner = common.bench_owner()
    if not Store.objects.filter(subdomain=PROBE_SUBDOMAIN).exists():
        create_store_now(name="Routing probe", subdomain=PROBE_SUBDOMAIN, owner=owner, channels=["tmall"])
    _token, value = token_create(user=owner, name="routing bench", ttl_days=1)
    return store_host(PROBE_SUBDOMAIN), value


def _child_env(database_url: str, conn_max_age: int | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, CELERY_BROKER_URL="memory://", DJANGO_SETTINGS_MODULE="config.settings")
    if conn_max_age is not None:
        env.update(DJANGO_SETTINGS_MODULE="bench.settings_persistent", BENCH_CONN_MAX_AGE=str(conn_max_age))
    return env


def prepare_baseline(url: str) -> tuple[str, str]:
    """Create the one-store database (migrated, HQ rows, the probe store) in a child process."""
    common.recreate_database(url)
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "routing", "--probe-only"],
        cwd=common.REPO,
        env=_child_env(url),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise RuntimeError("could not prepare the one-store database")
    probe = json.loads(proc.stdout.strip().splitlines()[-1])
    return probe["host"], probe["token"]


class Server:
    """gunicorn serving config.wsgi on a loopback port, stopped by its own pid."""

    def __init__(self, workers: int, database_url: str, conn_max_age: int | None = None):
        self.port = _free_port()
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        env = _child_env(database_url, conn_max_age)
        env.update(
            DEBUG="0",
            SECURE_SSL_REDIRECT="0",  # the bench speaks plain HTTP to 127.0.0.1
            SECRET_KEY=env.get("BENCH_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef"),
            LOG_LEVEL="WARNING",
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

    def wait_ready(self, host: str, token: str, timeout: float = 60) -> None:
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

    def worker_cpu_seconds(self) -> float:
        import psutil

        total = 0.0
        for child in psutil.Process(self.proc.pid).children():
            times = child.cpu_times()
            total += times.user + times.system
        return total

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


def measured_round(server: Server, host: str, token: str, *, seconds: float, threads: int) -> dict:
    cpu_before = server.worker_cpu_seconds()
    result = load(server.port, host, token, seconds=seconds, threads=threads)
    if result["errors"]:
        raise RuntimeError(f"{result['errors']} request(s) failed or were not 200: {server.output()}")
    cpu = server.worker_cpu_seconds() - cpu_before
    result["worker_cpu_ms_per_request"] = round(cpu * 1000 / max(result["requests"], 1), 2)
    return result


def set_store_count(target: int) -> dict:
    if common.store_count() > target:
        return {"dropped": common.trim_stores(target, keep=(PROBE_SUBDOMAIN,))}
    return common.ensure_stores(target)


def run(
    stores: int, rounds: int, seconds: float, threads: int, workers: int, reset: bool, conn_max_age: int | None
) -> dict:
    common.prepare(reset=reset)
    many_host, many_token = probe_store_and_token()
    population = set_store_count(stores)
    baseline_url = common.sibling_database_url(BASELINE_SUFFIX)
    print(f"preparing the one-store database {baseline_url.rsplit('/', 1)[-1]} ...", flush=True)
    one_host, one_token = prepare_baseline(baseline_url)
    setups = {
        "many": {"stores": common.store_count(), "host": many_host, "token": many_token, "url": common.database_url()},
        "one": {"stores": 1, "host": one_host, "token": one_token, "url": baseline_url},
    }
    servers: dict[str, Server] = {}
    per_round: dict[str, list[dict]] = {"many": [], "one": []}
    try:
        for key, setup in setups.items():
            servers[key] = Server(workers, setup["url"], conn_max_age)
        for key, setup in setups.items():
            servers[key].wait_ready(setup["host"], setup["token"])
            load(servers[key].port, setup["host"], setup["token"], seconds=3, threads=threads)  # warm-up
        for index in range(rounds):
            order = ("many", "one") if index % 2 == 0 else ("one", "many")
            for key in order:
                setup = setups[key]
                result = measured_round(servers[key], setup["host"], setup["token"], seconds=seconds, threads=threads)
                per_round[key].append(result)
            print(
                f"  round {index + 1}: {setups['many']['stores']} stores {per_round['many'][-1]['rps']:.0f} req/s, "
                f"1 store {per_round['one'][-1]['rps']:.0f} req/s",
                flush=True,
            )
    finally:
        for server in servers.values():
            server.stop()
        common.recreate_database(baseline_url, drop_only=True)

    pair_ratios = [m["rps"] / o["rps"] for m, o in zip(per_round["many"], per_round["one"], strict=True)]
    summary = {}
    for key in ("many", "one"):
        rows = per_round[key]
        summary[key] = {
            "stores": setups[key]["stores"],
            "rps_median": statistics.median(r["rps"] for r in rows),
            "cpu_ms_per_request_median": statistics.median(r["worker_cpu_ms_per_request"] for r in rows),
            "latency_p50_ms_median": statistics.median(r["latency_p50_ms"] for r in rows),
            "requests": sum(r["requests"] for r in rows),
            "rounds": rows,
        }
    ratio = round(statistics.median(pair_ratios), 3)
    cpu_ratio = round(summary["one"]["cpu_ms_per_request_median"] / summary["many"]["cpu_ms_per_request_median"], 3)
    print(f"\nGET {PATH} on {PROBE_SUBDOMAIN}.<BASE_DOMAIN>: gunicorn -w {workers} (sync, DEBUG=0) per database,")
    print(f"{threads} client threads on loopback, {rounds} alternating rounds of {seconds:g} s after a 3 s warm-up;")
    print("every response 200. cpu = gunicorn workers' CPU time per request.")
    if conn_max_age is None:
        print("Database connections: the project's settings (a new connection per request).\n")
    else:
        print(f"Database connections: kept for {conn_max_age} s (bench.settings_persistent).\n")
    table = [
        [
            s["stores"],
            f"{s['rps_median']:.1f}",
            " / ".join(f"{r['rps']:.0f}" for r in s["rounds"]),
            f"{s['cpu_ms_per_request_median']:.1f}",
            f"{s['latency_p50_ms_median']:.1f}",
            s["requests"],
        ]
        for s in (summary["one"], summary["many"])
    ]
    headers = ["stores", "req/s (median)", "req/s per round", "cpu ms/req", "latency p50 ms", "requests"]
    common.print_table(headers, table)
    print(f"\nratio req/s {summary['many']['stores']} stores / 1 store (median of per-round pairs): {ratio}")
    print(f"ratio of CPU per request, 1 store / {summary['many']['stores']} stores: {cpu_ratio}   (target >= 0.95)")
    return {
        "path": PATH,
        "conn_max_age": conn_max_age,
        "gunicorn_workers": workers,
        "client_threads": threads,
        "round_seconds": seconds,
        "population": population,
        "one_store": summary["one"],
        "many_stores": summary["many"],
        "pair_ratios": [round(r, 3) for r in pair_ratios],
        "ratio": ratio,
        "cpu_ratio": cpu_ratio,
    }


def probe_only() -> int:
    """In a child process: prepare DATABASE_URL for the one-store side and print the probe as JSON."""
    common.prepare(reset=False)
    host, token = probe_store_and_token()
    print(json.dumps({"host": host, "token": token}))
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench routing", description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=1000, help="stores in the DATABASE_URL database (default 1000)")
    parser.add_argument("--rounds", type=int, default=6, help="measured rounds per database (default 6)")
    parser.add_argument("--seconds", type=float, default=10, help=f"seconds per round (max {MAX_ROUND_SECONDS})")
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per database (default 2)")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    parser.add_argument(
        "--conn-max-age", type=int, help="keep database connections this many seconds (default: project settings)"
    )
    parser.add_argument("--probe-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    common.setup_django()
    if args.probe_only:
        return probe_only()
    results = run(args.stores, args.rounds, args.seconds, args.threads, args.workers, args.reset, args.conn_max_age)
    common.write_results("routing" if args.conn_max_age is None else "routing_conn_max_age", results)
    return 0
