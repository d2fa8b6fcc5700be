"""How fresh the HQ dashboard is: ``as_of`` of the body and of each store row, ``behind`` per store,
and the page's "as of" line and warning. Time is moved with time-machine."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hq_reports import rollups
from hq_reports.models import StoreFeed
from tenant_apps.outbox.services import publish
from tenants.models import Store
from tests.factories.sales import make_customer

pytestmark = pytest.mark.django_db

URL = "/api/v1/hq/dashboard"
MINUTE = timedelta(seconds=60)
SECOND = timedelta(seconds=1)


def new_customers(n: int) -> None:
    """``n`` customers, each published to the outbox as the service would."""
    for _ in range(n):
        publish(topic="customer", entity_id=make_customer().pk)


def dashboard(api, user, **params) -> dict:
    response = api(user).get(URL, params)
    assert response.status_code == 200
    return response.json()


def row_of(body: dict, store) -> dict:
    return next(row for row in body["stores"] if row["id"] == store.pk)


def moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@pytest.fixture
def drained_at(store_a, store_b, in_store):
    """Both stores drained at one moment, with nothing left waiting; that moment."""
    at = timezone.now().replace(microsecond=0)
    with time_machine.travel(at, tick=False):
        for store in (store_a, store_b):
            with in_store(store):
                new_customers(2)
                rollups.drain()
    return at


def test_a_store_drained_within_the_minute_is_not_behind(api, users, store_a, drained_at):
    with time_machine.travel(drained_at + MINUTE - SECOND, tick=False):
        row = row_of(dashboard(api, users.hq_exec), store_a)

    assert row["behind"] is False
    assert moment(row["as_of"]) == drained_at


def test_a_feed_not_drained_for_more_than_a_minute_is_behind(api, users, store_a, drained_at):
    """HQ cannot see what waits in a store its drain has not reached for a minute."""
    with time_machine.travel(drained_at + MINUTE + SECOND, tick=False):
        row = row_of(dashboard(api, users.hq_exec), store_a)

    assert row["behind"] is True
    assert moment(row["as_of"]) == drained_at


def test_events_waiting_more_than_a_minute_make_a_store_behind(api, users, store_a, in_store, drained_at):
    written = drained_at + 5 * SECOND
    with in_store(store_a):
        with time_machine.travel(written, tick=False):
            new_customers(3)
        # The drain keeps running, but takes one event at a time and stops after one batch.
        with time_machine.travel(written + 30 * SECOND, tick=False):
            rollups.drain(batch_size=1, max_batches=1)
        with time_machine.travel(written + 50 * SECOND, tick=False):
            rollups.drain(batch_size=1, max_batches=1)

    with time_machine.travel(written + MINUTE - SECOND, tick=False):
        waiting = row_of(dashboard(api, users.hq_exec), store_a)
    with time_machine.travel(written + MINUTE + SECOND, tick=False):
        late = row_of(dashboard(api, users.hq_exec), store_a)
    with in_store(store_a), time_machine.travel(written + 2 * MINUTE, tick=False):
        rollups.drain()
        caught_up = row_of(dashboard(api, users.hq_exec), store_a)

    assert (waiting["behind"], moment(waiting["as_of"])) == (False, written)
    assert (late["behind"], moment(late["as_of"])) == (True, written)
    assert (caught_up["behind"], moment(caught_up["as_of"])) == (False, written + 2 * MINUTE)


def test_a_store_never_drained_is_behind_once_it_is_a_minute_old(api, users, store_a):
    StoreFeed.objects.filter(store=store_a).delete()
    created = Store.objects.get(pk=store_a.pk).created_at

    with time_machine.travel(created + 30 * SECOND, tick=False):
        young = row_of(dashboard(api, users.hq_exec), store_a)
    with time_machine.travel(created + MINUTE + SECOND, tick=False):
        old = row_of(dashboard(api, users.hq_exec), store_a)

    assert (young["behind"], moment(young["as_of"])) == (False, created)
    assert (old["behind"], moment(old["as_of"])) == (True, created)


def test_a_suspended_store_with_nothing_waiting_is_not_behind_and_holds_nobody_back(
    api, users, store_a, store_b, drained_at
):
    Store.objects.filter(pk=store_b.pk).update(status=Store.Status.SUSPENDED)
    with time_machine.travel(drained_at + 10 * MINUTE, tick=False):
        with_suspended = dashboard(api, users.hq_exec)

    row = row_of(with_suspended, store_b)
    assert row["behind"] is False
    assert moment(row["as_of"]) == drained_at
    assert row_of(with_suspended, store_a)["behind"] is True


def test_a_suspended_store_with_events_left_waiting_is_behind(api, users, store_b, in_store, drained_at):
    with in_store(store_b), time_machine.travel(drained_at + SECOND, tick=False):
        new_customers(2)
        rollups.drain(batch_size=1, max_batches=1)
    Store.objects.filter(pk=store_b.pk).update(status=Store.Status.SUSPENDED)

    with time_machine.travel(drained_at + 10 * MINUTE, tick=False):
        row = row_of(dashboard(api, users.hq_exec), store_b)

    assert row["behind"] is True


def test_the_body_as_of_is_the_oldest_store_as_of(api, users, store_a, store_b, in_store, drained_at):
    with in_store(store_b), time_machine.travel(drained_at + 20 * SECOND, tick=False):
        rollups.drain()

    with time_machine.travel(drained_at + 30 * SECOND, tick=False):
        one = dashboard(api, users.hq_exec, store=store_b.pk)
        everything = dashboard(api, users.hq_exec)

    assert moment(one["as_of"]) == drained_at + 20 * SECOND
    assert moment(everything["as_of"]) == min(moment(row["as_of"]) for row in everything["stores"])
    assert moment(everything["as_of"]) <= drained_at


def test_the_api_gives_times_as_iso_strings_with_an_offset(api, users, store_a, drained_at):
    body = dashboard(api, users.hq_exec)

    assert isinstance(body["as_of"], str)
    assert moment(body["as_of"]).utcoffset() is not None
    for row in body["stores"]:
        assert isinstance(row["behind"], bool)
        assert moment(row["as_of"]).utcoffset() is not None
    assert "freshness" in body  # the earlier field stays


def test_freshness_is_one_query_over_the_feeds_whatever_the_number_of_stores(api, users, drained_at):
    with CaptureQueriesContext(connection) as queries:
        dashboard(api, users.hq_exec)

    feed_reads = [q["sql"] for q in queries.captured_queries if "hq_reports_storefeed" in q["sql"]]
    assert len([sql for sql in feed_reads if "pending_since" in sql]) == 1
    assert not any("outbox" in q["sql"] for q in queries.captured_queries)


# --- the page ---------------------------------------------------------------------------------------


def test_the_page_says_as_of_when_and_warns_of_the_stores_behind(page_client, users, store_a, store_b, in_store):
    at = timezone.now().replace(microsecond=0)
    with in_store(store_a), time_machine.travel(at, tick=False):
        rollups.drain()
    with in_store(store_b), time_machine.travel(at + 2 * MINUTE, tick=False):
        rollups.drain()

    with time_machine.travel(at + 2 * MINUTE + 10 * SECOND, tick=False):
        html = page_client(users.hq_exec).get("/dashboard/").content.decode()

    local = timezone.localtime(at)
    assert 'data-testid="hq-as-of"' in html
    assert local.strftime("%Y-%m-%d %H:%M:%S") in html
    assert "Asia/Shanghai" in html
    warning = html.split('data-testid="hq-behind"')[1].split("</div>")[0]
    assert store_a.name in warning
    assert store_b.name not in warning


def test_the_page_shows_no_warning_when_every_store_is_fresh(page_client, users, store_a, store_b, in_store):
    at = timezone.now().replace(microsecond=0)
    for store in Store.objects.stores():
        with in_store(store), time_machine.travel(at, tick=False):
            rollups.drain()

    with time_machine.travel(at + 10 * SECOND, tick=False):
        html = page_client(users.hq_exec).get("/dashboard/").content.decode()

    assert 'data-testid="hq-as-of"' in html
    assert 'data-testid="hq-behind"' not in html


def test_the_warning_is_in_chinese_by_default_and_in_english_on_request(page_client, users, store_a):
    StoreFeed.objects.filter(store=store_a).delete()
    created = Store.objects.get(pk=store_a.pk).created_at

    with time_machine.travel(created + 2 * MINUTE, tick=False):
        chinese = page_client(users.hq_exec).get("/dashboard/").content.decode()
        client = page_client(users.hq_exec)
        client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})
        english = client.get("/dashboard/").content.decode()

    assert "更新至" in chinese and "落后" in chinese
    assert "Figures as of" in english and "more than a minute behind" in english


def test_the_warning_names_the_first_stores_and_counts_the_others(page_client, users, monkeypatch):
    from hq_reports import views_dashboard

    monkeypatch.setattr(views_dashboard, "BEHIND_LISTED", 1)
    StoreFeed.objects.all().delete()
    created = max(Store.objects.stores().values_list("created_at", flat=True))
    others = Store.objects.stores().count() - 1

    with time_machine.travel(created + 2 * MINUTE, tick=False):
        client = page_client(users.hq_exec)
        client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})
        html = client.get("/dashboard/").content.decode()

    warning = html.split('data-testid="hq-behind"')[1].split("</div>")[0]
    assert warning.count("<li>") == 2
    assert f"and {others} more store" in warning
