"""The HQ dashboard's orders pass on a second connection (``hq_reports.side_read``): the same
figures as one connection, read on the request's own snapshot, and only where that is sound."""

from __future__ import annotations

import threading
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.db import connection, connections, transaction
from django.test import override_settings
from django_tenants.utils import tenant_context

from hq_reports import dashboard, rollups, side_read
from hq_reports.dashboard import DASHBOARD_SETTINGS, dashboard_body
from hq_reports.models import StoreFeed, StoreTotals
from shared_apps.accounts.models import User
from shared_apps.reporting.periods import resolve_period
from tenants.models import Store
from tests.conftest import STORE_A, STORE_B, user_email
from tests.factories.hq import make_history

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 4, 10, 15, tzinfo=TZ)


def _other_connection() -> psycopg.Connection:
    """A plain connection of its own to the test database (autocommit)."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True)


def _remove_facts(*stores) -> None:
    for store in stores:
        for kind in rollups.KINDS.values():
            kind.model.objects.filter(store=store).delete()
        StoreFeed.objects.filter(store=store).delete()
        StoreTotals.objects.filter(store=store).delete()


@pytest.fixture
def committed_history(committed_db):
    """Two session stores with a committed history drained into HQ's facts (removed afterwards)."""
    stores = [Store.objects.get(subdomain=STORE_A["subdomain"]), Store.objects.get(subdomain=STORE_B["subdomain"])]
    owners = [User.objects.get(email=user_email("a_sales")), User.objects.get(email=user_email("b_sales"))]
    try:
        for seed, (store, owner) in enumerate(zip(stores, owners, strict=True), start=61):
            with tenant_context(store):
                make_history(owners=[owner], now=NOW, seed=seed, orders=50)
                rollups.drain()
        yield stores
    finally:
        _remove_facts(*stores)


def _spy():
    return mock.patch.object(side_read, "_read", wraps=side_read._read)


@pytest.mark.parametrize("range_name", ["30d", "today"])
def test_a_dashboard_with_the_side_read_equals_one_read_on_one_connection(committed_history, range_name):
    period = resolve_period(range=range_name, now=NOW)
    with override_settings(HQ_DASHBOARD_SIDE_READ=False), _spy() as spy:
        alone = dashboard_body(period=period, stores=committed_history, all_stores=False)
    assert spy.call_count == 0

    with _spy() as spy, mock.patch.object(dashboard, "_store_row", wraps=dashboard._store_row) as whole_rows:
        split = dashboard_body(period=period, stores=committed_history, all_stores=False)

    assert spy.call_count == 1  # the orders pass went to the side connection
    assert whole_rows.call_count == 0  # the store rows were begun while it ran
    assert alone["metrics"]["orders"]["value"] > 0
    assert split == alone
    # the rows begun while the side read ran have the keys of the others, in the same order
    assert [list(row) for row in split["stores"]] == [list(row) for row in alone["stores"]]


def test_the_side_read_sees_the_snapshot_the_request_exported_not_later_commits(committed_db):
    other = _other_connection()
    try:
        other.execute("CREATE TABLE side_read_probe (n int)")
        other.execute("INSERT INTO side_read_probe VALUES (1)")
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            side_read.side_reads(cursor, alias="default", settings_sql=DASHBOARD_SETTINGS),
        ):
            other.execute("INSERT INTO side_read_probe VALUES (2)")  # committed after the export
            side_rows = side_read.submit("SELECT n FROM side_read_probe ORDER BY n", {}).result(timeout=30)
            cursor.execute("SELECT n FROM side_read_probe ORDER BY n")  # read committed: sees it
            own_rows = cursor.fetchall()
        assert side_rows == [(1,)]
        assert own_rows == [(1,), (2,)]
    finally:
        other.execute("DROP TABLE IF EXISTS side_read_probe")
        other.close()


def test_a_failed_side_read_is_read_again_on_the_request_connection(committed_history):
    period = resolve_period(range="30d", now=NOW)
    with override_settings(HQ_DASHBOARD_SIDE_READ=False):
        alone = dashboard_body(period=period, stores=committed_history, all_stores=False)

    with mock.patch.object(side_read, "_read", side_effect=psycopg.OperationalError("refused")) as failing:
        body = dashboard_body(period=period, stores=committed_history, all_stores=False)

    assert failing.call_count == 1
    assert body == alone


def test_the_side_thread_closes_its_connection_when_connections_are_not_kept(committed_history):
    period = resolve_period(range="30d", now=NOW)
    opened = []
    real = side_read._read

    def recording(side, sql, params):
        rows = real(side, sql, params)
        opened.append((threading.get_ident(), connections[side.alias].connection))
        return rows

    with mock.patch.object(side_read, "_read", recording):
        dashboard_body(period=period, stores=committed_history, all_stores=False)

    ((thread, held),) = opened
    assert thread != threading.get_ident()
    assert held is None  # CONN_MAX_AGE is 0 in tests: closed after the read


@pytest.mark.django_db
def test_inside_a_callers_transaction_the_dashboard_keeps_to_one_connection(store_a, users, in_store):
    # (every test of this kind runs in a transaction: a second connection would not see its rows)
    with in_store(store_a):
        make_history(owners=[users.a_sales], now=NOW, seed=5, orders=20)
        rollups.drain()
    period = resolve_period(range="30d", now=NOW)

    with _spy() as spy:
        body = dashboard_body(period=period, stores=[store_a], all_stores=False)

    assert spy.call_count == 0
    assert body["metrics"]["orders"]["value"] > 0


def test_side_reads_are_off_on_a_replica_and_when_switched_off(committed_db):
    assert side_read.available("default") is True
    assert side_read.available("replica") is False  # a replica in recovery cannot export a snapshot
    with override_settings(HQ_DASHBOARD_SIDE_READ=False):
        assert side_read.available("default") is False
    with transaction.atomic():
        assert side_read.available("default") is False


def test_a_dashboard_request_reads_its_orders_pass_on_the_side_connection(committed_history):
    from django.conf import settings
    from rest_framework.test import APIClient

    from shared_apps.accounts.models import ApiToken
    from shared_apps.accounts.services import token_create

    _token, value = token_create(user=User.objects.get(email=user_email("hq_exec")), name="side-read")
    client = APIClient(HTTP_HOST=settings.BASE_DOMAIN)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    try:
        with _spy() as spy:
            split = client.get("/api/v1/hq/dashboard?range=30d")
        with override_settings(HQ_DASHBOARD_SIDE_READ=False):
            alone = client.get("/api/v1/hq/dashboard?range=30d")
    finally:
        ApiToken.objects.filter(name="side-read").delete()

    assert (split.status_code, alone.status_code) == (200, 200)
    assert spy.call_count == 1
    split_body, alone_body = split.json(), alone.json()
    for body in (split_body, alone_body):
        body.pop("freshness", None)
    assert split_body == alone_body
