"""Enquiry statistics equal an independent plain-Python computation over generated data."""

from __future__ import annotations

from datetime import datetime

import pytest

from shared_apps.reporting.periods import resolve_period
from tenant_apps.kanban.reporting import enquiry_stats_body
from tests.tenant_apps.kanban.kanban_data import NOW, TZ, generate, local_days, ratio

pytestmark = pytest.mark.django_db


def reference(data, start: datetime, end: datetime, *, channel=None, salesperson=None) -> dict:
    days = set(local_days(start, end))
    new = sum(e["new"] for e in data.enquiries if e["date"] in days and (channel is None or e["channel"] == channel))
    contacts = [c for c in data.contacts if c["date"] in days and (salesperson is None or c["user"] == salesperson)]
    wechat = sum(c["wechat"] for c in contacts)
    phone = sum(c["phone"] for c in contacts)

    def customer_ok(c):
        return (channel is None or c["channel"] == channel) and (salesperson is None or c["owner"] == salesperson)

    live = [o for o in data.orders if o["status"] != "cancelled"]
    created = [c for c in data.customers.values() if start <= c["created_at"] < end and customer_ok(c)]
    converted = [c for c in created if any(o["customer"] == c["id"] and start <= o["signed_at"] < end for o in live)]
    order_customer = {o["id"]: o["customer"] for o in data.orders}
    first_collection: dict = {}
    for p in data.payments:
        if p["confirmed"] and p["kind"] == "collection":
            cid = order_customer[p["order"]]
            first_collection[cid] = min(first_collection.get(cid, p["at"]), p["at"])
    paying = [cid for cid, at in first_collection.items() if start <= at < end and customer_ok(data.customers[cid])]
    return {
        "phone_conversion_rate": ratio(phone, new),
        "wechat_conversion_rate": ratio(wechat, new),
        "enquiry_conversion_rate": ratio(len(converted), new),
        "enquiry_payment_rate": ratio(len(paying), new),
    }


@pytest.fixture
def generated(store_a, users, in_store):
    with in_store(store_a):
        yield generate(users, seed=11)


def _check(body, data, period, **filters):
    prev = period.previous()
    cur_ref = reference(data, period.start, period.end, **filters)
    prev_ref = reference(data, prev.start, prev.end, **filters)
    got = {k: (v["value"], v["previous"]) for k, v in body["metrics"].items()}
    assert got == {k: (cur_ref[k], prev_ref[k]) for k in cur_ref}


@pytest.mark.parametrize("range_", ["30d", "7d", "today"])
def test_rates_equal_the_reference(generated, store_a, in_store, range_):
    with in_store(store_a):
        period = resolve_period(range=range_, now=NOW)
        body = enquiry_stats_body(period=period)
    _check(body, generated, period)


def test_channel_filter_uses_the_channel_for_enquiries_and_customers(generated, store_a, in_store):
    channel = generated.channels[0].pk
    with in_store(store_a):
        period = resolve_period(range="custom", start="2026-01-01", end="2026-02-28", now=NOW)
        body = enquiry_stats_body(period=period, channel_id=channel)
    _check(body, generated, period, channel=channel)


def test_salesperson_filter_keeps_store_wide_denominators(generated, store_a, users, in_store):
    with in_store(store_a):
        period = resolve_period(range="30d", now=NOW)
        body = enquiry_stats_body(period=period, salesperson_id=users.a_sales.pk)
    _check(body, generated, period, salesperson=users.a_sales.pk)
    days = set(local_days(period.start, period.end))
    assert body["counts"]["new_enquiries"] == sum(e["new"] for e in generated.enquiries if e["date"] in days)


def test_rows_per_channel_and_salesperson_add_up(generated, store_a, in_store):
    with in_store(store_a):
        body = enquiry_stats_body(period=resolve_period(range="30d", now=NOW))
    assert sum(r["new_enquiries"] for r in body["channels"]) == body["counts"]["new_enquiries"]
    assert sum(r["wechat_added"] for r in body["salespeople"]) == body["counts"]["wechat_added"]
    assert sum(r["phone_contacts"] for r in body["salespeople"]) == body["counts"]["phone_contacts"]


def test_a_day_at_the_local_boundary_belongs_to_its_local_date(store_a, users, in_store):
    from tenant_apps.enquiries.models import ContactRecord, DailyEnquiry
    from tenant_apps.workspace.models import Channel

    day = datetime(2026, 3, 1).date()
    with in_store(store_a):
        channel = Channel.objects.first()
        DailyEnquiry.objects.create(date=day, channel=channel, enquiries=10, new_enquiries=4)
        ContactRecord.objects.create(date=day, user=users.a_sales, wechat_added=2, phone_contacts=1)
        later = datetime(2026, 3, 5, tzinfo=TZ)
        body = enquiry_stats_body(period=resolve_period(range="custom", start=day, end=day, now=later))
    assert body["metrics"]["wechat_conversion_rate"]["value"] == 0.5
    assert body["metrics"]["phone_conversion_rate"]["value"] == 0.25
