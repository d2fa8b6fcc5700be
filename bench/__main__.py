"""Benchmarks of the foundation, run by hand (never part of the test suite).

    DATABASE_URL=postgresql://... .venv/bin/python -m bench <name> [options]

Names: provisioning, migrations, routing, customers, customer_import, pool_release, orders, kanban,
hq, insights, backups, leads, actionlog, automation, webhooks, probes, all.
``<name> --help`` lists the options. Each prints a table and writes bench/results/<name>.json.
The database of DATABASE_URL is changed (stores made and dropped; ``--reset`` recreates it): use
a throwaway one.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = (
    "provisioning",
    "migrations",
    "routing",
    "customers",
    "customer_import",
    "pool_release",
    "orders",
    "kanban",
    "hq",
    "insights",
    "backups",
    "leads",
    "actionlog",
    "automation",
    "webhooks",
    "probes",
)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0
    name, rest = argv[0], argv[1:]
    names = BENCHMARKS if name == "all" else (name,)
    for each in names:
        if each not in BENCHMARKS:
            print(f"unknown benchmark {each!r}; choose from {', '.join(BENCHMARKS)} or all", file=sys.stderr)
            return 2
    for each in names:
        print(f"=== bench {each}", flush=True)
        code = importlib.import_module(f"bench.{each}").main(rest)
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
