"""GET /api/v1/hq/dashboard: HQ users read the consolidated figures from the public facts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hq_reports import rollups
from tests.factories.hq import make_history
from tests.factories.sales import make_more_sales_and_a_loss

pytestmark = pytest.mark.django_db

URL = "/api/v1/hq/dashboard"


@pytest.fixture
def fed(store_a, store_b, users, in_store):
    now = timezone.now()
    with in_store(store_a):
        make_history(owners=[users.a_sales], now=now, seed=31)
        rollups.drain()
    with in_store(store_b):
        make_history(owners=[users.b_sales], now=now, seed=32)
        rollups.drain()
    return store_a, store_b


def test_hq_executive_reads_the_dashboard_with_every_section(api, users, fed):
    response = api(users.hq_exec).get(URL, {"range": "30d"})

    assert response.status_code == 200
    body = response.json()
    for key in ("period", "previous_period", "metrics", "stores", "subsidiaries", "channels", "product_ranking"):
        assert key in body
    assert set(body["metrics"]["gmv"]) == {"value", "previous", "change", "trend"}
    assert {row["subdomain"] for row in body["stores"]} >= {"alpha", "bravo"}


def test_the_store_filter_gives_that_store_alone(api, users, fed):
    store_a, _ = fed
    whole = api(users.hq_exec).get(URL).json()
    one = api(users.hq_exec).get(URL, {"store": store_a.pk}).json()

    assert [row["id"] for row in one["stores"]] == [store_a.pk]
    row = next(r for r in whole["stores"] if r["id"] == store_a.pk)
    assert one["metrics"]["gmv"]["value"] == row["gmv"]
    assert Decimal(one["metrics"]["gmv"]["value"]) < Decimal(whole["metrics"]["gmv"]["value"])


def test_the_channel_filter_keeps_that_platform(api, users, fed):
    body = api(users.hq_exec).get(URL, {"channel": "tmall"}).json()

    assert [row["channel"] for row in body["channels"]] in ([], ["tmall"])
    assert body["filters"]["channel"] == "tmall"


def test_the_subsidiary_filter_by_code(api, users, fed):
    from tenants.models import Subsidiary

    store_a, _ = fed
    subsidiary = Subsidiary.objects.create(name="华东", code="east")
    type(store_a).objects.filter(pk=store_a.pk).update(subsidiary=subsidiary)

    body = api(users.hq_exec).get(URL, {"subsidiary": "east"}).json()

    assert [row["id"] for row in body["stores"]] == [store_a.pk]
    assert [row["name"] for row in body["subsidiaries"]] == ["华东"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"range": "year"}, "range"),
        ({"range": "custom", "start": "2026-02-10"}, "end"),
        ({"channel": "myspace"}, "channel"),
        ({"subsidiary": "nowhere"}, "subsidiary"),
        ({"limit": "0"}, "limit"),
    ],
)
def test_bad_queries_answer_400_naming_the_field(api, users, params, field):
    response = api(users.hq_exec).get(URL, params)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in response.json()["errors"]


def test_an_unknown_store_is_404(api, users):
    assert api(users.hq_exec).get(URL, {"store": 999999}).status_code == 404


def test_store_users_cannot_read_the_dashboard(api, users, store_a):
    assert api(users.a_admin).get(URL).status_code == 403
    assert api(users.a_admin, store_a).get(URL).status_code == 404
    assert api().get(URL).status_code == 401


def test_the_dashboard_never_enters_a_store_schema(api, users, fed):
    with CaptureQueriesContext(connection) as queries:
        assert api(users.hq_exec).get(URL).status_code == 200
    statements = " ".join(q["sql"] for q in queries.captured_queries)
    assert "sales_order" not in statements
    assert "s_alpha" not in statements


def test_counts_are_json_integers_and_amounts_strings(api, users, fed):
    metrics = api(users.hq_exec).get(URL).json()["metrics"]

    assert isinstance(metrics["orders"]["value"], int)
    assert isinstance(metrics["paying_customers"]["value"], int)
    assert isinstance(metrics["gmv"]["value"], str)


def test_each_change_says_whether_it_is_good_or_bad_news(api, store_a, users, in_store):
    with in_store(store_a):
        make_more_sales_and_a_loss(owner=users.a_sales, admin=users.a_admin)
        rollups.reconcile()

    body = api(users.hq_exec).get(URL, {"range": "7d", "store": store_a.pk}).json()

    metrics = body["metrics"]
    assert metrics["gmv"]["change"] == 2.0 and metrics["gmv"]["trend"] == "good"
    assert metrics["lost_rate"]["change"] == 0.5 and metrics["lost_rate"]["trend"] == "bad"
    assert body["stores"][0]["gmv_trend"] == "good"
