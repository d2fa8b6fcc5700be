"""HQ insights: what stores publish (segment mix, churn totals, buyers' keyed hashes), the
benchmarks with percentiles and anomaly flags, the buyers of several stores, and privacy: the
public schema holds no raw contact id and no store learns anything of another's customers."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from hq_insights import benchmarks
from hq_insights.models import BuyerKey, StoreBenchmark, StoreInsight
from hq_reports import rollups
from shared_apps.platform.jobs import get_job, run_in_store
from tenant_apps.insights import services
from tenant_apps.sales.models import Order
from tests.factories.sales import make_customer, make_order, make_product

pytestmark = pytest.mark.django_db

SHARED_MOBILE = "13912345678"
SHARED_WECHAT = "Shared_Buyer_WX"


def _buyer(owner, *, days, amount, **ids):
    customer = make_customer(owner=owner, **ids)
    product = make_product()
    for day in days:
        make_order(
            customer=customer,
            owner=owner,
            lines=[(product, 1, Decimal(amount))],
            signed_at=timezone.now() - timedelta(days=day, hours=2),
            status=Order.Status.COMPLETED,
            payment_mode=Order.PaymentMode.PREPAID,
            collected=amount,
        )
    return customer


@pytest.fixture
def published(store_a, store_b, users, in_store):
    """Store A and store B each have buyers; one person buys from both (same mobile in A, same
    WeChat id with another mobile and the same mobile in B)."""
    with in_store(store_a):
        a_shared = _buyer(
            users.a_sales, days=[5, 40], amount="1000.00", mobile_normalized="+86" + SHARED_MOBILE, mobile=SHARED_MOBILE
        )
        _buyer(users.a_sales, days=[100], amount="300.00", wechat_id="only_in_a")
        services.score_store()
        rollups.reconcile()
    with in_store(store_b):
        b_shared = _buyer(
            users.b_sales,
            days=[10],
            amount="2500.00",
            mobile_normalized="+86" + SHARED_MOBILE,
            mobile=SHARED_MOBILE,
            wechat_id=SHARED_WECHAT,
        )
        _buyer(users.b_sales, days=[20, 50, 80], amount="400.00", platform_chat_id="only_in_b_chat")
        services.score_store()
        rollups.reconcile()
    job = get_job("hq.insights_publish")
    at = timezone.now()
    for store in (store_a, store_b):
        assert run_in_store(job, store=store, at=at).ok
    connection.set_schema_to_public()
    benchmarks.run(at=at)
    return {"a_shared": a_shared, "b_shared": b_shared, "at": at}


def test_hq_sees_segment_mix_churn_totals_and_buyers_of_several_stores(published, store_a, store_b, users, api):
    body = api(users.hq_exec).get("/api/v1/hq/insights").json()
    rows = {row["id"]: row for row in body["stores"]}
    assert set(rows) >= {store_a.pk, store_b.pk}
    assert sum(mix["customers"] for mix in rows[store_a.pk]["segment_mix"]) == 2
    assert sum(rows[store_b.pk]["churn"][band] for band in ("low", "medium", "high")) == 2
    assert rows[store_a.pk]["platform"] == "tmall"  # no order has a channel: the first channel
    assert set(rows[store_a.pk]["benchmarks"]) == {"gmv_growth", "conversion_rate", "lost_rate", "receivable_overdue"}
    buyers = body["cross_store_buyers"]
    assert buyers["in_two_or_more_stores"] == 1
    assert Decimal(buyers["gmv"]) == Decimal("2000.00") + Decimal("2500.00")
    assert buyers["buyers"] == 4 - 1
    assert {s["id"] for s in buyers["top"][0]["stores"]} == {store_a.pk, store_b.pk}
    assert sum(s["customers"] for s in body["segments"]) == 4


def test_the_public_schema_holds_no_raw_contact_id(published):
    raw = [SHARED_MOBILE, SHARED_WECHAT.lower(), SHARED_WECHAT, "only_in_a", "only_in_b_chat"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type IN ('text', 'character varying', 'jsonb', 'json')"
        )
        columns = cursor.fetchall()
        found = []
        for table, column in columns:
            for value in raw:
                cursor.execute(
                    f'SELECT count(*) FROM public."{table}" WHERE "{column}"::text LIKE %s',
                    [f"%{value}%"],
                )
                if cursor.fetchone()[0]:
                    found.append((table, column, value))
    assert found == []
    assert BuyerKey.objects.count() >= 4
    assert not BuyerKey.objects.filter(
        digest=hashlib.sha256(f"mobile:+86{SHARED_MOBILE}".encode()).hexdigest()
    ).exists()


def test_the_hashes_are_keyed_by_hqs_secret(published, store_a):
    before = set(BuyerKey.objects.filter(store_id=store_a.pk).values_list("digest", flat=True))
    with override_settings(HQ_BUYER_KEY="another-secret"):
        assert run_in_store(get_job("hq.insights_publish"), store=store_a, at=timezone.now()).ok
    connection.set_schema_to_public()
    after = set(BuyerKey.objects.filter(store_id=store_a.pk).values_list("digest", flat=True))
    assert before and after and not (before & after)


def test_no_store_learns_anything_of_another_stores_customers(published, store_a, store_b, users, api):
    """Store B's own insights, customers and pages say nothing of store A: not its name, its
    customers' ids, their value, nor that B's buyer also buys in A."""
    client = api(users.b_admin, store_b)
    bodies = [
        client.get("/api/v1/insights/rfm").content,
        client.get("/api/v1/insights/churn").content,
        client.get(f"/api/v1/customers/{published['b_shared'].pk}").content,
        client.get("/api/v1/customers").content,
    ]
    text = b" ".join(bodies).decode()
    assert store_a.name not in text and store_a.subdomain not in text
    assert "1000.00" not in text and "2000.00" not in text  # store A's orders and their value
    assert "4500.00" not in text  # the combined value is HQ's alone
    b_body = json.loads(bodies[2])
    assert "cross_store" not in json.dumps(b_body) and "other_stores" not in json.dumps(b_body)
    assert api(users.b_admin, store_b).get("/api/v1/hq/insights").status_code in (403, 404)
    assert api(users.b_admin).get("/api/v1/hq/insights").status_code == 403


def test_store_insight_of_an_empty_store_is_published_as_empty(store_b, in_store):
    with in_store(store_b):
        services.score_store()
    assert run_in_store(get_job("hq.insights_publish"), store=store_b, at=timezone.now()).ok
    connection.set_schema_to_public()
    assert StoreInsight.objects.get(store_id=store_b.pk).state == "empty"


def test_a_figure_leaving_its_own_band_is_flagged(published, store_a):
    today = StoreBenchmark.objects.get(store_id=store_a.pk).day
    for week in range(1, 9):
        StoreBenchmark.objects.create(
            store_id=store_a.pk,
            day=today - timedelta(weeks=week),
            gmv=0,
            gmv_previous=0,
            values={"receivable_overdue": f"{50000 + week * 10}.00", "gmv_growth": 0.1, "lost_rate": None},
            computed_at=timezone.now(),
        )
    benchmarks.snapshot(at=published["at"])  # the same day, even when the run crosses local midnight
    row = StoreBenchmark.objects.get(store_id=store_a.pk, day=today)
    assert row.anomalies["receivable_overdue"]["flag"] == "below"
    assert row.anomalies["receivable_overdue"]["points"] == 8
    assert row.anomalies["lost_rate"]["flag"] is None


def test_percentiles_count_lower_peers_and_ties_half():
    assert benchmarks.percentile(5.0, [1.0, 2.0, 5.0, 9.0]) == 62.5
    assert benchmarks.percentile(None, [1.0]) is None
    assert benchmarks.percentile(1.0, []) is None
    assert benchmarks.band([0.1, 0.1, 0.1], "lost_rate") is None
    low, high = benchmarks.band([0.1, 0.1, 0.1, 0.1], "lost_rate")
    assert low < 0.1 < high and round(high - low, 6) == 0.04


def test_hq_insights_page_renders(published, users, page_client):
    page = page_client(users.hq_exec).get("/insights/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert b'data-testid="cross-store-buyers"' in page.content
