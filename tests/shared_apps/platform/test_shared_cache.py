"""The cache every process shares (``CACHES`` in config/settings.py).

Redis at ``CACHE_URL`` (or ``REDIS_URL``) when set, otherwise Django's database cache in the public
table ``crm_cache``. The rest of the suite gives each test process its own in-memory cache
(tests/conftest.py); these tests build the real backends and, for the database cache, a second
process with the real settings.
"""

from __future__ import annotations

import os
import runpy
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection

from shared_apps.accounts.throttling import CallerRateThrottle
from shared_apps.platform import replica
from shared_apps.platform.cache import DatabaseCache

ROOT = Path(settings.BASE_DIR)
REDIS_URL = "redis://127.0.0.1:6379/13"


def _settings_with(monkeypatch, **env) -> dict:
    """config/settings.py evaluated afresh with ``env`` (and without the other cache variables)."""
    for name in ("CACHE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "config" / "settings.py"))


def test_settings_choose_redis_at_cache_url(monkeypatch):
    caches = _settings_with(monkeypatch, CACHE_URL="redis://cache.internal:6379/2", REDIS_URL="redis://other:6379/0")[
        "CACHES"
    ]

    assert caches["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert caches["default"]["LOCATION"] == "redis://cache.internal:6379/2"


def test_settings_fall_back_to_redis_url(monkeypatch):
    caches = _settings_with(monkeypatch, REDIS_URL="redis://redis.internal:6379/0")["CACHES"]

    assert caches["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert caches["default"]["LOCATION"] == "redis://redis.internal:6379/0"


def test_settings_without_a_cache_server_use_the_public_cache_table(monkeypatch):
    caches = _settings_with(monkeypatch)["CACHES"]

    assert caches["default"]["BACKEND"] == "shared_apps.platform.cache.DatabaseCache"
    assert caches["default"]["LOCATION"] == '"public"."crm_cache"'


def _database_cache(**params) -> DatabaseCache:
    return DatabaseCache(settings.CACHE_TABLE, {"KEY_PREFIX": "crm", **params})


def test_the_cache_table_is_in_the_public_schema_only(db, store_a):
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_schema FROM information_schema.tables WHERE table_name = 'crm_cache'")
        schemas = {row[0] for row in cursor.fetchall()}

    assert schemas == {"public"}


def test_the_database_cache_works_from_a_store_schema(db, store_a, in_store):
    cache = _database_cache()
    with in_store(store_a):
        cache.set("from-a-store", 41, 60)
        assert cache.incr("from-a-store") == 42
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM public.crm_cache WHERE cache_key = %s", [cache.make_key("from-a-store")])
        assert cursor.fetchone()[0] == 1
    assert cache.get("from-a-store") == 42


def test_the_database_cache_reads_the_primary_inside_hq_reads(monkeypatch):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    router = replica.ReplicaRouter()
    model = _database_cache().cache_model_class

    with replica.hq_reads():
        assert router.db_for_read(model) == "default"
        # what HQ reads otherwise does go to the replica (the router is on)
        assert router.db_for_read(SimpleNamespace(_meta=SimpleNamespace(app_label="hq_reports"))) == "replica"


def _test_database_url() -> str:
    params = connection.settings_dict
    host = quote(params["HOST"] or "127.0.0.1", safe="")
    port = f":{params['PORT']}" if params["PORT"] else ""
    auth = quote(params["USER"] or "", safe="")
    if params["PASSWORD"]:
        auth += ":" + quote(params["PASSWORD"], safe="")
    return f"postgresql://{auth}@{host}{port}/{params['NAME']}"


COUNT_ONE_REQUEST = """
import django
django.setup()
from django.core.cache import cache, caches
cache.add({key!r}, 0, 60)
print(type(caches["default"]).__name__, cache.incr({key!r}))
"""


def _other_process(key: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=_test_database_url(), SENTRY_DSN="")
    done = subprocess.run(
        [sys.executable, "-c", COUNT_ONE_REQUEST.format(key=key)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_counter_counted_by_two_processes_is_one_counter(committed_db):
    """This process counts one request of a rate-limit window on its connection; another process
    with the real settings (no CACHE_URL) counts the next on its own and sees 2; this one reads 2."""
    key = f"throttle_api_key_key:{uuid.uuid4().hex}"
    cache = _database_cache()
    try:
        cache.add(key, 0, 60)
        assert cache.incr(key) == 1
        assert _other_process(key) == "DatabaseCache 2"
        assert cache.get(key) == 2
    finally:
        cache.delete(key)


def _api_key_request(key_id: int):
    return SimpleNamespace(_request=SimpleNamespace(api_key=SimpleNamespace(pk=key_id), api_token=None))


def _allowed(cache, request) -> bool:
    throttle = CallerRateThrottle()
    throttle.cache = cache
    throttle.THROTTLE_RATES = {"api_key": "3/min", "api_token": "1000/min"}
    return throttle.allow_request(request, view=None)


def _answers_from_two_workers(worker_1, worker_2) -> list[bool]:
    request = _api_key_request(7)
    return [_allowed(worker, request) for worker in (worker_1, worker_2, worker_1, worker_2, worker_1)]


def test_an_api_keys_rate_holds_across_two_workers_on_the_database_cache(db):
    """Two cache clients (as two gunicorn workers have) over the same table: the fourth request of
    the minute is refused, whichever worker takes it; another key keeps its own rate."""
    prefix = f"crm-{uuid.uuid4().hex}"
    worker_1, worker_2 = _database_cache(KEY_PREFIX=prefix), _database_cache(KEY_PREFIX=prefix)

    assert _answers_from_two_workers(worker_1, worker_2) == [True, True, True, False, False]
    assert _allowed(worker_2, _api_key_request(8)) is True


def test_per_process_memory_caches_let_each_worker_count_alone():
    """What the shared cache is for: with one in-memory cache per worker the same key gets its rate
    once per worker."""
    name = uuid.uuid4().hex
    worker_1, worker_2 = LocMemCache(f"{name}-1", {}), LocMemCache(f"{name}-2", {})

    assert _answers_from_two_workers(worker_1, worker_2) == [True, True, True, True, True]


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379: the Redis cache is not exercised")
def test_an_api_keys_rate_holds_across_two_workers_on_redis():
    from django.core.cache.backends.redis import RedisCache

    prefix = f"crm-test-{uuid.uuid4().hex}"
    worker_1, worker_2 = RedisCache(REDIS_URL, {"KEY_PREFIX": prefix}), RedisCache(REDIS_URL, {"KEY_PREFIX": prefix})
    try:
        assert _answers_from_two_workers(worker_1, worker_2) == [True, True, True, False, False]
        assert _allowed(worker_2, _api_key_request(8)) is True
    finally:
        worker_1.delete_many(["throttle_api_key_key:7", "throttle_api_key_key:8"])
        worker_1.close()
        worker_2.close()
