"""The API's rate limits count atomically: requests arriving together over one limit let exactly
the limit through, on the caches the processes share (the database cache across processes, the
in-memory one within a process), and a refusal says how long until the next window opens.

The threads meet right after each one's first cache operation: the widest gap a counter that is
read and then written could leave between its read and its write."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.utils import timezone

from shared_apps.accounts.api import TokenThrottle
from shared_apps.accounts.throttling import CallerRateThrottle
from shared_apps.billing.api import SignupEmailThrottle, SignupIPThrottle
from tests.races import at_once

LIMIT = 5
THREADS = 12


class Lockstep:
    """``cache`` whose first operation in each thread, once done, waits for every other thread's first."""

    OPERATIONS = frozenset({"get", "get_many", "set", "add", "incr", "decr", "touch"})

    def __init__(self, cache, parties: int) -> None:
        self._cache = cache
        self._barrier = threading.Barrier(parties)
        self._local = threading.local()

    def __getattr__(self, name):
        found = getattr(self._cache, name)
        if name not in self.OPERATIONS:
            return found

        def operation(*args, **kwargs):
            result = found(*args, **kwargs)
            if not getattr(self._local, "met", False):
                self._local.met = True
                self._barrier.wait(timeout=30)
            return result

        return operation


def _request(*, key_id: int = 7, address: str = "203.0.113.5", email: str = "owner@example.com"):
    django_request = SimpleNamespace(META={"REMOTE_ADDR": address}, api_key=SimpleNamespace(pk=key_id), api_token=None)
    return SimpleNamespace(_request=django_request, META=django_request.META, data={"owner_email": email})


THROTTLES = {
    "api key": (CallerRateThrottle, "api_key"),
    "token by address": (TokenThrottle, "token"),
    "signup by address": (SignupIPThrottle, "signup_ip"),
    "signup by email": (SignupEmailThrottle, "signup_email"),
}


def _throttle(kind: str, cache, rate: str = f"{LIMIT}/min"):
    throttle_class, scope = THROTTLES[kind]
    rates = {"api_key": "1000/min", "api_token": "1000/min", **{scope: rate}}
    throttle_class = type("Limited", (throttle_class,), {"THROTTLE_RATES": rates})
    throttle = throttle_class()
    throttle.cache = cache
    return throttle


def _mid_minute() -> datetime:
    """The middle of the current minute: every request of a test falls in one window."""
    return timezone.now().replace(second=30, microsecond=0)


def _together(kind: str, cache) -> list[bool]:
    shared = Lockstep(cache, THREADS)
    request = _request()
    return at_once(None, *[lambda: _throttle(kind, shared).allow_request(request, None) for _ in range(THREADS)])


def _database_cache():
    from shared_apps.platform.cache import DatabaseCache

    return DatabaseCache(settings.CACHE_TABLE, {"KEY_PREFIX": f"crm-test-{uuid.uuid4().hex}"})


@pytest.mark.parametrize("kind", list(THROTTLES))
def test_requests_at_once_over_the_in_memory_cache_let_exactly_the_limit_through(kind):
    cache = LocMemCache(f"throttle-{uuid.uuid4().hex}", {})

    with time_machine.travel(_mid_minute(), tick=False):
        answers = _together(kind, cache)

    assert answers.count(True) == LIMIT and answers.count(False) == THREADS - LIMIT


def test_requests_at_once_over_the_database_cache_let_exactly_the_limit_through(committed_db):
    """Each thread has its own database connection, as each gunicorn worker has."""
    cache = _database_cache()
    try:
        with time_machine.travel(_mid_minute(), tick=False):
            answers = _together("api key", cache)
    finally:
        cache.clear()

    assert answers.count(True) == LIMIT and answers.count(False) == THREADS - LIMIT


def test_the_database_cache_counts_every_increment_made_at_once(committed_db):
    cache = _database_cache()
    cache.set("counter", 0, 60)
    met = threading.Barrier(THREADS)
    read = cache.get

    def get(*args, **kwargs):  # an increment that reads first waits here for all the others
        value = read(*args, **kwargs)
        met.wait(timeout=30)
        return value

    cache.get = get
    try:
        results = at_once(None, *[lambda: cache.incr("counter") for _ in range(THREADS)])
        cache.get = read
        assert sorted(results) == list(range(1, THREADS + 1))
        assert cache.get("counter") == THREADS
    finally:
        cache.get = read
        cache.clear()


def test_a_refusal_waits_until_the_window_ends_and_the_next_window_counts_afresh():
    """A window opens with the caller's first request (not on the clock's minute), so a burst of
    a client's requests is counted in one window whenever it comes."""
    cache = LocMemCache(f"throttle-{uuid.uuid4().hex}", {})
    first = timezone.now().replace(second=50, microsecond=0)
    request = _request()

    def allowed(key_id: int = 7) -> bool:
        return _throttle("api key", cache, "2/min").allow_request(_request(key_id=key_id), None)

    with time_machine.travel(first, tick=False):
        assert [allowed(), allowed()] == [True, True]
    with time_machine.travel(first + timedelta(seconds=20), tick=False):  # the clock's minute has turned
        refused = _throttle("api key", cache, "2/min")
        assert refused.allow_request(request, None) is False
        assert refused.wait() == pytest.approx(40)
        assert allowed(key_id=8) is True  # another key counts on its own
    with time_machine.travel(first + timedelta(seconds=59), tick=False):
        assert allowed() is False
    with time_machine.travel(first + timedelta(seconds=60), tick=False):
        assert [allowed(), allowed(), allowed()] == [True, True, False]


def test_the_database_cache_adds_an_expired_entry_once_when_several_add_it_at_once(committed_db):
    """Adding over an expired entry (a caller's window that has ended) has one winner; the
    threads meet right after any read of the entry, where a read-then-write ``add`` would let
    each of them think it added it."""
    from django.db import connection

    cache = _database_cache()
    with time_machine.travel(timezone.now() - timedelta(hours=1), tick=False):
        cache.set("window", "old", 60)
    met = threading.Barrier(THREADS)

    def meet_after_reading(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith("SELECT") and "expires" in sql and "FOR UPDATE" not in sql:
            met.wait(timeout=30)
        return result

    def add(value: int) -> bool:
        with connection.execute_wrapper(meet_after_reading):
            return cache.add("window", value, 60)

    try:
        added = at_once(None, *[lambda n=n: add(n) for n in range(THREADS)])
        winners = [n for n, won in enumerate(added) if won]
        assert len(winners) == 1, added
        assert cache.get("window") == winners[0]
    finally:
        cache.clear()
