"""A cancelled order owes nothing: its ``outstanding`` is 0 in the API, the order pages and the
export, whatever was collected before the cancellation."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.factories.sales import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(store_a, users, catalogue, customer, in_store):
    """An open credit order of 300.00 with 100.00 collected, and a cancelled one just like it."""
    with in_store(store_a):
        open_ = make_order(customer=customer, owner=users.a_sales, lines=[(catalogue["p1"], 3, "100")], collected="100")
        cancelled = make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(catalogue["p1"], 3, "100")],
            collected="100",
            status="cancelled",
        )
    return open_, cancelled


def test_the_api_gives_a_cancelled_order_nothing_outstanding(api, store_a, users, orders):
    open_, cancelled = orders
    client = api(users.a_admin, store_a)

    assert client.get(f"/api/v1/orders/{open_.pk}").json()["outstanding"] == "200.00"
    assert client.get(f"/api/v1/orders/{cancelled.pk}").json()["outstanding"] == "0.00"
    listed = {row["id"]: row["outstanding"] for row in client.get("/api/v1/orders").json()["results"]}
    assert listed == {open_.pk: "200.00", cancelled.pk: "0.00"}


def test_cancelling_through_the_api_clears_the_outstanding_amount(api, store_a, users, catalogue, customer, in_store):
    with in_store(store_a):
        order = make_order(customer=customer, owner=users.a_sales, lines=[(catalogue["p1"], 2, "100")])
    client = api(users.a_sales, store_a)
    assert client.get(f"/api/v1/orders/{order.pk}").json()["outstanding"] == "200.00"

    moved = client.post(
        f"/api/v1/orders/{order.pk}/transition", {"to": "cancelled", "reason": "客户取消"}, format="json"
    )

    assert moved.status_code == 200, moved.content
    assert client.get(f"/api/v1/orders/{order.pk}").json()["outstanding"] == "0.00"


def test_the_order_list_and_page_show_nothing_outstanding_on_a_cancelled_order(page_client, store_a, users, orders):
    open_, cancelled = orders
    client = page_client(users.a_admin, store_a)

    listing = client.get("/sales/orders/").content.decode()
    row = re.search(rf'<tr data-order="{cancelled.pk}">.*?</tr>', listing, re.S).group(0)
    cells = re.findall(r'<td[^>]* class="text-end money">([^<]*)</td>', row)
    assert cells == ["¥300.00", "¥0.00"]
    open_row = re.search(rf'<tr data-order="{open_.pk}">.*?</tr>', listing, re.S).group(0)
    assert re.findall(r'<td[^>]* class="text-end money">([^<]*)</td>', open_row) == ["¥300.00", "¥200.00"]

    # The order's own money panel (shown to those who do not see the payments panel).
    page = page_client(users.a_warehouse, store_a).get(f"/sales/orders/{cancelled.pk}/").content.decode()
    assert re.search(r'data-testid="order-outstanding">¥0\.00<', page)


def test_the_export_gives_a_cancelled_order_nothing_outstanding(api, store_a, users, orders):
    open_, cancelled = orders

    response = api(users.a_admin, store_a).get("/api/v1/orders/export")

    content = b"".join(response.streaming_content) if response.streaming else response.content
    header, *rows = load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True)
    column = header.index("Outstanding") if "Outstanding" in header else header.index("未收款")
    outstanding = {row[0]: Decimal(str(row[column])) for row in rows}
    assert outstanding == {open_.number: Decimal("200"), cancelled.number: Decimal("0")}
