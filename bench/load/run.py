"""One load run: gunicorn as deployed (deploy/gunicorn.conf.py, DEBUG=0) and locust against it.

    DATABASE_URL=postgresql://.../crm_load .venv/bin/python -m bench.load.run [--minutes 10] [--users 200]

Starts gunicorn on a loopback port (``--workers``, default 2 × cores + 1 as deployed; persistent
connections, ``DB_CONN_MAX_AGE=60``; plain HTTP, so the HTTPS redirect is off), runs
``bench/load/locustfile.py`` headless for ``--minutes`` with ``--users`` store users (+ 2 HQ
users) spawned at 20 a second, samples the workers' memory (RSS, USS) and CPU and the database's
connections every 5 s, then stops gunicorn (by its pid) and prints locust's figures per endpoint:
requests, failures, req/s, median, p95 and p99. Writes bench/results/load.json and locust's CSV
files (bench/results/load_*.csv). Run ``bench.load.setup`` first.

CPU is reported in cores used over the steady part of the run (after its first 30 s), per process
group: the gunicorn workers, locust, and with the options below the Celery worker, beat, PgBouncer
and the load database's PostgreSQL backends. A group's CPU counts the processes that have exited
since (a gunicorn worker recycled after ``max_requests``, a backend closed), not only those alive
at the last sample.

``--pgbouncer`` puts PgBouncer (session mode, tests/servers.py) between every process and the
database and samples its pools (clients, server connections in use) with the database's own
count; ``--celery-workers N`` also runs a Celery worker with N processes and beat (every periodic
job, per store) through it, on ``LOAD_BROKER``. The figures then say how many server connections
session mode needs for that load. The Celery processes log to bench/results/load_celery.log
(``--celery-log-level INFO``: with the number of tasks each dispatch sent, summed per job in the
results); a Redis broker's queue lengths are sampled every 5 s and kept as a series.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter

from bench import common
from bench.load.setup import WORLD


def _get(port: int, host: str, token: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/me")
    request.add_header("Host", host)
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status


QUEUES = ("celery", "webhooks", "batch")


def _queued(broker: str) -> dict[str, int]:
    """Messages waiting in each queue (a Redis broker's lists), to see whether the workers keep up."""
    if not broker.startswith("redis"):
        return {}
    import redis

    client = redis.Redis.from_url(broker)
    try:
        return {queue: int(client.llen(queue)) for queue in QUEUES}
    finally:
        client.close()


def tree_cpu_seconds(process) -> float:
    """CPU seconds (user + system) used by ``process`` and its descendants since they started.

    A child that has exited and been waited for is no longer among ``children()``: the kernel has
    added its times to its parent's ``children_user``/``children_system``, which are counted here,
    so the total never drops when a gunicorn worker is recycled or a pool process replaced."""
    import psutil

    try:
        times = process.cpu_times()
        children = process.children()
    except psutil.NoSuchProcess:
        return 0.0
    own = times.user + times.system + times.children_user + times.children_system
    return own + sum(tree_cpu_seconds(child) for child in children)


class CpuMeter:
    """CPU seconds used by a set of processes that is not a tree of ours (the PostgreSQL backends of
    one database: the postmaster's other children belong to other databases) since the first call.

    Each process is followed by pid and start time: one that has exited keeps what it had used when
    last seen, one first seen after the first call (it started since) counts from zero."""

    def __init__(self) -> None:
        self.first: dict[tuple[int, float], float] = {}
        self.last: dict[tuple[int, float], float] = {}
        self.calls = 0

    def seconds(self, pids) -> float:
        import psutil

        for pid in pids:
            try:
                process = psutil.Process(pid)
                with process.oneshot():
                    key = (process.pid, process.create_time())
                    times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            used = times.user + times.system
            self.first.setdefault(key, used if self.calls == 0 else 0.0)
            self.last[key] = used
        self.calls += 1
        return sum(self.last[key] - self.first[key] for key in self.last)


def cores_used(samples: list[dict], key: str) -> float | None:
    """Cores used between the first and the last of ``samples`` by the group ``key`` of their
    ``cpu_s``; None where the group was not sampled."""
    timed = [s for s in samples if key in s["cpu_s"]]
    if len(timed) < 2 or timed[-1]["t"] <= timed[0]["t"]:
        return None
    return round((timed[-1]["cpu_s"][key] - timed[0]["cpu_s"][key]) / (timed[-1]["t"] - timed[0]["t"]), 2)


DISPATCHED = re.compile(r"job (\S+) dispatched to (\d+) stores")


def dispatches(log_text: str) -> dict[str, dict[str, int]]:
    """Per job, beat's dispatches and the tasks they sent, from the worker's INFO lines."""
    runs: Counter = Counter()
    tasks: Counter = Counter()
    for name, sent in DISPATCHED.findall(log_text):
        runs[name] += 1
        tasks[name] += int(sent)
    return {name: {"dispatches": runs[name], "tasks": tasks[name]} for name in sorted(runs)}


def _rows(path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def main(argv: list[str]) -> int:

    parser = argparse.ArgumentParser(prog="python -m bench.load.run", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--workers", type=int, default=multiprocessing.cpu_count() * 2 + 1)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread when > 1)")
    parser.add_argument("--pgbouncer", action="store_true", help="every process through PgBouncer in session mode")
    parser.add_argument("--celery-workers", type=int, default=0, help="also a Celery worker with N processes, and beat")
    parser.add_argument(
        "--celery-log-level",
        default="WARNING",
        help="the Celery processes' log level (INFO counts the tasks each dispatch sent)",
    )
    args = parser.parse_args(argv)
    common.setup_django()  # this process only (results and the machine's description)
    with contextlib.ExitStack() as stack:
        bouncer = None
        if args.pgbouncer:
            from tests.servers import pgbouncer

            bouncer = stack.enter_context(pgbouncer(common.database_url(), mode="session", pool_size=200))
        return _run(args, stack, bouncer)


def _run(args, stack, bouncer) -> int:
    import psutil

    from bench.routing import _free_port

    world = json.loads(WORLD.read_text())
    port = _free_port()
    log = tempfile.NamedTemporaryFile(prefix="load-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    env = dict(
        os.environ,
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef"),
        DB_CONN_MAX_AGE="60",
        WEB_CONCURRENCY=str(args.workers),
        GUNICORN_THREADS=str(args.threads),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_ACCESS_LOG="/dev/null",
        GUNICORN_LOG_LEVEL="warning",
        GUNICORN_WORKER_TMP_DIR="/dev/shm",  # noqa: S108
        LOG_LEVEL="WARNING",
        CELERY_BROKER_URL=os.environ.get("LOAD_BROKER", "redis://127.0.0.1:6379/7"),
        CRM_RUN_DIR=os.path.join(tempfile.gettempdir(), "crm-load-run"),
    )
    if bouncer is not None:
        env["DATABASE_URL"] = bouncer.url
        env["DATABASE_POOL_MODE"] = "session"
    helpers = []
    os.makedirs(env["CRM_RUN_DIR"], exist_ok=True)
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    celery_log_path = common.RESULTS / "load_celery.log"
    celery_log = stack.enter_context(open(celery_log_path, "wb"))  # noqa: SIM115 - closed by the stack
    celery_env = dict(env, LOG_LEVEL=args.celery_log_level.upper())
    if args.celery_workers:
        for command in (
            # One worker on every queue (default, webhooks, batch): the load machine has no room for
            # the three kinds of worker deployed apart.
            [
                "worker",
                "-Q",
                "celery,webhooks,batch",
                "--concurrency",
                str(args.celery_workers),
                "--loglevel",
                args.celery_log_level,
            ],
            [
                "beat",
                "--loglevel",
                args.celery_log_level,
                "--schedule",
                os.path.join(env["CRM_RUN_DIR"], "load-beat-schedule"),
            ],
        ):
            helpers.append(
                subprocess.Popen(
                    [str(common.REPO / ".venv" / "bin" / "celery"), "-A", "config", *command],
                    cwd=common.REPO,
                    env=celery_env,
                    stdout=celery_log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def stop_helpers():
        for helper in helpers:
            if helper.poll() is None:
                os.killpg(helper.pid, signal.SIGTERM)
                helper.wait(60)

    stack.callback(stop_helpers)
    server = subprocess.Popen(
        [str(common.REPO / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-c", "deploy/gunicorn.conf.py"],
        cwd=common.REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    samples: list[dict] = []
    stop = threading.Event()
    locust: list[subprocess.Popen] = []
    backends = CpuMeter()

    def sample():
        import psycopg

        while not stop.wait(5):
            try:
                workers = psutil.Process(server.pid).children()
                memory = [w.memory_full_info() for w in workers]
                cpu = {"gunicorn": tree_cpu_seconds(psutil.Process(server.pid))}
                for name, helper in zip(("celery_worker", "beat"), helpers, strict=False):
                    cpu[name] = tree_cpu_seconds(psutil.Process(helper.pid))
                if bouncer is not None:
                    cpu["pgbouncer"] = tree_cpu_seconds(psutil.Process(bouncer.process.pid))
                if locust:
                    cpu["locust"] = tree_cpu_seconds(psutil.Process(locust[0].pid))
                with psycopg.connect(common.database_url(), autocommit=True) as conn:
                    connections, busy, pids = conn.execute(
                        "SELECT count(*) - 1, count(*) FILTER (WHERE state <> 'idle') - 1, "
                        "array_agg(pid) FILTER (WHERE pid <> pg_backend_pid()) "
                        "FROM pg_stat_activity WHERE datname = current_database()"
                    ).fetchone()
                cpu["postgres_backends"] = backends.seconds(pids or [])
                pools = {}
                if bouncer is not None:
                    # database, user, cl_active, cl_waiting, cl_active_cancel_req, cl_waiting_cancel_req,
                    # sv_active, sv_active_cancel, sv_being_canceled, sv_idle, sv_used, sv_tested, sv_login
                    for row in bouncer.admin("SHOW POOLS"):
                        if row[0] == "pgbouncer":
                            continue
                        pools["clients"] = pools.get("clients", 0) + int(row[2]) + int(row[3])
                        pools["clients_waiting"] = pools.get("clients_waiting", 0) + int(row[3])
                        pools["servers"] = pools.get("servers", 0) + sum(int(v) for v in row[6:13])
                samples.append(
                    {
                        "t": time.monotonic(),
                        "queued": _queued(env["CELERY_BROKER_URL"]) if args.celery_workers else {},
                        "rss_mb": [round(m.rss / 2**20) for m in memory],
                        "uss_mb": [round(m.uss / 2**20) for m in memory],
                        "cpu_s": cpu,
                        "load": os.getloadavg()[0],
                        "db_connections": connections,
                        "db_connections_busy": busy,
                        "pool": pools,
                    }
                )
            except (psutil.Error, OSError, subprocess.CalledProcessError, psycopg.Error):
                continue

    prefix = common.RESULTS / "load"
    store = world["stores"][0]
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _get(port, store["host"], store["users"][0]["token"]) == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not answer")
            time.sleep(0.5)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.monotonic()
        locust.append(
            subprocess.Popen(
                [
                    str(common.REPO / ".venv" / "bin" / "locust"),
                    "-f",
                    "bench/load/locustfile.py",
                    "--host",
                    f"http://127.0.0.1:{port}",
                    "--headless",
                    "-u",
                    str(args.users + 2),
                    "-r",
                    "20",
                    "-t",
                    f"{int(args.minutes * 60)}s",
                    "--csv",
                    str(prefix),
                    "--only-summary",
                    "--world",
                    str(WORLD),
                    "--loglevel",
                    "WARNING",
                ],
                cwd=common.REPO,
            )
        )
        code = locust[0].wait()
        seconds = time.monotonic() - started
    finally:
        stop.set()
        if locust and locust[0].poll() is None:
            locust[0].terminate()
            locust[0].wait(60)
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(60)
    stats = _rows(f"{prefix}_stats.csv")
    failures = _rows(f"{prefix}_failures.csv")
    total = next(r for r in stats if r["Name"] == "Aggregated")
    steady = [s for s in samples if s["t"] - started > 30]
    cpu = {
        group: cores_used(steady, group)
        for group in ("gunicorn", "celery_worker", "beat", "pgbouncer", "postgres_backends", "locust")
    }
    results = {
        "minutes": args.minutes,
        "users": args.users,
        "hq_users": 2,
        "stores": len(world["stores"]),
        "gunicorn_workers": args.workers,
        "gunicorn_threads": args.threads,
        "locust_exit": code,
        "seconds": round(seconds),
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "req_per_s": round(float(total["Requests/s"]), 1),
        "median_ms": float(total["Median Response Time"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
        "endpoints": [
            {
                "name": f"{r['Type']} {r['Name']}",
                "requests": int(r["Request Count"]),
                "failures": int(r["Failure Count"]),
                "req_per_s": round(float(r["Requests/s"]), 2),
                "median_ms": float(r["Median Response Time"]),
                "p95_ms": float(r["95%"]),
                "p99_ms": float(r["99%"]),
            }
            for r in stats
            if r["Name"] != "Aggregated"
        ],
        "failure_kinds": [
            {"name": f["Name"], "error": f["Error"][:200], "count": int(f["Occurrences"])} for f in failures
        ],
        "worker_rss_mb_max": max((max(s["rss_mb"]) for s in samples if s["rss_mb"]), default=None),
        "worker_uss_mb_max": max((max(s["uss_mb"]) for s in samples if s["uss_mb"]), default=None),
        "worker_rss_mb_last": samples[-1]["rss_mb"] if samples else None,
        "workers_cpu_cores_used": cpu["gunicorn"],
        "cpu_cores_used": {group: cores for group, cores in cpu.items() if cores is not None},
        "load_average_max": round(max((s["load"] for s in samples), default=0), 1),
        "db_connections_max": max((s["db_connections"] for s in samples), default=None),
        "db_connections_busy_max": max((s["db_connections_busy"] for s in samples), default=None),
        "db_connections_busy_mean": round(sum(s["db_connections_busy"] for s in steady) / len(steady), 1)
        if steady
        else None,
        "pgbouncer": args.pgbouncer,
        "celery_workers": args.celery_workers,
        "pool_clients_max": max((s["pool"].get("clients", 0) for s in samples), default=None),
        "pool_clients_waiting_max": max((s["pool"].get("clients_waiting", 0) for s in samples), default=None),
        "pool_server_connections_max": max((s["pool"].get("servers", 0) for s in samples), default=None),
        "celery_queued_max": {queue: max((s["queued"].get(queue, 0) for s in samples), default=0) for queue in QUEUES}
        if args.celery_workers
        else {},
        "celery_queued_last": samples[-1]["queued"] if samples and args.celery_workers else {},
        "celery_queued_samples": [
            {"s": round(s["t"] - started), **s["queued"], "load": round(s["load"], 1)} for s in samples if s["queued"]
        ],
        "celery_dispatches": dispatches(celery_log_path.read_text(errors="replace")) if args.celery_workers else {},
    }
    common.print_table(
        ["endpoint", "requests", "failures", "req/s", "median ms", "p95 ms", "p99 ms"],
        [
            [e["name"], e["requests"], e["failures"], e["req_per_s"], e["median_ms"], e["p95_ms"], e["p99_ms"]]
            for e in results["endpoints"]
        ]
        + [
            [
                "all",
                results["requests"],
                results["failures"],
                results["req_per_s"],
                results["median_ms"],
                results["p95_ms"],
                results["p99_ms"],
            ]
        ],
    )
    summary = {k: v for k, v in results.items() if k not in {"endpoints", "celery_queued_samples"}}
    print(json.dumps(summary, indent=1, ensure_ascii=False))
    common.write_results("load", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
