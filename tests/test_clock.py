"""``--clock`` moves the clock of every process of the run, and it keeps ticking."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from tests import clock


def test_every_instant_of_test_dates_is_aware_and_distinct():
    instants = [clock.parse_instant(value) for value in clock.INSTANTS]

    assert len(set(instants)) == len(instants) >= 4
    # one of them is just after local midnight while UTC is still on the previous day
    assert any(i.date() != i.astimezone(UTC).date() and i.hour == 0 for i in instants)


def test_a_naive_instant_is_refused():
    with pytest.raises(pytest.UsageError):
        clock.parse_instant("2027-02-28T23:30")


def test_the_run_clock_is_the_asked_instant(request):
    value = request.config.getoption("--clock")
    if not value:
        pytest.skip("the clock was not moved (run with --clock or make test-dates)")
    asked = clock.parse_instant(value)

    now = timezone.now()
    assert asked <= now < asked + timedelta(hours=3)
    assert date.today() == datetime.now().date()
    assert clock.moved()


def test_the_moved_clock_ticks(request):
    if not request.config.getoption("--clock"):
        pytest.skip("the clock was not moved (run with --clock or make test-dates)")
    before = timezone.now()
    time.sleep(0.01)

    assert timezone.now() > before
