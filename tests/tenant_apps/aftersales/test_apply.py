"""Applying for after-sales: the rules of issue 5 and bad input. Every refusal writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tenant_apps.aftersales.models import Case, CaseItem
from tenant_apps.sales.models import OrderEvent
from tests.factories import access_of
from tests.tenant_apps.aftersales.helpers import items_of, notifications_of, shipped_order

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _apply(api, user, store, **body):
    return api(user, store).post("/api/v1/after-sales", body, format="json")


def _nothing_written(store, in_store) -> None:
    with in_store(store):
        assert not Case.objects.exists()
        assert not CaseItem.objects.exists()
        assert not OrderEvent.objects.filter(kind="aftersales").exists()


def test_salesperson_applies_for_a_return_and_refund(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales)
        items = items_of(order, 2)
    response = _apply(
        api,
        users.a_sales,
        store_a,
        order=order.pk,
        type="return_refund",
        reason="Cracked pallets",
        amount="200.00",
        items=items,
        reissue_invoice=True,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["type"], body["amount"], body["reissue_invoice"]) == (
        "pending_approval",
        "return_refund",
        "200.00",
        True,
    )
    assert [(i["order_line"], i["quantity"]) for i in body["items"]] == [(items[0]["order_line"], 2)]
    assert body["applicant"] == users.a_sales.pk
    assert body["actions"] == ["cancel"]
    with in_store(store_a):
        event = OrderEvent.objects.get(order=order, kind="aftersales")
        assert event.data["case"] == body["id"]
        assert event.actor_id == users.a_sales.pk


def test_supervisor_is_notified_of_an_application(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales)
    response = _apply(
        api, users.a_sales, store_a, order=order.pk, type="refund_only", reason="Late delivery", amount="50.00"
    )
    assert response.status_code == 201, response.content
    with in_store(store_a):
        assert [n.data["case"] for n in notifications_of(users.a_supervisor, "aftersales.applied")] == [
            response.json()["id"]
        ]
        assert notifications_of(users.a_sales, "aftersales.applied") == []


def test_application_on_a_cancelled_order_is_409(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales, status="cancelled", collected="0.00")
    response = _apply(api, users.a_sales, store_a, order=order.pk, type="refund_only", reason="x", amount="1.00")
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "order_cancelled"
    _nothing_written(store_a, in_store)


@pytest.mark.parametrize("status", ["pending_collection", "pending_outbound"])
def test_application_before_the_goods_left_says_to_cancel_instead(api, store_a, users, in_store, status):
    with in_store(store_a):
        order = shipped_order(users.a_sales, status=status)
        items = items_of(order, 1)
    response = _apply(
        api, users.a_sales, store_a, order=order.pk, type="return_refund", reason="x", amount="100.00", items=items
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "cancellation_required"
    assert "cancel the order" in body["detail"]
    _nothing_written(store_a, in_store)


def test_application_on_another_salespersons_order_is_404(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales2)
    response = _apply(api, users.a_sales, store_a, order=order.pk, type="refund_only", reason="x", amount="1.00")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    _nothing_written(store_a, in_store)


def test_application_on_another_stores_order_is_404(api, store_a, store_b, users, in_store):
    with in_store(store_b):
        foreign = shipped_order(users.b_sales)
    with in_store(store_a):
        shipped_order(users.a_admin)  # an order exists in A too, under another id
    response = _apply(api, users.a_admin, store_a, order=foreign.pk + 1000, type="refund_only", reason="x", amount="1")
    assert response.status_code == 404
    response = _apply(api, users.b_sales, store_a, order=foreign.pk, type="refund_only", reason="x", amount="1")
    assert response.status_code == 404
    _nothing_written(store_a, in_store)
    with in_store(store_b):
        assert not Case.objects.exists()


def test_amount_above_the_refundable_amount_is_409_over_refund(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales, quantities=(10,), collected="600.00")
    response = _apply(api, users.a_sales, store_a, order=order.pk, type="refund_only", reason="x", amount="600.01")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "over_refund"
    assert body["refundable"] == "600.00"
    _nothing_written(store_a, in_store)


def test_amount_equal_to_the_refundable_amount_is_accepted(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales, quantities=(10,), collected="600.00")
    response = _apply(api, users.a_sales, store_a, order=order.pk, type="refund_only", reason="x", amount="600.00")
    assert response.status_code == 201, response.content


def test_open_cases_count_toward_the_refundable_amount(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales, quantities=(10,), collected="1000.00")
    first = _apply(api, users.a_sales, store_a, order=order.pk, type="refund_only", reason="x", amount="700.00")
    assert first.status_code == 201
    second = _apply(api, users.a_sales, store_a, order=order.pk, type="refund_only", reason="y", amount="300.01")
    assert (second.status_code, second.json()["code"]) == (409, "over_refund")
    third = _apply(api, users.a_sales, store_a, order=order.pk, type="refund_only", reason="y", amount="300.00")
    assert third.status_code == 201


def test_rejected_and_cancelled_cases_free_their_amount(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales, quantities=(10,), collected="1000.00")
    first = _apply(api, users.a_sales, store_a, order=order.pk, type="refund_only", reason="x", amount="1000.00")
    assert api(users.a_sales, store_a).post(f"/api/v1/after-sales/{first.json()['id']}/cancel").status_code == 200
    second = _apply(api, users.a_sales, store_a, order=order.pk, type="refund_only", reason="y", amount="1000.00")
    assert second.status_code == 201, second.content


def test_direct_refunds_count_toward_the_refundable_amount(api, store_a, users, in_store):
    from tenant_apps.finance.services import refund_create

    with in_store(store_a):
        order = shipped_order(users.a_sales, quantities=(10,), collected="1000.00")
        refund_create(access=access_of(users.a_finance, store_a), order=order, amount=Decimal("400.00"), method="cash")
    response = _apply(api, users.a_sales, store_a, order=order.pk, type="refund_only", reason="x", amount="600.01")
    assert (response.status_code, response.json()["code"]) == (409, "over_refund")


def test_items_not_in_the_order_are_refused(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales)
        other = shipped_order(users.a_sales)
        foreign_items = items_of(other, 1)
    response = _apply(
        api, users.a_sales, store_a, order=order.pk, type="exchange", reason="Wrong colour", items=foreign_items
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert "items.0.order_line" in body["errors"]
    _nothing_written(store_a, in_store)


def test_quantities_above_what_is_ordered_are_refused(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales, quantities=(5, 3))
        items = items_of(order, 5, 4)
    response = _apply(
        api, users.a_sales, store_a, order=order.pk, type="return_refund", reason="x", amount="0", items=items
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["items.1.quantity"]
    _nothing_written(store_a, in_store)


def test_quantities_already_returned_by_other_cases_are_not_left(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales, quantities=(5,))
    first = _apply(api, users.a_sales, store_a, order=order.pk, type="exchange", reason="x", items=items_of(order, 3))
    assert first.status_code == 201
    too_many = _apply(
        api,
        users.a_sales,
        store_a,
        order=order.pk,
        type="return_refund",
        reason="y",
        amount="100.00",
        items=items_of(order, 3),
    )
    assert too_many.status_code == 400
    assert "Only 2 of 5" in too_many.json()["errors"]["items.0.quantity"][0]
    exact = _apply(
        api,
        users.a_sales,
        store_a,
        order=order.pk,
        type="return_refund",
        reason="y",
        amount="100.00",
        items=items_of(order, 2),
    )
    assert exact.status_code == 201, exact.content


def test_units_of_a_rejected_case_are_left_again(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales, quantities=(5,))
    first = _apply(api, users.a_sales, store_a, order=order.pk, type="exchange", reason="x", items=items_of(order, 5))
    case_id = first.json()["id"]
    rejected = api(users.a_supervisor, store_a).post(f"/api/v1/after-sales/{case_id}/reject", {"comment": "No"})
    assert rejected.status_code == 200, rejected.content
    again = _apply(api, users.a_sales, store_a, order=order.pk, type="exchange", reason="x", items=items_of(order, 5))
    assert again.status_code == 201, again.content


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "refund_only", "reason": "x", "amount": "10.001"}, "amount"),
        ({"type": "refund_only", "reason": "x", "amount": "-1.00"}, "amount"),
        ({"type": "refund_only", "reason": "x", "amount": "abc"}, "amount"),
        ({"type": "refund_only", "reason": "x", "amount": "NaN"}, "amount"),
        ({"type": "refund_only", "reason": "x"}, "amount"),
        ({"type": "refund_only", "reason": "x", "amount": "0.00"}, "amount"),
        ({"type": "refund_only", "reason": "", "amount": "1.00"}, "reason"),
        ({"type": "refund_only", "reason": "x" * 501, "amount": "1.00"}, "reason"),
        ({"type": "swap", "reason": "x", "amount": "1.00"}, "type"),
        ({"type": "exchange", "reason": "x", "amount": "10.00", "items": "LINES"}, "amount"),
        ({"type": "exchange", "reason": "x"}, "items"),
        ({"type": "exchange", "reason": "x", "items": "LINE0"}, "items.0.quantity"),
        ({"type": "exchange", "reason": "x", "items": "DUP"}, "items.1.order_line"),
        ({"type": "reissue", "reason": "x", "items": [{"order_line": "abc", "quantity": 1}]}, "items.0.order_line"),
        ({"type": "reissue", "reason": "x", "items": {"order_line": 1}}, "items"),
        ({"type": "refund_only", "reason": "x", "amount": "1.00", "reissue_invoice": "maybe"}, "reissue_invoice"),
    ],
)
def test_bad_input_is_400_per_field_and_writes_nothing(api, store_a, users, in_store, body, field):
    with in_store(store_a):
        order = shipped_order(users.a_sales)
        lines = items_of(order, 1, 1)
    body = dict(body, order=order.pk)
    if body.get("items") == "LINES":
        body["items"] = lines[:1]
    elif body.get("items") == "LINE0":
        body["items"] = [{"order_line": lines[0]["order_line"], "quantity": 0}]
    elif body.get("items") == "DUP":
        body["items"] = [lines[0], lines[0]]
    response = _apply(api, users.a_sales, store_a, **body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert field in response.json()["errors"], response.json()
    _nothing_written(store_a, in_store)


def test_a_body_that_is_not_an_object_is_400(api, store_a, users):
    response = api(users.a_sales, store_a).post("/api/v1/after-sales", [1, 2], format="json")
    assert response.status_code == 400


def test_finance_and_warehouse_cannot_apply(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales)
    for user in (users.a_finance, users.a_warehouse):
        response = _apply(api, user, store_a, order=order.pk, type="refund_only", reason="x", amount="1.00")
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    _nothing_written(store_a, in_store)


def test_exchange_may_name_no_amount_and_stores_none(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales)
    response = _apply(
        api, users.a_sales, store_a, order=order.pk, type="reissue", reason="Missing", items=items_of(order, 1)
    )
    assert response.status_code == 201, response.content
    assert response.json()["amount"] is None
