"""Who sees cost prices and gross profit: store admins, supervisors, finance and HQ. A salesperson
never does: every endpoint and page that carries a cost (products, orders, the order list and its
export, the Kanban API and page, the order import's report, HQ) is walked as a salesperson with no
cost field or text in it, and as a supervisor with it there."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import override_settings

from hq_reports import rollups
from tenant_apps.sales.models import ProductCost
from tests.dates import earlier_today
from tests.factories.sales import make_customer, make_order

pytestmark = pytest.mark.django_db

UNIT_COST = "61.37"
ORDER_COST = "184.11"  # 3 x 61.37
GROSS_PROFIT = "115.89"  # 300.00 - 184.11
COST_KEYS = {"cost_price", "unit_cost", "cost", "gross_profit", "gross_margin", "lines_without_cost"}
COST_MARKERS = (
    UNIT_COST,
    ORDER_COST,
    GROSS_PROFIT,
    'data-metric="gross_profit"',
    'data-metric="gross_margin"',
    'data-metric="lines_without_cost"',
    'data-testid="order-gross-profit"',
    'data-testid="order-cost"',
    'data-testid="line-unit-cost"',
    'data-testid="product-cost"',
)


@pytest.fixture(autouse=True)
def _no_result_cache():
    cache.clear()
    with override_settings(KANBAN_CACHE_SECONDS=0):
        yield


@pytest.fixture
def costed(store_a, users, in_store, catalogue):
    """An order of a_sales whose line carries a cost, with the product's cost price, fed to HQ."""
    with in_store(store_a):
        product = catalogue["p1"]
        ProductCost.objects.create(product=product, unit_cost=UNIT_COST, effective_from=earlier_today())
        buyer = make_customer(owner=users.a_sales, name="毛利客户")
        order = make_order(
            customer=buyer, owner=users.a_sales, lines=[(product, 3, "100.00", UNIT_COST)], signed_at=earlier_today()
        )
        rollups.reconcile()
    return {"product": product, "order": order}


def _keys(value) -> set[str]:
    """Every key anywhere in a JSON body."""
    if isinstance(value, dict):
        return set(value) | set().union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value)) if value else set()
    return set()


def _api_bodies(client, costed) -> dict[str, object]:
    product, order = costed["product"].pk, costed["order"].pk
    bodies = {}
    for path in (
        "/api/v1/products",
        f"/api/v1/products/{product}",
        "/api/v1/orders",
        f"/api/v1/orders/{order}",
        "/api/v1/kanban?range=today",
        "/api/v1/kanban?range=7d",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.content)
        bodies[path] = response.json()
    return bodies


def _pages(client, costed) -> dict[str, str]:
    pages = {}
    for path in ("/sales/products/", "/sales/orders/", f"/sales/orders/{costed['order'].pk}/", "/kanban/"):
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = response.content.decode()
    return pages


def test_a_salesperson_sees_no_cost_anywhere(api, page_client, users, store_a, costed):
    client = api(users.a_sales, store_a)

    for path, body in _api_bodies(client, costed).items():
        assert not (_keys(body) & COST_KEYS), path
        text = json.dumps(body)
        assert UNIT_COST not in text and ORDER_COST not in text and GROSS_PROFIT not in text, path
    for path, html in _pages(page_client(users.a_sales, store_a), costed).items():
        for marker in COST_MARKERS:
            assert marker not in html, (path, marker)
    # What carries costs and is not theirs at all: refused.
    product = costed["product"].pk
    assert client.get(f"/api/v1/products/{product}/costs").status_code == 403
    assert client.get("/api/v1/orders/export").status_code == 403
    assert page_client(users.a_sales, store_a).get("/sales/orders/export/?format=csv").status_code == 403
    assert client.post("/api/v1/orders/import", {}, format="multipart").status_code == 403
    assert api(users.a_sales).get("/api/v1/hq/dashboard").status_code in (403, 404)


def test_a_supervisor_sees_the_costs_everywhere(api, page_client, users, store_a, costed):
    client = api(users.a_supervisor, store_a)

    bodies = _api_bodies(client, costed)
    product, order = costed["product"].pk, costed["order"].pk
    assert bodies[f"/api/v1/products/{product}"]["cost_price"] == UNIT_COST
    assert all("cost_price" in row for row in bodies["/api/v1/products"]["results"])
    detail = bodies[f"/api/v1/orders/{order}"]
    assert (detail["cost"], detail["gross_profit"], detail["lines_without_cost"]) == (ORDER_COST, GROSS_PROFIT, 0)
    assert [line["unit_cost"] for line in detail["lines"]] == [UNIT_COST]
    assert bodies["/api/v1/orders"]["results"][0]["gross_profit"] == GROSS_PROFIT
    for path in ("/api/v1/kanban?range=today", "/api/v1/kanban?range=7d"):
        assert bodies[path]["metrics"]["gross_profit"]["value"] == GROSS_PROFIT, path
    pages = _pages(page_client(users.a_supervisor, store_a), costed)
    assert 'data-testid="product-cost"' in pages["/sales/products/"] and UNIT_COST in pages["/sales/products/"]
    assert 'data-testid="order-gross-profit"' in pages["/sales/orders/"] and GROSS_PROFIT in pages["/sales/orders/"]
    assert UNIT_COST in pages[f"/sales/orders/{order}/"] and GROSS_PROFIT in pages[f"/sales/orders/{order}/"]
    assert 'data-metric="gross_profit"' in pages["/kanban/"]
    assert client.get(f"/api/v1/products/{product}/costs").json()[0]["unit_cost"] == UNIT_COST
    export = page_client(users.a_supervisor, store_a).get("/sales/orders/export/?format=csv")
    assert export.status_code == 200
    assert ORDER_COST in b"".join(export.streaming_content).decode("utf-8-sig")


def test_finance_and_hq_see_the_costs(api, page_client, users, store_a, costed):
    finance = api(users.a_finance, store_a)
    assert finance.get(f"/api/v1/orders/{costed['order'].pk}").json()["gross_profit"] == GROSS_PROFIT
    assert finance.get("/api/v1/kanban?range=today").json()["metrics"]["gross_profit"]["value"] == GROSS_PROFIT

    hq = api(users.hq_exec).get("/api/v1/hq/dashboard", {"range": "today", "store": store_a.pk}).json()

    assert hq["metrics"]["gross_profit"]["value"] == GROSS_PROFIT
    assert hq["stores"][0]["gross_profit"] == GROSS_PROFIT
    assert hq["stores"][0]["lines_without_cost"] == 0
    html = page_client(users.hq_exec).get("/dashboard/?range=today").content.decode()
    assert 'data-testid="hq-store-gross-profit"' in html


def test_warehouse_sees_no_cost(api, users, store_a, costed):
    body = api(users.a_warehouse, store_a).get(f"/api/v1/orders/{costed['order'].pk}").json()
    assert not (_keys(body) & COST_KEYS)
