"""Connection pooling: session pooling keeps stores apart, transaction pooling does not and is refused.

PgBouncer (Debian's ``pgbouncer``) is started in front of the test database for these tests; they
are skipped, saying so, where it is not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest
from django.db import connection
from django.test import override_settings

from shared_apps.platform import pooling
from tests import servers

pytestmark = pytest.mark.django_db

needs_pgbouncer = pytest.mark.skipif(servers.pgbouncer_missing() is not None, reason=str(servers.pgbouncer_missing()))


def _database_url() -> str:
    s = connection.settings_dict
    user, host = s["USER"] or "postgres", s["HOST"] or "127.0.0.1"
    if host.startswith("/"):  # the embedded server: a Unix socket in its data folder
        return f"postgresql://{user}@/{s['NAME']}?host={host}"
    return f"postgresql://{user}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


def _settings_of(url: str) -> dict:
    from config.database import database_from_url

    return database_from_url(url)


@pytest.fixture
def bouncer():
    """``bouncer(mode)``: PgBouncer in that mode in front of the test database (two server
    connections at most, as a busy pool would have)."""
    started = []

    def start(mode: str):
        context = servers.pgbouncer(_database_url(), mode=mode, pool_size=2)
        started.append(context)
        return context.__enter__()

    yield start
    for context in reversed(started):
        context.__exit__(None, None, None)


def _manage(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "DATABASE_POOL_MODE": "session"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=servers.REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_direct_connection_passes_the_probe():
    assert pooling.probe(connection.settings_dict) is None


@needs_pgbouncer
def test_a_session_pooler_passes_the_probe(bouncer):
    assert pooling.probe(_settings_of(bouncer("session").url)) is None


@needs_pgbouncer
def test_a_transaction_pooler_is_detected_by_the_probe(bouncer):
    evidence = pooling.probe(_settings_of(bouncer("transaction").url))

    assert evidence is not None
    assert "server backend" in evidence


@needs_pgbouncer
def test_under_transaction_pooling_one_clients_search_path_reaches_another_client(bouncer):
    """Why transaction pooling is refused: the store one request selected is what the next
    request of another store runs in."""
    url = bouncer("transaction").url
    with psycopg.connect(url, autocommit=True) as alpha, psycopg.connect(url, autocommit=True) as bravo:
        alpha.execute("SET search_path = s_alpha")
        bravo.execute("SET search_path = s_bravo")
        assert alpha.execute("SHOW search_path").fetchone()[0] == "s_bravo"


@needs_pgbouncer
def test_under_session_pooling_each_client_keeps_its_search_path(bouncer):
    url = bouncer("session").url
    with psycopg.connect(url, autocommit=True) as alpha, psycopg.connect(url, autocommit=True) as bravo:
        alpha.execute("SET search_path = s_alpha")
        bravo.execute("SET search_path = s_bravo")
        assert alpha.execute("SHOW search_path").fetchone()[0] == "s_alpha"
        assert bravo.execute("SHOW search_path").fetchone()[0] == "s_bravo"


@needs_pgbouncer
def test_a_process_behind_a_transaction_pooler_refuses_its_first_database_use(bouncer):
    result = _manage(
        bouncer("transaction").url, "shell", "-c", "from django.db import connection; connection.ensure_connection()"
    )

    assert result.returncode != 0
    assert "TransactionPoolingDetected" in result.stderr
    assert "pool_mode = session" in result.stderr


@needs_pgbouncer
def test_the_database_check_refuses_a_transaction_pooler_and_passes_a_session_pooler(bouncer):
    refused = _manage(bouncer("transaction").url, "check", "--database", "default")
    passed = _manage(bouncer("session").url, "check", "--database", "default")

    assert refused.returncode != 0
    assert "platform.E002" in refused.stderr
    assert passed.returncode == 0, passed.stderr


@pytest.mark.parametrize("mode", ["transaction", "statement", "nonsense"])
def test_a_pool_mode_setting_other_than_direct_or_session_is_a_check_error(mode):
    with override_settings(DATABASE_POOL_MODE=mode):
        errors = pooling.check_pool_mode()

    assert [e.id for e in errors] == ["platform.E001"]


@pytest.mark.parametrize("mode", ["direct", "session"])
def test_direct_and_session_pool_modes_pass_the_check(mode):
    with override_settings(DATABASE_POOL_MODE=mode):
        assert pooling.check_pool_mode() == []
