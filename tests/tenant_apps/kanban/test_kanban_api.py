"""``GET /api/v1/kanban``: body shape, filters, scoping by role, refusals and the result cache."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shared_apps.reporting.catalogue import KANBAN_KEYS
from tenant_apps.outbox.services import publish
from tenant_apps.workspace.models import Channel
from tests.dates import earlier_today
from tests.factories.sales import make_customer, make_more_sales_and_a_loss, make_order, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_result_cache():
    from django.core.cache import cache

    cache.clear()


def _orders(store, users, in_store):
    with in_store(store):
        product = make_product()
        tmall, jd = Channel.objects.get(code="tmall"), Channel.objects.get(code="jd")
        signed = earlier_today()
        mine = make_customer(owner=users.a_sales, channel=tmall, province="广东")
        theirs = make_customer(owner=users.a_sales2, channel=jd, province="浙江")
        make_order(customer=mine, owner=users.a_sales, channel=tmall, lines=[(product, 1, "100.00")], signed_at=signed)
        make_order(customer=theirs, owner=users.a_sales2, channel=jd, lines=[(product, 2, "60.50")], signed_at=signed)
        return tmall, jd


def test_body_has_every_key_of_the_contract(api, store_a, users):
    response = api(users.a_admin, store_a).get("/api/v1/kanban?range=7d")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {
        "period",
        "previous_period",
        "metrics",
        "product_ranking",
        "category_ranking",
        "sales_trend",
        "customer_mix",
        "geography",
        "devices",
    }
    assert list(body["metrics"]) == list(KANBAN_KEYS)
    assert all(set(m) == {"value", "previous", "change", "trend"} for m in body["metrics"].values())


def test_amounts_are_strings_and_counts_integers(api, store_a, users, in_store):
    _orders(store_a, users, in_store)
    body = api(users.a_admin, store_a).get("/api/v1/kanban?range=today").json()
    assert body["metrics"]["gmv"]["value"] == "221.00"
    assert body["metrics"]["orders"]["value"] == 2
    assert body["metrics"]["aov"]["value"] == "110.50"


def test_each_change_says_whether_it_is_good_or_bad_news(api, store_a, users, in_store):
    with in_store(store_a):
        make_more_sales_and_a_loss(owner=users.a_sales, admin=users.a_admin)

    metrics = api(users.a_admin, store_a).get("/api/v1/kanban?range=7d").json()["metrics"]

    assert metrics["gmv"]["change"] == 2.0 and metrics["gmv"]["trend"] == "good"
    assert metrics["lost_rate"]["value"] == 0.5 and metrics["lost_rate"]["previous"] == 0.0
    assert metrics["lost_rate"]["change"] == 0.5 and metrics["lost_rate"]["trend"] == "bad"
    assert metrics["orders"]["change"] == 0.0 and metrics["orders"]["trend"] == "flat"
    assert metrics["entry_rate"]["change"] is None and metrics["entry_rate"]["trend"] is None


def test_channel_filter_accepts_an_id_or_a_code(api, store_a, users, in_store):
    tmall, _jd = _orders(store_a, users, in_store)
    client = api(users.a_admin, store_a)
    by_code = client.get("/api/v1/kanban?range=7d&channel=tmall").json()
    by_id = client.get(f"/api/v1/kanban?range=7d&channel={tmall.pk}").json()
    assert by_code["metrics"]["gmv"]["value"] == by_id["metrics"]["gmv"]["value"] == "100.00"


def test_unknown_channel_is_a_validation_error(api, store_a, users):
    response = api(users.a_admin, store_a).get("/api/v1/kanban?channel=nope")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_salesperson_sees_only_their_own_figures(api, store_a, users, in_store):
    _orders(store_a, users, in_store)
    body = api(users.a_sales, store_a).get("/api/v1/kanban?range=7d").json()
    assert body["metrics"]["gmv"]["value"] == "100.00"
    assert body["filters"]["salesperson"] == users.a_sales.pk


def test_salesperson_asking_for_another_is_refused(api, store_a, users):
    response = api(users.a_sales, store_a).get(f"/api/v1/kanban?salesperson={users.a_sales2.pk}")
    assert response.status_code == 403


def test_supervisor_sees_the_store_or_any_salesperson(api, store_a, users, in_store):
    _orders(store_a, users, in_store)
    client = api(users.a_supervisor, store_a)
    assert client.get("/api/v1/kanban?range=7d").json()["metrics"]["gmv"]["value"] == "221.00"
    one = client.get(f"/api/v1/kanban?range=7d&salesperson={users.a_sales2.pk}").json()
    assert one["metrics"]["gmv"]["value"] == "121.00"


def test_role_without_kanban_view_is_refused(api, store_a, users):
    assert api(users.a_warehouse, store_a).get("/api/v1/kanban").status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        "range=year",
        "range=custom&start=2026-03-01",
        "range=custom&start=x&end=2026-03-01",
        "limit=0",
        "limit=abc",
        "salesperson=-3",
        "range=custom&start=2026-03-05&end=2026-03-01",
    ],
)
def test_bad_query_is_a_400(api, store_a, users, query):
    response = api(users.a_admin, store_a).get(f"/api/v1/kanban?{query}")
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_limit_caps_the_rankings(api, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
        lines = [(make_product(), 1, "10.00") for _ in range(3)]
        make_order(customer=customer, owner=users.a_sales, lines=lines, signed_at=timezone.now())
    body = api(users.a_admin, store_a).get("/api/v1/kanban?range=today&limit=2").json()
    assert len(body["product_ranking"]) == 2


def test_cached_figures_change_after_a_published_fact(api, store_a, users, in_store):
    client = api(users.a_admin, store_a)
    assert client.get("/api/v1/kanban?range=today").json()["metrics"]["orders"]["value"] == 0
    with in_store(store_a):
        order = make_order(
            customer=make_customer(owner=users.a_sales), owner=users.a_sales, lines=[(make_product(), 1, "9.00")]
        )
    # Written without publishing: the cached body is still served.
    assert client.get("/api/v1/kanban?range=today").json()["metrics"]["orders"]["value"] == 0
    with in_store(store_a):
        publish(topic="order", entity_id=order.pk)
    assert client.get("/api/v1/kanban?range=today").json()["metrics"]["orders"]["value"] == 1
