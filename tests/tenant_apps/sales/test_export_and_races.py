"""The XLSX export of the filtered order list, and a race: two warehouse users shipping the same
order at once (real connections) - exactly one wins."""

from __future__ import annotations

import io

import pytest
from django_tenants.utils import tenant_context
from openpyxl import load_workbook

from shared_apps.accounts.models import User
from tenant_apps.customers.models import Customer
from tenant_apps.sales import services
from tenant_apps.sales.models import Delivery, Order, OrderEvent, Product
from tenants.models import Store
from tests.conftest import STORE_A, user_email
from tests.factories import access_of
from tests.factories.sales import make_customer, make_order, make_product
from tests.races import at_once


@pytest.mark.django_db
def test_export_contains_filtered_orders(api, users, store_a, catalogue, in_store):
    with in_store(store_a):
        c = make_customer(name="=HYPERLINK(1)", owner=users.a_sales)
        shown = make_order(customer=c, owner=users.a_sales, lines=[(catalogue["p1"], 3, "95.50")])
        make_order(
            customer=c,
            owner=users.a_sales,
            lines=[(catalogue["p1"], 1, "100")],
            status="pending_collection",
            payment_mode="prepaid",
        )
    response = api(users.a_admin, store_a).get("/api/v1/orders/export?payment_mode=credit")
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    header, row = rows
    assert len(header) == len(row)
    assert row[0] == shown.number
    assert row[2] == "'=HYPERLINK(1)"
    assert str(row[8]) == "286.5"


@pytest.mark.django_db
def test_export_needs_permission(api, users, store_a):
    assert api(users.a_sales, store_a).get("/api/v1/orders/export").status_code == 403


@pytest.fixture
def world(committed_db):
    store = Store.objects.get(subdomain=STORE_A["subdomain"])
    people = {k: User.objects.get(email=user_email(k)) for k in ("a_sales", "a_warehouse", "a_admin")}
    yield store, people
    with tenant_context(store):
        orders = Order.objects.filter(number__startswith="RACE")
        OrderEvent.objects.filter(order__in=orders).delete()
        Delivery.objects.filter(order__in=orders).delete()
        from tenant_apps.outbox.models import OutboxEvent

        OutboxEvent.objects.filter(topic="order", entity_id__in=list(orders.values_list("pk", flat=True))).delete()
        from tenant_apps.notifications.models import Notification

        Notification.objects.filter(kind="sales.order_shipped").delete()
        orders.delete()
        Product.objects.filter(sku="RACE-SKU").delete()
        Customer.objects.filter(name="Race customer").delete()


def test_two_warehouse_users_ship_same_order_one_wins(world):
    store, people = world
    with tenant_context(store):
        product = make_product(sku="RACE-SKU")
        order = make_order(
            customer=make_customer(name="Race customer", owner=people["a_sales"]),
            owner=people["a_sales"],
            lines=[(product, 1, "100")],
            status="pending_delivery",
            number="RACE-1",
        )

    def ship(user, tracking):
        access = access_of(user, store)

        def call():
            services.order_transition(
                order_id=order.pk, access=access, to="pending_receipt", carrier="顺丰", tracking_number=tracking
            )
            return "ok"

        return call

    results = at_once(store, ship(people["a_warehouse"], "SF1"), ship(people["a_admin"], "SF2"))
    assert sorted(results) == ["invalid_transition", "ok"]
    with tenant_context(store):
        assert Order.objects.get(pk=order.pk).status == "pending_receipt"
        assert OrderEvent.objects.filter(order_id=order.pk, kind="transition").count() == 1
        assert Delivery.objects.filter(order_id=order.pk).count() == 1
