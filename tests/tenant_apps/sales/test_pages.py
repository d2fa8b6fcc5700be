"""The sales pages render for the roles that may see them and drive the services."""

from __future__ import annotations

import pytest

from tenant_apps.sales.models import Order, Quotation
from tests.factories.sales import make_customer, make_order

pytestmark = pytest.mark.django_db


def test_pages_render(page_client, users, store_a, catalogue, customer, in_store):
    with in_store(store_a):
        order = make_order(customer=customer, owner=users.a_sales, lines=[(catalogue["p1"], 1, "100")])
    client = page_client(users.a_admin, store_a)
    for url in (
        "/sales/products/",
        "/sales/products/new/",
        f"/sales/products/{catalogue['p1'].pk}/edit/",
        "/sales/quotations/",
        "/sales/quotations/new/",
        "/sales/orders/",
        f"/sales/orders/{order.pk}/",
        "/sales/warehouse/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert order.number in client.get("/sales/orders/").content.decode()


def test_quotation_editor_creates_and_previews(page_client, users, store_a, catalogue, customer, in_store):
    client = page_client(users.a_sales, store_a)
    form = {
        "customer": customer.pk,
        "valid_until": "2099-01-01",
        "product_0": catalogue["p1"].pk,
        "quantity_0": "2",
        "unit_price_0": "80.00",
    }
    preview = client.post("/sales/quotations/preview/", form)
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "80%" in body  # the discount, as a percentage like everywhere
    assert 'data-testid="preview-approval"' in body
    response = client.post("/sales/quotations/new/", form)
    assert response.status_code == 302
    with in_store(store_a):
        quotation = Quotation.objects.get()
    assert quotation.amount == 160
    detail = client.get(response["Location"])
    assert quotation.number in detail.content.decode()
    client.post(f"/sales/quotations/{quotation.pk}/submit/")
    with in_store(store_a):
        assert Quotation.objects.get().status == "pending_approval"


def test_order_page_buttons_follow_role(page_client, users, store_a, catalogue, customer, in_store):
    with in_store(store_a):
        order = make_order(customer=customer, owner=users.a_sales, lines=[(catalogue["p1"], 1, "100")])
    warehouse = page_client(users.a_warehouse, store_a).get(f"/sales/orders/{order.pk}/").content.decode()
    assert 'data-testid="move-pending_delivery"' in warehouse
    assert 'data-testid="move-cancelled"' not in warehouse
    sales = page_client(users.a_sales, store_a).get(f"/sales/orders/{order.pk}/").content.decode()
    assert 'data-testid="move-pending_delivery"' not in sales
    assert 'data-testid="move-cancelled"' in sales


def test_warehouse_records_outbound_from_queue(page_client, users, store_a, catalogue, customer, in_store):
    with in_store(store_a):
        order = make_order(customer=customer, owner=users.a_sales, lines=[(catalogue["p1"], 1, "100")])
    client = page_client(users.a_warehouse, store_a)
    assert order.number in client.get("/sales/warehouse/").content.decode()
    response = client.post(f"/sales/orders/{order.pk}/transition/", {"to": "pending_delivery", "next": "warehouse"})
    assert response.status_code == 302
    with in_store(store_a):
        assert Order.objects.get(pk=order.pk).status == "pending_delivery"


def test_salesperson_gets_404_for_colleagues_order_page(page_client, users, store_a, catalogue, in_store):
    with in_store(store_a):
        order = make_order(
            customer=make_customer(owner=users.a_sales2), owner=users.a_sales2, lines=[(catalogue["p1"], 1, "100")]
        )
    assert page_client(users.a_sales, store_a).get(f"/sales/orders/{order.pk}/").status_code == 404


def test_customer_360_shows_sales_panel(api, users, store_a, catalogue, customer, in_store):
    with in_store(store_a):
        make_order(customer=customer, owner=users.a_sales, lines=[(catalogue["p1"], 3, "100")], collected="100.00")
    data = api(users.a_sales, store_a).get(f"/api/v1/customers/{customer.pk}").json()
    panels = data.get("summary", data).get("panels", {})
    assert panels["sales"]["lifetime_value"] == "300.00"
    assert panels["sales"]["outstanding"] == "200.00"
    assert panels["sales"]["order_count"] == 1


def test_amounts_on_the_order_and_customer_pages_read_as_money(
    page_client, users, store_a, catalogue, customer, in_store
):
    with in_store(store_a):
        order = make_order(
            customer=customer, owner=users.a_sales, lines=[(catalogue["p2"], 6170, "200")], collected="1000"
        )
    client = page_client(users.a_admin, store_a)

    detail = client.get(f"/sales/orders/{order.pk}/").content.decode()
    # One money panel, finance's, for those who see payments.
    assert '<dd class="fs-6 m-0 money">¥1,234,000.00</dd>' in detail
    assert '<dd class="fs-6 m-0 fw-semibold money">¥1,233,000.00</dd>' in detail
    warehouse = page_client(users.a_warehouse, store_a).get(f"/sales/orders/{order.pk}/").content.decode()
    assert 'data-testid="order-outstanding">¥1,233,000.00<' in warehouse
    assert 'class="text-end money">¥1,234,000.00</td>' in client.get("/sales/orders/").content.decode()
    customer_page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert '<span class="money">¥1,234,000.00</span>' in customer_page  # the 360° sales panel


def test_odd_ids_in_the_forms_are_refused_not_a_server_error(page_client, users, store_a, customer):
    client = page_client(users.a_admin, store_a)
    form = {"customer": customer.pk, "product_0": "²", "quantity_0": "1", "unit_price_0": "1.00", "product_1": "9" * 30}

    editor = client.post("/sales/quotations/new/", form, HTTP_ACCEPT_LANGUAGE="en")
    bulk = client.post("/sales/orders/bulk/", {"action": "export", "ids": ["²"]}, HTTP_ACCEPT_LANGUAGE="en")

    assert editor.status_code == 200
    assert "No such product." in editor.content.decode()
    assert bulk.status_code == 302
