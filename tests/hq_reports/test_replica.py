"""HQ dashboard and insight reads on a read replica (``DATABASE_REPLICA_URL``).

The router tests run everywhere. The others need a real streaming replica of the test database:
``make test-replica`` (tests/replica.py) starts a PostgreSQL 15 primary and a hot standby from the
machine's binaries and runs this file against them; elsewhere they are skipped, saying so.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from hq_reports.models import StoreFeed
from shared_apps.accounts.models import ApiToken, User
from shared_apps.accounts.services import token_create
from shared_apps.platform import replica
from tenants.models import Store
from tests.conftest import STORE_A, user_email

DASHBOARD = "/api/v1/hq/dashboard"
INSIGHTS = "/api/v1/hq/insights"
HAS_REPLICA = replica.REPLICA in settings.DATABASES
needs_replica = pytest.mark.skipif(
    not HAS_REPLICA,
    reason="no DATABASE_REPLICA_URL: `make test-replica` runs these against a real streaming replica",
)


# --------------------------------------------------------------------------------------------
# The router
# --------------------------------------------------------------------------------------------


@pytest.fixture
def with_replica(monkeypatch):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)


def test_hq_reads_go_to_the_replica_and_nothing_else_does(with_replica):
    router = replica.ReplicaRouter()

    with replica.hq_reads():
        inside = (router.db_for_read(StoreFeed), router.db_for_write(StoreFeed), replica.read_alias())
    outside = (router.db_for_read(StoreFeed), replica.read_alias())

    assert inside == ("replica", None, "replica")
    assert outside == (None, "default")


def test_without_a_replica_hq_reads_stay_on_the_primary(monkeypatch):
    monkeypatch.setattr(replica, "replica_configured", lambda: False)
    router = replica.ReplicaRouter()

    with replica.hq_reads():
        assert (router.db_for_read(StoreFeed), replica.read_alias()) == (None, "default")


def test_nothing_is_ever_migrated_on_the_replica():
    router = replica.ReplicaRouter()

    assert router.allow_migrate("replica", "hq_reports") is False
    assert router.allow_migrate("default", "hq_reports") is None


@pytest.mark.skipif(HAS_REPLICA, reason="this run has a replica")
@pytest.mark.django_db
def test_read_from_the_primary_the_dashboard_says_no_replica(api, users):
    body = api(users.hq_exec).get(DASHBOARD).json()

    assert body["replica"] is None


# --------------------------------------------------------------------------------------------
# A real streaming replica
# --------------------------------------------------------------------------------------------


def _wait_for_replica(check, *, seconds: float = 30) -> None:
    """Until the replica has replayed what ``check`` looks for (streaming takes milliseconds)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the replica did not catch up")
        time.sleep(0.05)


def _replica_drained_at(store_id: int):
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT last_drained_at FROM hq_reports_storefeed WHERE store_id = %s", [store_id])
        row = cursor.fetchone()
    return row[0] if row else None


def _replica_sql(sql: str) -> None:
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql)


@needs_replica
@pytest.mark.django_db(databases=["default", "replica"])
def test_the_dashboard_and_insights_are_read_on_the_replica(api, users):
    client = api(users.hq_exec)
    with CaptureQueriesContext(connections["replica"]) as on_replica, CaptureQueriesContext(connection) as on_primary:
        dashboard = client.get(DASHBOARD)
        insights = client.get(INSIGHTS)

    assert (dashboard.status_code, insights.status_code) == (200, 200)
    replica_sql = " ".join(q["sql"] for q in on_replica.captured_queries)
    primary_sql = " ".join(q["sql"] for q in on_primary.captured_queries)
    assert "hq_reports_storefeed" in replica_sql
    assert "hq_insights_storebenchmark" in replica_sql
    assert "hq_reports_" not in primary_sql
    assert "hq_insights_" not in primary_sql
    assert dashboard.json()["replica"]["lag_seconds"] >= 0


@needs_replica
def test_as_of_is_what_the_replica_holds_while_it_lags(committed_db):
    store = Store.objects.get(subdomain=STORE_A["subdomain"])
    hq = User.objects.get(email=user_email("hq_exec"))
    kept = StoreFeed.objects.filter(store=store).values("last_drained_at", "pending_since").first()
    now = timezone.now().replace(microsecond=0)
    earlier, later = now - timedelta(minutes=50), now - timedelta(minutes=20)
    _token, value = token_create(user=hq, name="replica")
    client = APIClient(HTTP_HOST=settings.BASE_DOMAIN)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")

    def store_as_of() -> tuple[datetime, dict]:
        body = client.get(DASHBOARD).json()
        row = next(row for row in body["stores"] if row["id"] == store.pk)
        return datetime.fromisoformat(row["as_of"]), body["replica"]

    try:
        StoreFeed.objects.update_or_create(store=store, defaults={"last_drained_at": earlier, "pending_since": None})
        _wait_for_replica(lambda: _replica_drained_at(store.pk) == earlier)
        _replica_sql("SELECT pg_wal_replay_pause()")
        StoreFeed.objects.filter(store=store).update(last_drained_at=later)

        lagging_as_of, lagging = store_as_of()
        _replica_sql("SELECT pg_wal_replay_resume()")
        _wait_for_replica(lambda: _replica_drained_at(store.pk) == later)
        caught_up_as_of, caught_up = store_as_of()
    finally:
        _replica_sql("SELECT pg_wal_replay_resume()")
        if kept is None:
            StoreFeed.objects.filter(store=store).delete()
        else:
            StoreFeed.objects.filter(store=store).update(**kept)
        ApiToken.objects.filter(name="replica").delete()

    assert lagging_as_of == earlier  # the primary already says "later": the replica does not hold it yet
    assert lagging["lag_seconds"] > 0
    assert caught_up_as_of == later
    assert caught_up["lag_seconds"] < 5
