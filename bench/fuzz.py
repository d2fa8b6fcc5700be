"""The longer API fuzzing profile: the suite's schemathesis tests with more generated requests.

    DATABASE_URL=postgresql://.../crm_fuzz .venv/bin/python -m bench.fuzz [--examples 25] [--seed N] [-k EXPR]

Runs ``tests/api_fuzz/`` (every operation of the store and HQ documents, as
each role; checks: no 5xx, bodies match the document, problem+json on errors) with
``FUZZ_EXAMPLES`` generated requests per operation and role instead of the suite's 2, on two
pytest workers, and prints pytest's summary. ``--seed`` draws other requests than the suite's
fixed draw (any failure prints the seed and the hypothesis blob to reproduce it). The test
database is ``test_<name of DATABASE_URL's database>``, made and dropped by pytest.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from bench import common


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=25, help="generated requests per operation and role")
    parser.add_argument("--seed", type=int, default=0, help="0: the suite's fixed draw")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("-k", dest="select", default="", help="pytest -k expression (operations, roles)")
    args = parser.parse_args(argv)
    common.database_url()
    env = dict(os.environ, FUZZ_EXAMPLES=str(args.examples), FUZZ_SEED=str(args.seed))
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        "--tb=short",
        "-rf",
        "-n",
        str(args.workers),
        "--dist",
        "load",
        "tests/api_fuzz/",
    ]
    if args.select:
        command += ["-k", args.select]
    started = time.perf_counter()
    code = subprocess.call(command, cwd=common.REPO, env=env)
    print(f"fuzzing with {args.examples} example(s) per operation and role: {time.perf_counter() - started:.0f} s")
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
