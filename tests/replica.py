"""``make test-replica``: HQ reads on a real streaming replica.

    .venv/bin/python -m tests.replica [pytest args]

Starts a PostgreSQL 15 primary (initdb, in a temporary folder, on a free loopback port) and a hot
standby streaming from it (``pg_basebackup -R``), then runs tests/hq_reports/test_replica.py with
``DATABASE_URL`` on the primary and ``DATABASE_REPLICA_URL`` on the standby: pytest-django makes
the test database on the primary and the standby receives it like everything else. Both servers
are stopped and their folder removed at the end. Skipped, saying so, without the binaries.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from tests import servers

TESTS = ["tests/hq_reports/test_replica.py"]


def main(argv: list[str]) -> int:
    missing = servers.postgres_missing()
    if missing:
        print(f"replica run skipped: {missing}")
        return 0
    started = time.monotonic()
    with servers.streaming_replica(database="crm_replica") as pair:
        print(f"primary {pair.primary_url}, streaming replica {pair.replica_url} ({time.monotonic() - started:.1f} s)")
        env = {**os.environ, "DATABASE_URL": pair.primary_url, "DATABASE_REPLICA_URL": pair.replica_url}
        code = subprocess.call(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *argv, *TESTS],
            cwd=servers.REPO,
            env=env,
            stdin=subprocess.DEVNULL,
        )

    print(f"replica run: pytest exit {code} in {time.monotonic() - started:.0f} s")
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
