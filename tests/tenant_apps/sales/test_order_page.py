"""The order page: one money panel that is redrawn after a payment (htmx), the pipeline step bar,
cancel with the other actions (no panel holding only cancel), and the board of orders by status."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories.sales import make_customer, make_order, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(store_a, in_store, users):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales, name="Board customer")
        return make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(make_product(list_price="100.00"), 2, "100.00")],
            status="pending_collection",
            payment_mode="prepaid",
            number="SO-BOARD-1",
        )


def html_of(response) -> str:
    return response.content.decode()


def test_finance_sees_one_money_panel(page_client, users, store_a, order):
    html = html_of(page_client(users.a_finance, store_a).get(f"/sales/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="en"))

    assert html.count("Money</h2>") + html.count(">Money<") == 1
    assert 'data-testid="finance-panel"' in html and 'data-testid="order-money"' not in html


def test_the_warehouse_without_the_finance_panel_still_sees_the_money(page_client, users, store_a, order):
    html = html_of(page_client(users.a_warehouse, store_a).get(f"/sales/orders/{order.pk}/"))

    assert 'data-testid="order-money"' in html


def test_the_step_bar_marks_the_current_step_of_a_prepaid_order(page_client, users, store_a, order):
    html = html_of(page_client(users.a_sales, store_a).get(f"/sales/orders/{order.pk}/"))

    bar = html.split('data-testid="order-steps"', 1)[1].split("</ol>", 1)[0]
    assert bar.count("<li") == 5
    assert bar.index('data-state="current"') < bar.index('data-state="todo"')
    assert 'aria-current="step"' in bar


def test_an_order_that_may_only_be_cancelled_shows_cancel_in_the_actions_panel(page_client, users, store_a, order):
    html = html_of(page_client(users.a_sales, store_a).get(f"/sales/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="en"))

    assert ">Next step<" not in html
    actions = html.split('data-testid="order-actions"', 1)[1]
    assert 'data-testid="move-cancelled"' in actions


def test_a_payment_added_from_the_order_page_redraws_the_money_panel(page_client, users, store_a, order):
    response = page_client(users.a_sales, store_a).post(
        f"/finance/orders/{order.pk}/payments/new/",
        {"kind": "collection", "amount": "150.00", "method": "bank_transfer", "note": ""},
        HTTP_HX_REQUEST="true",
        HTTP_X_ORDER_PANEL="1",
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#finance-panel"
    html = html_of(response)
    assert 'data-testid="payment-added"' in html and "¥150.00" in html


def test_the_board_shows_each_status_with_its_orders(page_client, users, store_a, order):
    html = html_of(page_client(users.a_sales, store_a).get("/sales/orders/board/"))

    column = html.split('data-status="pending_collection"', 1)[1].split("</section>", 1)[0]
    assert "SO-BOARD-1" in column and f'href="/sales/orders/{order.pk}/"' in column
    assert 'data-testid="board-count-pending_collection">1<' in html


def test_the_board_shows_a_salesperson_only_their_orders(page_client, users, store_a, order):
    html = html_of(page_client(users.a_sales2, store_a).get("/sales/orders/board/"))

    assert "SO-BOARD-1" not in html
    assert Decimal("200.00") == order.amount


@pytest.fixture
def order_to_ship(store_a, in_store, users):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales, name="Shipped customer")
        return make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(make_product(list_price="100.00"), 1, "100.00")],
            status="pending_delivery",
            payment_mode="credit",
            number="SO-SHIP-1",
        )


def test_the_shipment_form_offers_the_courier_list_with_other(page_client, users, store_a, order_to_ship):
    html = html_of(
        page_client(users.a_warehouse, store_a).get(f"/sales/orders/{order_to_ship.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    )

    form = html.split('data-testid="move-pending_receipt"', 1)[1].split("</form>", 1)[0]
    assert '<select class="form-select form-select-sm" name="carrier"' in form
    assert '<option value="SF">SF Express (SF)</option>' in form and '<option value="other">' in form
    assert 'name="carrier_other"' in form
    assert '<input class="form-control form-control-sm mb-1" name="carrier"' not in form


def _ship(client, order, **data):
    return client.post(
        f"/sales/orders/{order.pk}/transition/", {"to": "pending_receipt", **data}, HTTP_ACCEPT_LANGUAGE="en"
    )


def test_a_listed_courier_is_kept_by_code_and_shown_by_name(page_client, users, store_a, in_store, order_to_ship):
    from tenant_apps.sales.models import Delivery

    client = page_client(users.a_warehouse, store_a)
    _ship(client, order_to_ship, carrier="SF", carrier_other="ignored", tracking_number="SF100")

    with in_store(store_a):
        delivery = Delivery.objects.get(order=order_to_ship)
    assert delivery.carrier == "SF" and delivery.tracking_number == "SF100"
    html = html_of(client.get(f"/sales/orders/{order_to_ship.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "SF Express SF100" in html


def test_other_courier_keeps_the_name_typed(page_client, users, store_a, in_store, order_to_ship):
    from tenant_apps.sales.models import Delivery

    _ship(
        page_client(users.a_warehouse, store_a),
        order_to_ship,
        carrier="other",
        carrier_other=" Lao Wang Freight ",
        tracking_number="LW1",
    )

    with in_store(store_a):
        assert Delivery.objects.get(order=order_to_ship).carrier == "Lao Wang Freight"


def test_other_courier_without_a_name_is_refused_as_the_api_refuses_it(
    page_client, users, store_a, in_store, order_to_ship
):
    from tenant_apps.sales.models import Delivery, Order

    client = page_client(users.a_warehouse, store_a)
    response = _ship(client, order_to_ship, carrier="other", carrier_other="", tracking_number="X1")

    assert response.status_code == 302
    html = html_of(client.get(f"/sales/orders/{order_to_ship.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "The carrier is required." in html
    with in_store(store_a):
        assert Order.objects.get(pk=order_to_ship.pk).status == "pending_delivery"
        assert not Delivery.objects.filter(order=order_to_ship).exists()


def test_a_rating_that_is_not_a_whole_number_is_refused_with_a_message(page_client, users, store_a, in_store):
    from tenant_apps.sales.models import Order

    with in_store(store_a):
        done = make_order(
            customer=make_customer(owner=users.a_sales),
            owner=users.a_sales,
            lines=[(make_product(list_price="100.00"), 1, "100.00")],
            status="completed",
        )
    client = page_client(users.a_sales, store_a)

    for rating in ("²", "x", "9"):
        response = client.post(
            f"/sales/orders/{done.pk}/feedback/", {"rating": rating}, HTTP_ACCEPT_LANGUAGE="en", follow=True
        )
        assert response.status_code == 200
        assert "A whole number from 1 to 5." in html_of(response)
    with in_store(store_a):
        assert Order.objects.get(pk=done.pk).rating is None
