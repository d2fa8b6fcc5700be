"""The global search: customers, orders and quotations by number, name or mobile, scoped by the
caller's visibility like the list APIs."""

from __future__ import annotations

from decimal import Decimal

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(in_store, store_a, users):
    from tests.factories.sales import make_customer, make_order, make_product

    with in_store(store_a):
        product = make_product(list_price="10.00")
        mine = make_customer(
            owner=users.a_sales, name="Zhang Wei", mobile="+8613900001234", mobile_normalized="+8613900001234"
        )
        theirs = make_customer(
            owner=users.a_sales2, name="Zhang Li", mobile="+8613700005678", mobile_normalized="+8613700005678"
        )
        make_order(customer=mine, owner=users.a_sales, lines=[(product, 1, Decimal("10.00"))], number="SO-MINE-1")
        make_order(customer=theirs, owner=users.a_sales2, lines=[(product, 1, Decimal("10.00"))], number="SO-THEIRS-1")
    return {"mine": mine, "theirs": theirs}


def titles(body, section):
    return [hit["title"] for hit in body.get(section, [])]


def test_a_salesperson_finds_only_what_they_may_see(api, users, store_a, world):
    body = api(users.a_sales, store_a).get("/api/v1/search", {"q": "Zhang"}).json()
    assert titles(body, "customers") == ["Zhang Wei"]
    assert titles(body, "orders") == ["SO-MINE-1"]


def test_an_admin_finds_everything(api, users, store_a, world):
    body = api(users.a_admin, store_a).get("/api/v1/search", {"q": "Zhang"}).json()
    assert sorted(titles(body, "customers")) == ["Zhang Li", "Zhang Wei"]
    assert sorted(titles(body, "orders")) == ["SO-MINE-1", "SO-THEIRS-1"]


def test_by_mobile_finds_the_customer_and_their_orders(api, users, store_a, world):
    body = api(users.a_admin, store_a).get("/api/v1/search", {"q": "139 0000"}).json()
    assert titles(body, "customers") == ["Zhang Wei"]
    assert titles(body, "orders") == ["SO-MINE-1"]
    assert body["customers"][0]["subtitle"] == "139 0000 1234"


def test_by_order_number(api, users, store_a, world):
    body = api(users.a_admin, store_a).get("/api/v1/search", {"q": "SO-THEIRS"}).json()
    assert titles(body, "orders") == ["SO-THEIRS-1"]
    assert body["orders"][0]["url"].startswith("/sales/orders/")


def test_another_store_finds_nothing_of_this_one(api, users, store_b, world):
    body = api(users.b_admin, store_b).get("/api/v1/search", {"q": "Zhang"}).json()
    assert body["customers"] == [] and body["orders"] == [] and body["quotations"] == []


def test_an_empty_query_is_a_problem(api, users, store_a):
    response = api(users.a_sales, store_a).get("/api/v1/search", {"q": "  "})
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "q" in response.json()["errors"]


def test_the_search_page_from_the_top_bar(page_client, users, store_a, world):
    client = page_client(users.a_sales, store_a)
    assert 'data-testid="global-search"' in client.get("/customers/").content.decode()
    html = client.get("/search/", {"q": "Zhang"}).content.decode()
    assert "Zhang Wei" in html and "Zhang Li" not in html
