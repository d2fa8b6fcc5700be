"""Run the whole suite at another moment: ``pytest --clock=2027-02-28T23:30+08:00``.

The suite must hold on any date. With ``--clock`` (or ``CRM_TEST_CLOCK``) every process of the run
starts with the clock moved to that instant by time-machine, and the clock keeps ticking from
there, so a run that starts at 23:59 crosses local midnight (and, on 31 December, the year) while
it runs. Tests that travel on their own nest inside it as usual.

The application takes the current time only from Python (``django.utils.timezone.now``); no query
asks PostgreSQL for ``now()`` (``tests/test_architecture.py`` refuses it), so moving Python's clock
moves the application's.

``make test-dates`` runs the suite at each instant of ``INSTANTS``.
"""

from __future__ import annotations

import os
from datetime import datetime

import pytest

# The instants ``make test-dates`` runs at, each with why it is there.
INSTANTS = {
    # the last day of a short February, half an hour before local midnight (and the month end)
    "2027-02-28T23:30:00+08:00": "end of February, 23:30 in Shanghai",
    # one minute before the year ends in Shanghai: the run crosses midnight, the month and the year
    "2027-12-31T23:59:00+08:00": "New Year's Eve, 23:59 in Shanghai",
    # just after local midnight, while UTC is still on the previous day (and month)
    "2027-03-01T00:05:00+08:00": "00:05 on 1 March in Shanghai, 16:05 on 28 February in UTC",
    # an ordinary midday a few years on
    "2030-06-15T12:00:00+08:00": "midday, 15 June 2030",
}

_traveller = None


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        default=os.environ.get("CRM_TEST_CLOCK", ""),
        help="run the suite with the clock moved to this ISO 8601 instant (with an offset); it keeps ticking",
    )


def parse_instant(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"--clock: not an ISO 8601 instant: {value!r}") from None
    if moment.tzinfo is None:
        raise pytest.UsageError(f"--clock: give an offset, e.g. {value}+08:00")
    return moment


def pytest_configure(config):
    global _traveller
    value = config.getoption("--clock")
    if not value:
        return
    import time_machine

    _traveller = time_machine.travel(parse_instant(value), tick=True)
    _traveller.start()


def moved() -> bool:
    """Whether this run's clock was moved with ``--clock``."""
    return _traveller is not None


def pytest_unconfigure(config):
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None


def pytest_report_header(config):
    value = config.getoption("--clock")
    if value:
        return f"clock moved to {parse_instant(value).isoformat()} (ticking)"
    return None


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.clock [--at INSTANT] [pytest args...]``: the suite at each instant, then a summary."""
    import argparse
    import subprocess
    import sys
    import time

    parser = argparse.ArgumentParser(prog="python -m tests.clock", description=main.__doc__)
    parser.add_argument("--at", action="append", default=[], help="only this instant (repeatable)")
    args, pytest_args = parser.parse_known_args(argv)
    instants = args.at or list(INSTANTS)
    for instant in instants:
        parse_instant(instant)
    results = []
    for instant in instants:
        print(f"\n=== the suite at {instant} ({INSTANTS.get(instant, 'given')})", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, "-m", "pytest", f"--clock={instant}", *pytest_args])
        results.append((instant, code, time.monotonic() - started))
    print("\n=== test-dates")
    for instant, code, seconds in results:
        print(f"{'passed' if code == 0 else 'FAILED'}  {instant}  {seconds:6.0f} s  {INSTANTS.get(instant, '')}")
    return 0 if all(code == 0 for _instant, code, _seconds in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
