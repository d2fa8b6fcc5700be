"""Orders through the API: creation from lines and quotations, the discount rule, totals, captured
prices, bad input, scoping and the pipeline by role."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tenant_apps.outbox.models import OutboxEvent
from tenant_apps.sales.models import Order, OrderEvent, OrderLine, Product
from tests.dates import iso_day
from tests.factories.sales import make_customer, make_order
from tests.tenant_apps.sales.conftest import lines

pytestmark = pytest.mark.django_db


def _create(api, user, store, **body):
    return api(user, store).post("/api/v1/orders", body, format="json")


def test_order_from_lines_amount_is_sum_of_lines(api, users, store_a, catalogue, customer, in_store):
    body = {
        "customer": customer.pk,
        "lines": lines((catalogue["p1"], 3, "95.50"), (catalogue["p2"], 2, "190.00")),
        "payment_mode": "prepaid",
        "device": "pc",
        "channel": "tmall",
    }
    response = _create(api, users.a_sales, store_a, **body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["amount"] == "666.50"
    assert data["status"] == "pending_collection"
    assert data["owner"] == users.a_sales.pk
    assert data["channel"] == "tmall"
    assert [line["amount"] for line in data["lines"]] == ["286.50", "380.00"]
    assert data["outstanding"] == "666.50"
    with in_store(store_a):
        assert OutboxEvent.objects.filter(topic="order", entity_id=data["id"]).exists()
        assert OrderEvent.objects.filter(order_id=data["id"], kind="created").count() == 1


def test_credit_order_starts_pending_outbound(api, users, store_a, catalogue, customer):
    body = {
        "customer": customer.pk,
        "lines": lines((catalogue["p1"], 1, "100.00")),
        "payment_mode": "credit",
        "due_date": iso_day(30),
    }
    response = _create(api, users.a_sales, store_a, **body)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending_outbound"
    assert response.json()["due_date"] == body["due_date"]


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"payment_mode": "credit"}, "due_date"),
        ({"lines": "ZERO_QTY"}, "lines.0.quantity"),
        ({"lines": "NEG_QTY"}, "lines.0.quantity"),
        ({"lines": "ZERO_PRICE"}, "lines.0.unit_price"),
        ({"lines": "NEG_PRICE"}, "lines.0.unit_price"),
        ({"lines": "THREE_DECIMALS"}, "lines.0.unit_price"),
        ({"lines": "UNKNOWN_PRODUCT"}, "lines.0.product"),
        ({"lines": "INACTIVE_PRODUCT"}, "lines.0.product"),
        ({"lines": []}, "lines"),
        ({"payment_mode": "barter"}, "payment_mode"),
        ({"device": "fax"}, "device"),
        ({"channel": "nope"}, "channel"),
    ],
)
def test_bad_order_input_is_400_and_writes_nothing(api, users, store_a, catalogue, customer, in_store, patch, field):
    p1 = catalogue["p1"]
    special = {
        "ZERO_QTY": [{"product": p1.pk, "quantity": 0, "unit_price": "100.00"}],
        "NEG_QTY": [{"product": p1.pk, "quantity": -2, "unit_price": "100.00"}],
        "ZERO_PRICE": [{"product": p1.pk, "quantity": 1, "unit_price": "0"}],
        "NEG_PRICE": [{"product": p1.pk, "quantity": 1, "unit_price": "-5.00"}],
        "THREE_DECIMALS": [{"product": p1.pk, "quantity": 1, "unit_price": "99.999"}],
        "UNKNOWN_PRODUCT": [{"product": 987654, "quantity": 1, "unit_price": "100.00"}],
        "INACTIVE_PRODUCT": [{"product": catalogue["inactive"].pk, "quantity": 1, "unit_price": "50.00"}],
    }
    body = {"customer": customer.pk, "lines": lines((p1, 1, "100.00")), "payment_mode": "prepaid"}
    body.update(patch)
    if isinstance(body["lines"], str):
        body["lines"] = special[body["lines"]]
    response = _create(api, users.a_sales, store_a, **body)
    assert response.status_code == 400, response.content
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert field in problem["errors"]
    with in_store(store_a):
        assert Order.objects.count() == 0
        assert OrderLine.objects.count() == 0


def test_discount_at_threshold_needs_no_approval(api, users, store_a, catalogue, customer):
    # threshold 0.900: 90.00 / 100.00 = 0.9000 is not below it
    body = {"customer": customer.pk, "lines": lines((catalogue["p1"], 1, "90.00")), "payment_mode": "prepaid"}
    response = _create(api, users.a_sales, store_a, **body)
    assert response.status_code == 201, response.content
    assert response.json()["discount_rate"] == 0.9


def test_discount_just_below_threshold_needs_approval(api, users, store_a, catalogue, customer, in_store):
    body = {"customer": customer.pk, "lines": lines((catalogue["p1"], 1, "89.99")), "payment_mode": "prepaid"}
    response = _create(api, users.a_sales, store_a, **body)
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "approval_required"
    with in_store(store_a):
        assert Order.objects.count() == 0


def test_supervisor_may_sign_below_threshold_directly(api, users, store_a, catalogue, customer):
    body = {"customer": customer.pk, "lines": lines((catalogue["p1"], 1, "80.00")), "payment_mode": "prepaid"}
    response = _create(api, users.a_supervisor, store_a, **body)
    assert response.status_code == 201, response.content
    assert response.json()["owner"] == users.a_sales.pk


def test_captured_prices_survive_catalogue_change(api, users, store_a, catalogue, customer, in_store):
    body = {"customer": customer.pk, "lines": lines((catalogue["p1"], 2, "95.00")), "payment_mode": "prepaid"}
    order_id = _create(api, users.a_sales, store_a, **body).json()["id"]
    patch = api(users.a_admin, store_a).patch(
        f"/api/v1/products/{catalogue['p1'].pk}", {"list_price": "150.00", "name": "新名字"}, format="json"
    )
    assert patch.status_code == 200, patch.content
    data = api(users.a_sales, store_a).get(f"/api/v1/orders/{order_id}").json()
    assert data["amount"] == "190.00"
    assert data["list_amount"] == "200.00"
    assert data["lines"][0]["list_price"] == "100.00"
    assert data["lines"][0]["product_name"] == "九脚塑料托盘 1200×1000"
    with in_store(store_a):
        assert Product.objects.get(pk=catalogue["p1"].pk).list_price == Decimal("150.00")


def test_salesperson_does_not_see_colleagues_orders(api, users, store_a, catalogue, in_store):
    with in_store(store_a):
        theirs = make_order(
            customer=make_customer(owner=users.a_sales2), owner=users.a_sales2, lines=[(catalogue["p1"], 1, "100")]
        )
        mine = make_order(
            customer=make_customer(owner=users.a_sales), owner=users.a_sales, lines=[(catalogue["p1"], 1, "100")]
        )
    client = api(users.a_sales, store_a)
    ids = [row["id"] for row in client.get("/api/v1/orders").json()["results"]]
    assert ids == [mine.pk]
    assert client.get(f"/api/v1/orders/{theirs.pk}").status_code == 404
    response = client.post(f"/api/v1/orders/{theirs.pk}/transition", {"to": "cancelled", "reason": "x"}, format="json")
    assert response.status_code == 404


def test_supervisor_sees_team_orders(api, users, store_a, catalogue, in_store):
    with in_store(store_a):
        made = {
            make_order(customer=make_customer(owner=u), owner=u, lines=[(catalogue["p1"], 1, "100")]).pk
            for u in (users.a_sales, users.a_sales2)
        }
    ids = {row["id"] for row in api(users.a_supervisor, store_a).get("/api/v1/orders").json()["results"]}
    assert ids == made


def test_order_list_filters(api, users, store_a, catalogue, in_store):
    with in_store(store_a):
        c = make_customer(name="李四物流", owner=users.a_sales)
        credit = make_order(customer=c, owner=users.a_sales, lines=[(catalogue["p1"], 1, "100")])
        prepaid = make_order(
            customer=make_customer(owner=users.a_sales),
            owner=users.a_sales,
            lines=[(catalogue["p1"], 1, "100")],
            payment_mode="prepaid",
            status="pending_collection",
        )
    client = api(users.a_admin, store_a)

    def ids(query):
        response = client.get(f"/api/v1/orders?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("payment_mode=prepaid") == {prepaid.pk}
    assert ids("status=pending_outbound") == {credit.pk}
    assert ids("status=pending_outbound,pending_collection") == {credit.pk, prepaid.pk}
    assert ids("q=李四") == {credit.pk}
    assert ids(f"q={credit.number}") == {credit.pk}
    assert ids(f"customer={c.pk}") == {credit.pk}
    assert client.get("/api/v1/orders?status=bogus").status_code == 400
    assert client.get("/api/v1/orders?signed_from=yesterday").status_code == 400


def test_long_order_list_uses_estimated_count(api, users, store_a, catalogue, in_store, monkeypatch):
    from tenant_apps.sales.paging import CappedCountPaginator

    with in_store(store_a):
        for _ in range(3):
            make_order(
                customer=make_customer(owner=users.a_sales), owner=users.a_sales, lines=[(catalogue["p1"], 1, "1")]
            )
    client = api(users.a_admin, store_a)
    exact = client.get("/api/v1/orders").json()
    assert (exact["count"], exact["count_is_estimate"]) == (3, False)
    monkeypatch.setattr(CappedCountPaginator, "COUNT_CAP", 2)
    capped = client.get("/api/v1/orders?page_size=2").json()
    assert capped["count_is_estimate"] is True
    assert capped["count"] >= 3
    assert len(capped["results"]) == 2


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("so20260101-00000", ["SO20260101-000001", "SO20260101-000002"]),
        ("SO20260101-", ["SO20260101-000001", "SO20260101-000002"]),
        ("SO20260102", ["SO20260102-000001"]),
        ("SO20260101-000002", ["SO20260101-000002"]),
        ("SO2027", []),
    ],
)
def test_order_search_finds_numbers_by_prefix_in_any_case(api, users, store_a, catalogue, in_store, q, expected):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
        for number in ("SO20260101-000001", "SO20260101-000002", "SO20260102-000001", "SO20260110-000001"):
            make_order(customer=customer, owner=users.a_sales, lines=[(catalogue["p1"], 1, "100")], number=number)

    rows = api(users.a_admin, store_a).get("/api/v1/orders", {"q": q}).json()["results"]

    assert sorted(row["number"] for row in rows) == expected
