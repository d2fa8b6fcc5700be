"""Categories, products and the price history used while quoting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tenant_apps.sales.models import Product
from tests.factories.sales import make_customer, make_order

pytestmark = pytest.mark.django_db


def test_manager_creates_and_filters_products(api, users, store_a, catalogue):
    client = api(users.a_supervisor, store_a)
    body = {"sku": "TP-NEW", "name": "田字托盘", "list_price": "88.80", "category": catalogue["category"].pk}
    response = client.post("/api/v1/products", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["list_price"] == "88.80"
    assert {r["sku"] for r in client.get("/api/v1/products?q=田字").json()["results"]} == {"TP-NEW"}
    assert {r["sku"] for r in client.get("/api/v1/products?active=false").json()["results"]} == {"TP-OLD"}
    cat = catalogue["category"].pk
    assert len(client.get(f"/api/v1/products?category={cat}").json()["results"]) == 3


def test_salesperson_cannot_manage_products(api, users, store_a):
    response = api(users.a_sales, store_a).post("/api/v1/products", {"sku": "X", "name": "X", "list_price": "1"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body", [{"list_price": "0"}, {"list_price": "-1"}, {"list_price": "1.234"}, {"sku": ""}, {"sku": "TP-1210"}]
)
def test_bad_product_input_is_400(api, users, store_a, catalogue, in_store, body):
    payload = {"sku": "TP-X", "name": "X", "list_price": "10.00", **body}
    response = api(users.a_admin, store_a).post("/api/v1/products", payload, format="json")
    assert response.status_code == 400, response.content
    with in_store(store_a):
        assert not Product.objects.filter(sku="TP-X").exists()


def test_category_create_and_duplicate(api, users, store_a):
    client = api(users.a_admin, store_a)
    assert client.post("/api/v1/categories", {"name": "配件"}, format="json").status_code == 201
    assert client.post("/api/v1/categories", {"name": "配件"}, format="json").status_code == 400
    assert [c["name"] for c in client.get("/api/v1/categories").json()] == ["配件"]


def test_price_history_customer_and_store_newest_first(api, users, store_a, catalogue, customer, in_store):
    now = timezone.now()
    with in_store(store_a):
        other = make_customer(name="王五", owner=users.a_sales2)
        p1 = catalogue["p1"]
        old = make_order(
            customer=customer, owner=users.a_sales, lines=[(p1, 1, "90")], signed_at=now - timedelta(days=3)
        )
        make_order(customer=other, owner=users.a_sales2, lines=[(p1, 5, "85")], signed_at=now - timedelta(days=1))
        make_order(customer=customer, owner=users.a_sales, lines=[(p1, 1, "10")], status="cancelled", signed_at=now)
    response = api(users.a_sales, store_a).get(f"/api/v1/products/{p1.pk}/price-history?customer={customer.pk}")
    assert response.status_code == 200, response.content
    data = response.json()
    assert [row["order_number"] for row in data["customer"]] == [old.number]
    assert [row["order_number"] for row in data["store"]] == [None, old.number]
    assert data["store"][0]["unit_price"] == "85.00"
    assert data["store"][0]["customer_name"] is None
    assert data["store"][0]["order"] is None
    assert data["store"][0]["quantity"] == 5
    assert data["store"][1]["customer_name"] == customer.name


def test_price_history_shows_a_supervisor_the_team_s_orders(api, users, store_a, catalogue, customer, in_store):
    with in_store(store_a):
        other = make_customer(name="王五", owner=users.a_sales2)
        order = make_order(customer=other, owner=users.a_sales2, lines=[(catalogue["p1"], 2, "70")])

    data = api(users.a_supervisor, store_a).get(f"/api/v1/products/{catalogue['p1'].pk}/price-history").json()

    assert [(row["order_number"], row["customer_name"]) for row in data["store"]] == [(order.number, "王五")]


def test_price_history_of_a_customer_the_salesperson_may_not_see_is_404(api, users, store_a, catalogue, in_store):
    with in_store(store_a):
        other = make_customer(name="王五", owner=users.a_sales2)
        make_order(customer=other, owner=users.a_sales2, lines=[(catalogue["p1"], 2, "70")])

    response = api(users.a_sales, store_a).get(
        f"/api/v1/products/{catalogue['p1'].pk}/price-history?customer={other.pk}"
    )

    assert response.status_code == 404
