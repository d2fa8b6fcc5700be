"""Processing a case per type: refunds go to finance as pending refunds and complete the case once
confirmed (counted exactly once), exchanges and reissues create a delivery and complete when it
is received, returns wait for the goods."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tenant_apps.aftersales import services
from tenant_apps.aftersales.models import Case
from tenant_apps.finance import services as finance
from tenant_apps.finance.models import Payment
from tenant_apps.sales import services as sales
from tenant_apps.sales.models import Delivery, Order
from tests.factories import access_of
from tests.tenant_apps.aftersales.helpers import apply_case, items_of, notifications_of, shipped_order

pytestmark = pytest.mark.django_db


def _approved(store, users, order, **fields) -> Case:
    fields.setdefault("reason", "Damaged in transit")
    case = apply_case(access_of(users.a_sales, store), order, **fields)
    return services.case_approve(case_id=case.pk, access=access_of(users.a_supervisor, store), comment="OK")


def _process(store, user, case, **kwargs) -> Case:
    return services.case_process(case_id=case.pk, access=access_of(user, store), **kwargs)


def test_processing_a_refund_creates_a_pending_refund_for_finance(a, users):
    order = shipped_order(users.a_sales, quantities=(100,))
    case = _approved(a, users, order, type="refund_only", amount="1234.50")
    case = _process(a, users.a_supervisor, case, method="alipay")
    payment = Payment.objects.get(aftersales_case_id=case.pk)
    assert (payment.kind, payment.status, payment.amount, payment.method, payment.order_id) == (
        "refund",
        "pending",
        Decimal("1234.50"),
        "alipay",
        order.pk,
    )
    assert (case.status, case.refund_payment_id) == ("processing", payment.pk)
    notices = notifications_of(users.a_finance, "aftersales.refund_to_confirm")
    # the amount as people read it; the event data keeps the decimal text
    assert notices and all("¥1,234.50" in str(n.title) for n in notices)
    event = order.events.filter(data__case=case.pk).latest("id")
    assert "¥1,234.50" in str(event.message)


def test_confirmed_refund_completes_the_case_and_counts_once(a, users, api, django_capture_on_commit_callbacks):
    order = shipped_order(users.a_sales, quantities=(10,))
    case = _approved(a, users, order, type="refund_only", amount="300.00")
    case = _process(a, users.a_admin, case)
    with django_capture_on_commit_callbacks(execute=True):
        finance.payment_confirm(access=access_of(users.a_finance, a), payment_id=case.refund_payment_id)
    case.refresh_from_db()
    assert case.status == "completed"
    assert case.completed_at is not None
    order = Order.objects.get(pk=order.pk)
    assert order.refunded == Decimal("300.00")
    assert Payment.objects.filter(order=order, kind="refund", status="confirmed").count() == 1
    assert notifications_of(users.a_sales, "aftersales.completed")
    # A second signal for the same payment changes nothing.
    services.refund_confirmed(payment_id=case.refund_payment_id, case_id=case.pk)
    assert Order.objects.get(pk=order.pk).refunded == Decimal("300.00")


def test_confirmed_refund_counts_once_in_net_revenue(a, users, api, django_capture_on_commit_callbacks):
    order = shipped_order(users.a_sales, quantities=(10,), collected="0.00")
    collection = finance.payment_create(
        access=access_of(users.a_sales, a), order=order, kind="collection", amount=Decimal("1000.00"), method="cash"
    )
    with django_capture_on_commit_callbacks(execute=True):
        finance.payment_confirm(access=access_of(users.a_finance, a), payment_id=collection.pk)
    case = _approved(a, users, order, type="refund_only", amount="250.00")
    case = _process(a, users.a_admin, case)
    with django_capture_on_commit_callbacks(execute=True):
        finance.payment_confirm(access=access_of(users.a_finance, a), payment_id=case.refund_payment_id)
    from django.db import connection

    connection.set_schema_to_public()
    response = api(users.a_admin, a).get("/api/v1/kanban?range=today")
    assert response.status_code == 200, response.content
    assert response.json()["metrics"]["net_revenue"]["value"] == "750.00"


def test_rejected_refund_puts_the_case_back_to_approved_with_a_note(a, users, django_capture_on_commit_callbacks):
    order = shipped_order(users.a_sales)
    case = _approved(a, users, order, type="refund_only", amount="80.00")
    case = _process(a, users.a_admin, case)
    first = case.refund_payment_id
    with django_capture_on_commit_callbacks(execute=True):
        finance.payment_reject(access=access_of(users.a_finance, a), payment_id=first, reason="Wrong account")
    case.refresh_from_db()
    assert (case.status, case.refund_payment_id) == ("approved", None)
    assert "Wrong account" in case.note
    assert notifications_of(users.a_sales, "aftersales.refund_rejected")
    case = _process(a, users.a_admin, case)
    assert case.refund_payment_id not in (None, first)
    assert Payment.objects.filter(aftersales_case_id=case.pk, status="pending").count() == 1


def test_return_and_refund_waits_for_the_goods_then_refunds(a, users, django_capture_on_commit_callbacks):
    order = shipped_order(users.a_sales)
    case = _approved(a, users, order, type="return_refund", amount="100.00", items=items_of(order, 1))
    case = _process(a, users.a_supervisor, case)
    assert case.status == "processing"
    assert not Payment.objects.filter(aftersales_case_id=case.pk).exists()
    assert notifications_of(users.a_warehouse, "aftersales.return_expected")
    case = services.case_return_received(case_id=case.pk, access=access_of(users.a_warehouse, a))
    payment = Payment.objects.get(aftersales_case_id=case.pk)
    assert (payment.status, payment.amount) == ("pending", Decimal("100.00"))
    with django_capture_on_commit_callbacks(execute=True):
        finance.payment_confirm(access=access_of(users.a_finance, a), payment_id=payment.pk)
    case.refresh_from_db()
    assert case.status == "completed"
    assert Order.objects.get(pk=order.pk).refunded == Decimal("100.00")


def test_return_without_money_is_completed_by_hand_once_the_goods_are_back(a, users):
    order = shipped_order(users.a_sales)
    case = _approved(a, users, order, type="return_refund", amount="0.00", items=items_of(order, 1))
    case = _process(a, users.a_supervisor, case)
    case = services.case_return_received(case_id=case.pk, access=access_of(users.a_warehouse, a))
    assert case.status == "processing"
    assert not Payment.objects.filter(aftersales_case_id=case.pk).exists()
    case = services.case_complete(case_id=case.pk, access=access_of(users.a_warehouse, a))
    assert case.status == "completed"


@pytest.mark.parametrize("kind", ["exchange", "reissue"])
def test_exchange_and_reissue_create_a_delivery_and_complete_when_received(
    a, users, kind, django_capture_on_commit_callbacks
):
    order = shipped_order(users.a_sales, quantities=(4, 2))
    case = _approved(a, users, order, type=kind, items=items_of(order, 1, 2))
    case = _process(a, users.a_warehouse, case)
    delivery = Delivery.objects.get(aftersales_case_id=case.pk)
    assert (delivery.kind, delivery.status, delivery.order_id) == (kind, "pending", order.pk)
    assert sorted((i["order_line"], i["quantity"]) for i in delivery.items) == sorted(
        (i["order_line"], i["quantity"]) for i in items_of(order, 1, 2)
    )
    assert case.delivery_id == delivery.pk
    warehouse = access_of(users.a_warehouse, a)
    sales.delivery_transition(delivery=delivery, to="outbound", access=warehouse)
    sales.delivery_transition(delivery=delivery, to="shipped", access=warehouse, carrier="SF", tracking_number="SF1")
    case.refresh_from_db()
    assert case.status == "processing"
    with django_capture_on_commit_callbacks(execute=True):
        sales.delivery_transition(delivery=delivery, to="received", access=access_of(users.a_sales, a))
    case.refresh_from_db()
    assert case.status == "completed"


def test_every_step_is_on_the_order_timeline(a, users, django_capture_on_commit_callbacks):
    from tenant_apps.sales.models import OrderEvent

    order = shipped_order(users.a_sales)
    case = _approved(a, users, order, type="refund_only", amount="10.00")
    case = _process(a, users.a_admin, case)
    with django_capture_on_commit_callbacks(execute=True):
        finance.payment_confirm(access=access_of(users.a_finance, a), payment_id=case.refund_payment_id)
    steps = [e.data.get("status") for e in OrderEvent.objects.filter(order=order, kind="aftersales").order_by("id")]
    assert steps[0] == "pending_approval"
    assert "approved" in steps
    assert steps[-1] == "completed"


def test_people_involved_are_told_at_each_step(a, users, django_capture_on_commit_callbacks):
    order = shipped_order(users.a_sales)
    case = _approved(a, users, order, type="refund_only", amount="10.00", reissue_invoice=True)
    assert notifications_of(users.a_sales, "aftersales.approved")
    assert notifications_of(users.a_finance, "aftersales.to_process")
    case = _process(a, users.a_supervisor, case)
    assert notifications_of(users.a_sales, "aftersales.processing")
    with django_capture_on_commit_callbacks(execute=True):
        finance.payment_confirm(access=access_of(users.a_finance, a), payment_id=case.refund_payment_id)
    assert notifications_of(users.a_sales, "aftersales.completed")
    assert notifications_of(users.a_finance, "aftersales.reissue_invoice")


def test_rejection_tells_the_applicant_why(a, users):
    order = shipped_order(users.a_sales)
    case = services.case_apply(
        access=access_of(users.a_sales, a), order_id=order.pk, type="refund_only", reason="x", amount=Decimal("1.00")
    )
    services.case_reject(case_id=case.pk, access=access_of(users.a_supervisor, a), comment="Out of warranty")
    [notice] = notifications_of(users.a_sales, "aftersales.rejected")
    assert "Out of warranty" in notice.body
