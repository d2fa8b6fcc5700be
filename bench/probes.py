"""What beat's dispatch costs with probes: each probed job's statement over every store, timed.

    DATABASE_URL=postgresql://.../<a database with stores> .venv/bin/python -m bench probes [--runs 20]

For every job declared with a ``due`` probe, ``shared_apps.platform.jobs.probe`` is run over every
active store ``--runs`` times (the stores as they are: idle or not), and the time per dispatch, per
store and per statement (``PROBE_CHUNK`` stores) is reported with how many stores were found due.
A dispatch without a probe sends one task per store instead.
Results: bench/results/probes.json.
"""

from __future__ import annotations

import argparse
import time

from bench import common


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench probes", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    common.setup_django()
    from django.utils import timezone

    from shared_apps.platform import jobs

    stores = jobs.active_stores()
    results: dict = {"stores": len(stores), "chunk": jobs.PROBE_CHUNK, "jobs": {}}
    for job in jobs.all_jobs():
        if job.due is None:
            continue
        seconds, due = [], 0
        for _run in range(args.runs):
            started = time.perf_counter()
            found, _checked_at = jobs.probe(job, stores, at=timezone.now())
            seconds.append(time.perf_counter() - started)
            due = len(found)
        summary = common.summary(seconds)
        results["jobs"][job.name] = {
            "due": due,
            "p50_ms": round(summary["p50"] * 1000, 1),
            "p95_ms": round(summary["p95"] * 1000, 1),
            "per_store_ms": round(summary["p50"] * 1000 / max(len(stores), 1), 3),
        }
        print(f"  {job.name:32} {results['jobs'][job.name]}", flush=True)
    common.write_results("probes", results)
    return 0
