"""A store's own time: one store in Asia/Shanghai (UTC+8) and one in America/Bogota (UTC-5, no
daylight saving) side by side. Each sees its own day, its own Kanban buckets and its own clock in
the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from tenant_apps.kanban import rollups
from tenant_apps.workspace.models import Channel
from tenants import storetime
from tenants.models import Store
from tests.factories.sales import make_customer, make_order, make_product

pytestmark = pytest.mark.django_db

BOGOTA = ZoneInfo("America/Bogota")
SHANGHAI = ZoneInfo("Asia/Shanghai")
# 03:00 UTC: 11:00 on 15 March in Shanghai, 22:00 on 14 March in Bogota.
SIGNED = datetime(2027, 3, 15, 3, 0, tzinfo=UTC)
LATER = datetime(2027, 3, 20, 4, 0, tzinfo=UTC)


@pytest.fixture
def bogota_b(store_b):
    Store.objects.filter(pk=store_b.pk).update(timezone="America/Bogota")
    store_b.timezone = "America/Bogota"
    return store_b


def test_each_store_has_its_own_zone_and_day(store_a, bogota_b, in_store):
    with time_machine.travel(SIGNED, tick=False):
        with in_store(store_a):
            assert storetime.store_zone() == SHANGHAI
            assert storetime.local_today() == date(2027, 3, 15)
            assert storetime.local_day_bounds(SIGNED) == (
                datetime(2027, 3, 15, tzinfo=SHANGHAI),
                datetime(2027, 3, 16, tzinfo=SHANGHAI),
            )
        with in_store(bogota_b):
            assert storetime.store_zone() == BOGOTA
            assert storetime.local_today() == date(2027, 3, 14)
            assert storetime.local_text(SIGNED) == "2027-03-14 22:00"
        connection.set_schema_to_public()
        assert storetime.current_store() is None
        assert storetime.store_zone().key == "Asia/Shanghai"  # the HQ host: settings.TIME_ZONE


def test_an_unknown_zone_falls_back_to_the_settings_zone():
    assert storetime.zone_named("Mars/Olympus_Mons").key == "Asia/Shanghai"
    assert storetime.zone_named("").key == "Asia/Shanghai"


def _one_order(store, users, in_store, *, owner):
    with in_store(store):
        product = make_product()
        customer = make_customer(owner=owner, channel=Channel.objects.get(code="tmall"), province="浙江")
        return make_order(customer=customer, owner=owner, lines=[(product, 1, "100.00")], signed_at=SIGNED).pk


def test_the_api_writes_times_on_the_store_clock(api, users, store_a, bogota_b, in_store):
    a_order = _one_order(store_a, users, in_store, owner=users.a_sales)
    b_order = _one_order(bogota_b, users, in_store, owner=users.b_sales)

    a_body = api(users.a_admin, store_a).get(f"/api/v1/orders/{a_order}").json()
    b_body = api(users.b_admin, bogota_b).get(f"/api/v1/orders/{b_order}").json()

    assert a_body["signed_at"].startswith("2027-03-15T11:00:00")
    assert a_body["signed_at"].endswith("+08:00")
    assert b_body["signed_at"].startswith("2027-03-14T22:00:00")
    assert b_body["signed_at"].endswith("-05:00")


@pytest.mark.parametrize("use_rollups", [True, False])
def test_kanban_days_are_each_stores_own(api, users, store_a, bogota_b, in_store, settings, use_rollups):
    settings.KANBAN_CACHE_SECONDS = 0
    _one_order(store_a, users, in_store, owner=users.a_sales)
    _one_order(bogota_b, users, in_store, owner=users.b_sales)
    if not use_rollups:
        for store in (store_a, bogota_b):
            with in_store(store):
                rollups.rebuild()

    def gmv(store, user, day: str) -> str:
        query = f"/api/v1/kanban?range=custom&start={day}&end={day}"
        body = api(user, store).get(query).json()
        return body["metrics"]["gmv"]["value"]

    with time_machine.travel(LATER, tick=False):
        assert gmv(store_a, users.a_admin, "2027-03-15") == "100.00"
        assert gmv(store_a, users.a_admin, "2027-03-14") == "0.00"
        assert gmv(bogota_b, users.b_admin, "2027-03-14") == "100.00"
        assert gmv(bogota_b, users.b_admin, "2027-03-15") == "0.00"


def test_rollups_follow_a_change_of_zone(users, store_a, in_store):
    _one_order(store_a, users, in_store, owner=users.a_sales)
    with in_store(store_a), time_machine.travel(LATER, tick=False):
        rollups.rebuild()
        assert rollups.ensure_zone() is False
        Store.objects.filter(pk=store_a.pk).update(timezone="America/Bogota")
        connection.tenant.timezone = "America/Bogota"
        assert rollups.ensure_zone() is True
        with connection.cursor() as cursor:
            cursor.execute("SELECT day FROM kanban_salesrollup WHERE kind = 'device' AND level = 3")
            assert {row[0] for row in cursor.fetchall()} == {date(2027, 3, 14)}


def test_a_utc_day_maps_to_the_local_days_it_overlaps():
    day = date(2027, 3, 15)
    assert rollups.local_days_of_utc_day(day, SHANGHAI) == {date(2027, 3, 15), date(2027, 3, 16)}
    assert rollups.local_days_of_utc_day(day, BOGOTA) == {date(2027, 3, 14), date(2027, 3, 15)}
    assert rollups.local_days_of_utc_day(day, ZoneInfo("UTC")) == {day}
    assert rollups.utc_days_of(date(2027, 3, 15), date(2027, 3, 15), SHANGHAI) == (date(2027, 3, 14), day)
    assert rollups.utc_days_of(date.min, date.max, SHANGHAI) == (date.min, date.max)


def test_the_today_period_ends_now_on_the_store_clock(api, users, store_a, bogota_b):
    with time_machine.travel(SIGNED + timedelta(minutes=34), tick=False):
        a = api(users.a_admin, store_a).get("/api/v1/kanban?range=today").json()["period"]
        b = api(users.b_admin, bogota_b).get("/api/v1/kanban?range=today").json()["period"]

    assert (a["start"], a["end"]) == ("2027-03-15T00:00:00+08:00", "2027-03-15T11:34:00+08:00")
    assert (b["start"], b["end"]) == ("2027-03-14T00:00:00-05:00", "2027-03-14T22:34:00-05:00")


def test_pages_show_times_on_the_store_clock(page_client, users, bogota_b, in_store):
    order = _one_order(bogota_b, users, in_store, owner=users.b_sales)

    html = page_client(users.b_admin, bogota_b).get("/sales/orders/").content.decode()

    assert order and "2027-03-14 22:00" in html
    assert "2027-03-15 03:00" not in html and "2027-03-15 11:00" not in html
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"  # the zone is the request's only
