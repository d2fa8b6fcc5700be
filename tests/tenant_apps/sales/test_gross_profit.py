"""Gross profit (metrics.md): cost prices with their history on products, the cost in effect
captured on order lines when an order is signed (or given by an order import), and gross profit,
margin and lines without a cost on the order, in the Kanban and at HQ, for the roles that may
see costs; bad costs are refused and change nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import override_settings

from tenant_apps.sales.models import Order, Product, ProductCost
from tests.dates import earlier_today
from tests.factories.sales import make_customer, make_order, make_product
from tests.tenant_apps.sales.conftest import lines

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_result_cache():
    cache.clear()
    with override_settings(KANBAN_CACHE_SECONDS=0):
        yield


def test_cost_prices_keep_their_history_and_the_product_shows_the_one_in_effect(
    api, users, store_a, catalogue, time_machine
):
    time_machine.move_to("2027-01-10T10:00:00+08:00", tick=False)
    p1 = catalogue["p1"].pk
    supervisor = api(users.a_supervisor, store_a)

    first = supervisor.patch(f"/api/v1/products/{p1}", {"cost_price": "60.00"}, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["cost_price"] == "60.00"
    time_machine.move_to("2027-01-12T09:00:00+08:00", tick=False)
    second = api(users.a_finance, store_a).post(
        f"/api/v1/products/{p1}/costs", {"unit_cost": "64.50", "effective_from": "2027-01-15T00:00:00+08:00"}
    )
    assert second.status_code == 201, second.content

    # The later one is not in effect yet.
    assert supervisor.get(f"/api/v1/products/{p1}").json()["cost_price"] == "60.00"
    time_machine.move_to("2027-01-15T00:00:01+08:00", tick=False)
    assert supervisor.get(f"/api/v1/products/{p1}").json()["cost_price"] == "64.50"
    history = supervisor.get(f"/api/v1/products/{p1}/costs").json()
    assert [(c["unit_cost"], c["set_by"]) for c in history] == [
        ("64.50", users.a_finance.pk),
        ("60.00", users.a_supervisor.pk),
    ]
    assert supervisor.get(f"/api/v1/products/{catalogue['p2'].pk}").json()["cost_price"] is None


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("", {"cost_price": "-0.01"}, "cost_price"),
        ("", {"cost_price": "abc"}, "cost_price"),
        ("/costs", {"unit_cost": "-5"}, "unit_cost"),
        ("/costs", {"unit_cost": "1.234"}, "unit_cost"),
        ("/costs", {"unit_cost": "5", "effective_from": "someday"}, "effective_from"),
    ],
)
def test_a_bad_cost_is_400_naming_the_field_and_changes_nothing(
    api, users, store_a, catalogue, in_store, path, body, field
):
    p1 = catalogue["p1"]
    client = api(users.a_admin, store_a)
    method = client.patch if path == "" else client.post

    response = method(f"/api/v1/products/{p1.pk}{path}", body, format="json")

    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert field in problem["errors"]
    with in_store(store_a):
        assert not ProductCost.objects.exists()
        assert Product.objects.get(pk=p1.pk).updated_at == p1.updated_at


def test_a_salesperson_may_neither_set_nor_read_costs(api, users, store_a, catalogue, in_store):
    p1 = catalogue["p1"].pk
    sales = api(users.a_sales, store_a)

    assert sales.post(f"/api/v1/products/{p1}/costs", {"unit_cost": "1.00"}).status_code == 403
    assert sales.get(f"/api/v1/products/{p1}/costs").status_code == 403
    with in_store(store_a):
        assert not ProductCost.objects.exists()


def test_signing_captures_the_cost_in_effect_and_a_later_change_leaves_the_order_alone(
    api, users, store_a, catalogue, customer, in_store, time_machine
):
    time_machine.move_to("2027-02-01T10:00:00+08:00", tick=False)
    p1, p2 = catalogue["p1"], catalogue["p2"]
    admin = api(users.a_admin, store_a)
    assert admin.patch(f"/api/v1/products/{p1.pk}", {"cost_price": "61.37"}, format="json").status_code == 200

    made = admin.post(
        "/api/v1/orders",
        {"customer": customer.pk, "payment_mode": "prepaid", "lines": lines((p1, 3, "100"), (p2, 1, "200"))},
        format="json",
    )

    assert made.status_code == 201, made.content
    order = made.json()
    assert [line["unit_cost"] for line in order["lines"]] == ["61.37", None]
    assert order["cost"] == "184.11"
    assert order["gross_profit"] == "315.89"  # 500.00 - 3 x 61.37; the line without a cost counts at 0
    assert order["gross_margin"] == pytest.approx(0.63178)
    assert order["lines_without_cost"] == 1
    time_machine.move_to("2027-02-02T10:00:00+08:00", tick=False)
    assert admin.patch(f"/api/v1/products/{p1.pk}", {"cost_price": "99.00"}, format="json").status_code == 200
    again = admin.get(f"/api/v1/orders/{order['id']}").json()
    assert [line["unit_cost"] for line in again["lines"]] == ["61.37", None]
    assert again["gross_profit"] == "315.89"


def test_the_order_import_takes_unit_cost_and_refuses_a_bad_one_per_row(
    api, users, store_a, catalogue, in_store, settings, tmp_path, time_machine
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    time_machine.move_to("2026-12-01T10:00:00+08:00", tick=False)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    header = (
        "external_id,customer_mobile,customer_name,sku,quantity,unit_price,unit_cost,signed_at,status,payment_mode\n"
    )
    text = header + (
        "G-1,13800138000,张三,TP-1210,2,100.00,55.25,2026-11-01 10:00,pending_collection,prepaid\n"
        "G-1,13800138000,张三,TP-1111,1,200.00,,2026-11-01 10:00,pending_collection,prepaid\n"
        "G-2,13800138001,李四,TP-1210,1,100.00,-1,2026-11-02 10:00,pending_collection,prepaid\n"
        "G-3,13800138002,王五,TP-1210,1,100.00,abc,2026-11-03 10:00,pending_collection,prepaid\n"
    )
    upload = SimpleUploadedFile("orders.csv", text.encode(), content_type="text/csv")

    response = api(users.a_admin, store_a).post(
        "/api/v1/orders/import", {"file": upload}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200, response.content
    rows = response.json()["rows"]
    assert [row["outcome"] for row in rows][:2] == ["created", "created"], rows
    assert all(row["outcome"] != "created" for row in rows[2:])
    assert all("Unit cost" in row["message"] for row in rows[2:])
    with in_store(store_a):
        [order] = Order.objects.all()
        assert [line.unit_cost for line in order.lines.order_by("position")] == [Decimal("55.25"), None]
        assert (order.cost, order.lines_without_cost) == (Decimal("110.50"), 1)


def _kanban_orders(store, users, in_store, *, signed):
    with in_store(store):
        product = make_product(list_price="100.00")
        buyer = make_customer(owner=users.a_sales)
        make_order(customer=buyer, owner=users.a_sales, lines=[(product, 2, "100.00", "70.00")], signed_at=signed)
        make_order(customer=buyer, owner=users.a_sales, lines=[(product, 1, "50.00")], signed_at=signed)
        make_order(
            customer=buyer,
            owner=users.a_sales,
            lines=[(product, 9, "100.00", "1.00")],
            signed_at=signed,
            status=Order.Status.CANCELLED,
        )


@pytest.mark.parametrize("range_name", ["today", "7d", "30d"])
def test_the_kanban_gives_gross_profit_margin_and_lines_without_cost(api, users, store_a, in_store, range_name):
    _kanban_orders(store_a, users, in_store, signed=earlier_today())

    metrics = api(users.a_supervisor, store_a).get(f"/api/v1/kanban?range={range_name}").json()["metrics"]

    # gmv 250.00; cost 140.00 (the 50.00 line has none, the cancelled order does not count)
    assert metrics["gross_profit"]["value"] == "110.00"
    assert metrics["gross_margin"]["value"] == 0.44
    assert metrics["lines_without_cost"]["value"] == 1
    assert metrics["gross_profit"]["previous"] == "0.00"
    assert metrics["gross_margin"]["previous"] is None


def test_the_kanban_follows_a_cost_written_later_to_an_order(api, users, store_a, in_store):
    """The order facts behind the Kanban are kept by the sales journal: an order's cost changed by
    any writer shows at once."""
    _kanban_orders(store_a, users, in_store, signed=earlier_today() - timedelta(days=1))
    client = api(users.a_admin, store_a)
    assert client.get("/api/v1/kanban?range=7d").json()["metrics"]["gross_profit"]["value"] == "110.00"
    with in_store(store_a):
        Order.objects.filter(cost=0, status="pending_outbound").update(cost=Decimal("20.00"), lines_without_cost=0)

    metrics = client.get("/api/v1/kanban?range=7d").json()["metrics"]

    assert metrics["gross_profit"]["value"] == "90.00"
    assert metrics["lines_without_cost"]["value"] == 0
