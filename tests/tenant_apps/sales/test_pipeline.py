"""The order pipeline: every legal and illegal transition by role and state, the credit and prepaid
paths including ``order_payment_changed``, cancellation, feedback and deliveries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tenant_apps.notifications.models import Notification
from tenant_apps.outbox.models import OutboxEvent
from tenant_apps.sales import services
from tenant_apps.sales.models import Delivery, Order, OrderEvent
from tenant_apps.sales.signals import delivery_received
from tests.factories.sales import make_customer, make_order

pytestmark = pytest.mark.django_db

S = Order.Status


def _order(store, in_store, users, catalogue, *, status, mode="credit", collected="0.00"):
    with in_store(store):
        return make_order(
            customer=make_customer(owner=users.a_sales),
            owner=users.a_sales,
            lines=[(catalogue["p1"], 2, "100.00")],
            status=status,
            payment_mode=mode,
            collected=collected,
        )


def _move(api, user, store, order, to, **extra):
    return api(user, store).post(f"/api/v1/orders/{order.pk}/transition", {"to": to, **extra}, format="json")


SHIP = {"carrier": "顺丰", "tracking_number": "SF123456"}

LEGAL = [
    (S.PENDING_OUTBOUND, "credit", "a_warehouse", S.PENDING_DELIVERY, {}, S.PENDING_DELIVERY),
    (S.PENDING_OUTBOUND, "prepaid", "a_admin", S.PENDING_DELIVERY, {}, S.PENDING_DELIVERY),
    (S.PENDING_DELIVERY, "credit", "a_warehouse", S.PENDING_RECEIPT, SHIP, S.PENDING_RECEIPT),
    (S.PENDING_RECEIPT, "prepaid", "a_sales", S.COMPLETED, {}, S.COMPLETED),
    (S.PENDING_RECEIPT, "credit", "a_warehouse", S.AWAITING_PAYMENT, {}, S.AWAITING_PAYMENT),
    (S.PENDING_COLLECTION, "prepaid", "a_sales", S.CANCELLED, {"reason": "客户取消"}, S.CANCELLED),
    (S.PENDING_OUTBOUND, "credit", "a_supervisor", S.CANCELLED, {"reason": "客户取消"}, S.CANCELLED),
]


@pytest.mark.parametrize(("start", "mode", "who", "to", "extra", "result"), LEGAL)
def test_legal_transition(api, users, store_a, catalogue, in_store, start, mode, who, to, extra, result):
    order = _order(store_a, in_store, users, catalogue, status=start, mode=mode)
    response = _move(api, users[who], store_a, order, to, **extra)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == result
    with in_store(store_a):
        event = OrderEvent.objects.get(order=order, kind="transition")
        assert (event.from_status, event.to_status, event.actor_id) == (start, result, users[who].pk)
        assert OutboxEvent.objects.filter(topic="order", entity_id=order.pk).exists()


ILLEGAL = [
    # wrong role
    (S.PENDING_OUTBOUND, "credit", "a_sales", S.PENDING_DELIVERY, {}),
    (S.PENDING_OUTBOUND, "credit", "a_finance", S.PENDING_DELIVERY, {}),
    (S.PENDING_DELIVERY, "credit", "a_sales", S.PENDING_RECEIPT, SHIP),
    (S.PENDING_RECEIPT, "credit", "a_finance", S.AWAITING_PAYMENT, {}),
    (S.PENDING_OUTBOUND, "credit", "a_warehouse", S.CANCELLED, {"reason": "x"}),
    # wrong state / skipped / repeated
    (S.PENDING_COLLECTION, "prepaid", "a_admin", S.PENDING_OUTBOUND, {}),
    (S.PENDING_COLLECTION, "prepaid", "a_warehouse", S.PENDING_DELIVERY, {}),
    (S.PENDING_OUTBOUND, "credit", "a_warehouse", S.PENDING_RECEIPT, SHIP),
    (S.PENDING_OUTBOUND, "credit", "a_sales", S.COMPLETED, {}),
    (S.PENDING_DELIVERY, "credit", "a_warehouse", S.PENDING_DELIVERY, {}),
    (S.PENDING_RECEIPT, "prepaid", "a_warehouse", S.AWAITING_PAYMENT, {}),
    (S.AWAITING_PAYMENT, "credit", "a_admin", S.COMPLETED, {}),
    (S.COMPLETED, "credit", "a_admin", S.CANCELLED, {"reason": "x"}),
    (S.CANCELLED, "credit", "a_admin", S.PENDING_DELIVERY, {}),
    # goods have left: after-sales instead
    (S.PENDING_DELIVERY, "credit", "a_admin", S.CANCELLED, {"reason": "x"}),
    (S.PENDING_RECEIPT, "credit", "a_sales", S.CANCELLED, {"reason": "x"}),
]


@pytest.mark.parametrize(("start", "mode", "who", "to", "extra"), ILLEGAL)
def test_illegal_transition_is_409_and_changes_nothing(
    api, users, store_a, catalogue, in_store, start, mode, who, to, extra
):
    order = _order(store_a, in_store, users, catalogue, status=start, mode=mode)
    response = _move(api, users[who], store_a, order, to, **extra)
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "invalid_transition"
    with in_store(store_a):
        assert Order.objects.get(pk=order.pk).status == start
        assert not OrderEvent.objects.filter(order=order).exists()
        assert not Delivery.objects.filter(order=order).exists()


def test_cancel_after_goods_left_points_to_after_sales(api, users, store_a, catalogue, in_store):
    order = _order(store_a, in_store, users, catalogue, status=S.PENDING_RECEIPT)
    response = api(users.a_admin, store_a).post(
        f"/api/v1/orders/{order.pk}/transition",
        {"to": "cancelled", "reason": "x"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    assert "after-sales" in response.json()["detail"]


def test_ship_requires_carrier_and_tracking(api, users, store_a, catalogue, in_store):
    order = _order(store_a, in_store, users, catalogue, status=S.PENDING_DELIVERY)
    response = _move(api, users.a_warehouse, store_a, order, "pending_receipt", carrier="顺丰")
    assert response.status_code == 400
    assert "tracking_number" in response.json()["errors"]
    with in_store(store_a):
        assert Order.objects.get(pk=order.pk).status == S.PENDING_DELIVERY


def test_cancel_requires_reason(api, users, store_a, catalogue, in_store):
    order = _order(store_a, in_store, users, catalogue, status=S.PENDING_OUTBOUND)
    response = _move(api, users.a_sales, store_a, order, "cancelled")
    assert response.status_code == 400
    with in_store(store_a):
        assert Order.objects.get(pk=order.pk).status == S.PENDING_OUTBOUND


def test_credit_path_end_to_end_with_payment(api, users, store_a, catalogue, in_store):
    order = _order(store_a, in_store, users, catalogue, status=S.PENDING_OUTBOUND)
    assert _move(api, users.a_warehouse, store_a, order, "pending_delivery").status_code == 200
    response = _move(api, users.a_warehouse, store_a, order, "pending_receipt", **SHIP)
    assert response.json()["shipped_at"] is not None
    assert response.json()["deliveries"][0]["tracking_number"] == "SF123456"
    assert _move(api, users.a_sales, store_a, order, "completed").json()["status"] == "awaiting_payment"
    with in_store(store_a):
        locked = Order.objects.get(pk=order.pk)
        locked.collected = Decimal("100.00")
        services.order_payment_changed(order=locked, actor=users.a_finance)
        assert Order.objects.get(pk=order.pk).status == S.AWAITING_PAYMENT
        locked.collected = locked.amount
        locked.save(update_fields=["collected"])
        services.order_payment_changed(order=locked, actor=users.a_finance)
        done = Order.objects.get(pk=order.pk)
        assert done.status == S.COMPLETED
        assert done.completed_at is not None
        assert Delivery.objects.get(order=order).status == Delivery.Status.RECEIVED


def test_received_credit_order_already_collected_completes_at_once(api, users, store_a, catalogue, in_store):
    order = _order(store_a, in_store, users, catalogue, status=S.PENDING_RECEIPT, collected="200.00")
    response = _move(api, users.a_sales, store_a, order, "awaiting_payment")
    assert response.json()["status"] == "completed"
    assert response.json()["completed_at"] is not None


def test_prepaid_moves_to_outbound_only_when_fully_collected(users, store_a, catalogue, in_store):
    order = _order(store_a, in_store, users, catalogue, status=S.PENDING_COLLECTION, mode="prepaid")
    with in_store(store_a):
        locked = services.order_lock(order_id=order.pk)
        locked.collected = Decimal("199.99")
        locked.save(update_fields=["collected"])
        services.order_payment_changed(order=locked)
        assert Order.objects.get(pk=order.pk).status == S.PENDING_COLLECTION
        locked.collected = Decimal("200.00")
        locked.save(update_fields=["collected"])
        services.order_payment_changed(order=locked)
        assert Order.objects.get(pk=order.pk).status == S.PENDING_OUTBOUND
        event = OrderEvent.objects.get(order=order, kind="transition")
        assert event.actor_id is None
        assert (event.from_status, event.to_status) == (S.PENDING_COLLECTION, S.PENDING_OUTBOUND)
        assert Notification.objects.filter(
            kind="sales.order_ready_for_outbound", recipient_id=users.a_warehouse.pk
        ).exists()


def test_payment_changed_leaves_other_statuses_alone(users, store_a, catalogue, in_store):
    order = _order(store_a, in_store, users, catalogue, status=S.PENDING_DELIVERY, collected="200.00")
    with in_store(store_a):
        services.order_payment_changed(order=services.order_lock(order_id=order.pk))
        assert Order.objects.get(pk=order.pk).status == S.PENDING_DELIVERY
        assert not OrderEvent.objects.filter(order=order).exists()


def test_event_add_records_timeline_entry(users, store_a, catalogue, in_store):
    order = _order(store_a, in_store, users, catalogue, status=S.PENDING_OUTBOUND)
    with in_store(store_a):
        services.order_event_add(order=order, kind="payment", actor=users.a_finance, message="收款 100", data={"p": 1})
        event = OrderEvent.objects.get(order=order)
        assert (event.kind, event.actor_id, event.message, event.data) == (
            "payment",
            users.a_finance.pk,
            "收款 100",
            {"p": 1},
        )


def test_feedback_on_completed_order_once(api, users, store_a, catalogue, in_store):
    order = _order(store_a, in_store, users, catalogue, status=S.COMPLETED)
    client = api(users.a_sales, store_a)
    response = client.post(f"/api/v1/orders/{order.pk}/feedback", {"rating": 5, "comment": "好"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["rating"] == 5
    again = client.post(f"/api/v1/orders/{order.pk}/feedback", {"rating": 1}, format="json")
    assert again.status_code == 409
    with in_store(store_a):
        assert Order.objects.get(pk=order.pk).rating == 5


def test_feedback_refused_before_completion(api, users, store_a, catalogue, in_store):
    order = _order(store_a, in_store, users, catalogue, status=S.PENDING_RECEIPT)
    response = api(users.a_sales, store_a).post(f"/api/v1/orders/{order.pk}/feedback", {"rating": 4}, format="json")
    assert response.status_code == 409


@pytest.mark.parametrize("rating", [0, 6, "5", None])
def test_feedback_rating_out_of_range_is_400(api, users, store_a, catalogue, in_store, rating):
    order = _order(store_a, in_store, users, catalogue, status=S.COMPLETED)
    response = api(users.a_sales, store_a).post(
        f"/api/v1/orders/{order.pk}/feedback", {"rating": rating}, format="json"
    )
    assert response.status_code == 400


def test_aftersales_delivery_flow_sends_received_signal(
    api, users, store_a, catalogue, in_store, django_capture_on_commit_callbacks
):
    order = _order(store_a, in_store, users, catalogue, status=S.COMPLETED)
    received = []

    def listener(sender, delivery, **kwargs):
        received.append(delivery.pk)

    delivery_received.connect(listener)
    try:
        with in_store(store_a):
            line = order.lines.first()
            delivery = services.delivery_create(
                order=order,
                kind="reissue",
                items=[{"order_line": line.pk, "quantity": 1}],
                case_id=7,
                actor=users.a_sales,
            )
        client = api(users.a_warehouse, store_a)
        queue = client.get("/api/v1/deliveries?kind=reissue&status=pending").json()["results"]
        assert [row["id"] for row in queue] == [delivery.pk]
        assert (
            client.post(f"/api/v1/deliveries/{delivery.pk}/transition", {"to": "shipped"}, format="json").status_code
            == 409
        )
        assert (
            client.post(f"/api/v1/deliveries/{delivery.pk}/transition", {"to": "outbound"}, format="json").status_code
            == 200
        )
        bad = client.post(f"/api/v1/deliveries/{delivery.pk}/transition", {"to": "shipped"}, format="json")
        assert bad.status_code == 400
        shipped = client.post(f"/api/v1/deliveries/{delivery.pk}/transition", {"to": "shipped", **SHIP}, format="json")
        assert shipped.json()["status"] == "shipped"
        with django_capture_on_commit_callbacks(execute=True):
            done = client.post(f"/api/v1/deliveries/{delivery.pk}/transition", {"to": "received"}, format="json")
        assert done.json()["status"] == "received"
        assert received == [delivery.pk]
    finally:
        delivery_received.disconnect(listener)


def test_delivery_create_refuses_bad_items(users, store_a, catalogue, in_store):
    order = _order(store_a, in_store, users, catalogue, status=S.COMPLETED)
    from shared_apps.platform.errors import ValidationFailed

    with in_store(store_a):
        line = order.lines.first()
        for items in ([], [{"order_line": line.pk, "quantity": 3}], [{"order_line": 999999, "quantity": 1}]):
            with pytest.raises(ValidationFailed):
                services.delivery_create(order=order, kind="exchange", items=items, case_id=1, actor=None)
        assert not Delivery.objects.filter(order=order).exists()
