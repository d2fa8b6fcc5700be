"""The finished 360° page: labelled module panels (no raw keys), times in the store's zone, linked
orders and quotations, the actions (follow-up, quotation, order, task) and follow-up attachments."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import access_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
RAW_KEYS = ("lifetime_value", "latest_orders", "net_received", "order_count", ">count<", ">open<")


def line(product, quantity: str, price: str) -> dict:
    return {"product_0": product.pk, "quantity_0": quantity, "unit_price_0": price}


def html_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def sold(store_a, in_store, users, make_customer):
    """A customer of a_sales with one order signed at 05:18 UTC (13:18 in Shanghai)."""
    from tests.factories.sales import make_order, make_product

    customer = make_customer(store_a, owner=users.a_sales, name="Panel customer")
    with in_store(store_a):
        product = make_product(list_price="100.00")
        order = make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(product, 3, "90.00")],
            signed_at=datetime(2026, 11, 26, 5, 18, 39, tzinfo=UTC),
            number="SO-PANEL-1",
        )
    return customer, order


def test_the_panels_are_labelled_and_show_no_raw_keys(page_client, users, store_a, sold):
    customer, _order = sold

    html = html_of(page_client(users.a_admin, store_a).get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="en"))

    for key in RAW_KEYS:
        assert key not in html, key
    assert 'data-testid="sales-panel"' in html and "Lifetime value" in html
    assert 'data-testid="finance-panel"' in html and "Net received" in html
    assert 'data-testid="aftersales-panel"' in html and "Open cases" in html


def test_the_last_order_is_shown_in_the_stores_zone_not_as_iso_text(page_client, users, store_a, sold):
    customer, _order = sold

    html = html_of(page_client(users.a_sales, store_a).get(f"/customers/{customer.pk}/"))

    assert "2026-11-26 13:18" in html  # store_a runs on Asia/Shanghai
    assert "2026-11-26T" not in html.split('data-testid="sales-panel"', 1)[1].split("</div>", 3)[0]
    assert "+00:00" not in html


def test_the_latest_orders_link_to_their_pages(page_client, users, store_a, sold):
    customer, order = sold

    html = html_of(page_client(users.a_sales, store_a).get(f"/customers/{customer.pk}/"))

    assert f'href="/sales/orders/{order.pk}/">SO-PANEL-1</a>' in html
    assert "¥270.00" in html


def test_the_labels_are_chinese_in_chinese(page_client, users, store_a, sold):
    customer, _order = sold

    html = html_of(
        page_client(users.a_sales, store_a).get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    )

    assert "Lifetime value" not in html and "Net received" not in html


def test_the_owner_sees_the_four_actions_that_their_role_allows(page_client, users, store_a, make_customer):
    customer = make_customer(store_a, owner=users.a_sales, name="Act on me")

    sales_html = html_of(page_client(users.a_sales, store_a).get(f"/customers/{customer.pk}/"))
    supervisor_html = html_of(page_client(users.a_supervisor, store_a).get(f"/customers/{customer.pk}/"))

    assert f'href="/sales/quotations/new/?customer={customer.pk}"' in sales_html
    assert f'href="/sales/orders/new/?customer={customer.pk}"' in sales_html
    assert 'data-testid="action-follow-up"' in sales_html
    assert 'data-testid="action-new-task"' not in sales_html  # salespeople do not assign work
    assert f'href="/kanban/tasks/?customer={customer.pk}#task-form"' in supervisor_html


def test_a_finance_user_gets_no_sales_actions(page_client, users, store_a, make_customer):
    customer = make_customer(store_a, owner=users.a_sales, name="Seen by finance")

    html = html_of(page_client(users.a_finance, store_a).get(f"/customers/{customer.pk}/"))

    assert 'data-testid="action-new-quotation"' not in html and 'data-testid="action-new-order"' not in html


def test_the_new_task_form_is_filled_in_for_the_customer_and_its_owner(page_client, users, store_a, make_customer):
    customer = make_customer(store_a, owner=users.a_sales, name="Task target")

    html = html_of(page_client(users.a_supervisor, store_a).get(f"/kanban/tasks/?customer={customer.pk}"))

    form = html.split('data-testid="task-form"', 1)[1]
    assert "Task target" in form
    assert f'<option value="{users.a_sales.pk}" selected>' in form


def test_the_new_order_page_preselects_the_customer_and_signs_an_order(
    page_client, users, store_a, in_store, make_customer
):
    from tests.factories.sales import make_product

    customer = make_customer(store_a, owner=users.a_sales, name="Direct order")
    with in_store(store_a):
        product = make_product(list_price="100.00")
    client = page_client(users.a_sales, store_a)

    page = html_of(client.get(f"/sales/orders/new/?customer={customer.pk}"))
    response = client.post(
        "/sales/orders/new/",
        {
            "customer": customer.pk,
            "payment_mode": "prepaid",
            "product_0": product.pk,
            "quantity_0": "2",
            "unit_price_0": "95.00",
        },
    )

    # The customer picker comes filled in with the customer.
    assert f'value="{customer.pk}"' in page and "Direct order" in page
    assert response.status_code == 302
    with in_store(store_a):
        from tenant_apps.sales.models import Order

        order = Order.objects.get(customer_id=customer.pk)
    assert response["Location"] == f"/sales/orders/{order.pk}/"
    assert order.amount == Decimal("190.00") and order.status == Order.Status.PENDING_COLLECTION


def test_a_deep_discount_order_is_refused_and_nothing_is_written(page_client, users, store_a, in_store, make_customer):
    from tests.factories.sales import make_product

    customer = make_customer(store_a, owner=users.a_sales, name="Too cheap")
    with in_store(store_a):
        product = make_product(list_price="100.00")

    response = page_client(users.a_sales, store_a).post(
        "/sales/orders/new/",
        {
            "customer": customer.pk,
            "payment_mode": "prepaid",
            "product_0": product.pk,
            "quantity_0": "1",
            "unit_price_0": "10.00",
        },
    )

    assert response.status_code == 200 and "alert" in html_of(response)
    with in_store(store_a):
        from tenant_apps.sales.models import Order

        assert not Order.objects.filter(customer_id=customer.pk).exists()


# --- attachments ---------------------------------------------------------------------------------


def _post_follow_up(client, customer, *files):
    return client.post(
        f"/customers/{customer.pk}/follow-ups/",
        {"kind": "visit", "content": "Visited the plant", "attachments": list(files)},
        HTTP_HX_REQUEST="true",
    )


def test_a_follow_up_keeps_its_attachment_and_serves_it_to_those_who_see_the_customer(
    page_client, users, store_a, in_store, make_customer
):
    customer = make_customer(store_a, owner=users.a_sales, name="With files")
    client = page_client(users.a_sales, store_a)

    response = _post_follow_up(client, customer, SimpleUploadedFile("plant.png", PNG, content_type="image/png"))

    assert response.status_code == 200
    html = html_of(response)
    assert "plant.png" in html
    with in_store(store_a):
        from tenant_apps.customers.models import FollowUpAttachment

        attachment = FollowUpAttachment.objects.get()
    assert attachment.file.name.startswith(f"{store_a.schema_name}/follow-ups/")
    url = f"/customers/{customer.pk}/attachments/{attachment.pk}/"
    served = client.get(url)
    assert served.status_code == 200 and b"".join(served.streaming_content) == PNG
    assert page_client(users.a_sales2, store_a).get(url).status_code == 404


def test_a_file_that_is_not_an_image_or_pdf_is_refused_and_nothing_is_written(
    page_client, users, store_a, in_store, make_customer
):
    customer = make_customer(store_a, owner=users.a_sales, name="Bad file")

    response = _post_follow_up(
        page_client(users.a_sales, store_a), customer, SimpleUploadedFile("evil.png", b"MZ\x90\x00not an image")
    )

    assert response.status_code == 422
    assert "evil.png" in html_of(response)
    with in_store(store_a):
        from tenant_apps.customers.models import FollowUp

        assert not FollowUp.objects.filter(customer_id=customer.pk).exists()


def test_an_attachment_of_another_customer_is_404(page_client, users, store_a, in_store, make_customer):
    from django_tenants.utils import tenant_context

    from tenant_apps.customers.services import follow_up_add

    mine = make_customer(store_a, owner=users.a_sales, name="Mine")
    other = make_customer(store_a, owner=users.a_sales, name="Other")
    with tenant_context(store_a), time_machine.travel(datetime(2026, 11, 26, 5, 0, tzinfo=UTC), tick=False):
        follow_up = follow_up_add(
            customer=other, access=access_of(users.a_sales), kind="call", content="x", attachments=[io.BytesIO(PNG)]
        )
        attachment_id = follow_up.attachments.get().pk

    response = page_client(users.a_sales, store_a).get(f"/customers/{mine.pk}/attachments/{attachment_id}/")

    assert response.status_code == 404
