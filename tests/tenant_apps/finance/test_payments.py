"""Payment records: the money rules of metrics.md at creation and at confirmation, the order's
money columns, the automatic moves of the order, and the functions other modules call."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shared_apps.platform.errors import DomainError
from tenant_apps.finance import selectors, services
from tenant_apps.finance.inputs import PaymentRejectSerializer
from tenant_apps.finance.models import Payment
from tenant_apps.finance.signals import payment_confirmed, payment_rejected
from tenant_apps.outbox.models import OutboxEvent
from tenant_apps.sales.models import Order, OrderEvent
from tests.factories import access_of
from tests.tenant_apps.finance.helpers import notifications_of, order_of, record


def _record(order, actor, kind="collection", amount="100.00", method="bank_transfer"):
    return record(order, actor, kind=kind, amount=amount, method=method)


def _confirm(payment_id, user):
    return services.payment_confirm(access=access_of(user), payment_id=payment_id)


def _reject(payment_id, user, reason):
    return services.payment_reject(
        access=access_of(user), payment_id=payment_id, **PaymentRejectSerializer.read({"reason": reason})
    )


def _code(excinfo) -> str:
    return str(excinfo.value.code)


@pytest.fixture
def store(store_a, in_store):
    with in_store(store_a):
        yield store_a


# --- creation -------------------------------------------------------------------------------------


def test_collection_up_to_the_amount_is_accepted_at_creation(store, users):
    order = order_of(users.a_sales, "1000.00")
    payment = _record(order, users.a_sales, amount="1000.00")
    assert payment.status == Payment.Status.PENDING
    assert payment.amount == Decimal("1000.00")


def test_collection_one_cent_over_the_amount_is_refused_at_creation(store, users):
    order = order_of(users.a_sales, "1000.00")
    with pytest.raises(DomainError) as excinfo:
        _record(order, users.a_sales, amount="1000.01")
    assert _code(excinfo) == "over_collection"
    assert excinfo.value.status == 409
    assert not Payment.objects.filter(order=order).exists()


def test_pending_collections_count_toward_the_limit(store, users):
    order = order_of(users.a_sales, "1000.00")
    _record(order, users.a_sales, amount="600.00")
    _record(order, users.a_sales, amount="400.00")
    with pytest.raises(DomainError) as excinfo:
        _record(order, users.a_sales, amount="0.01")
    assert _code(excinfo) == "over_collection"


def test_rejected_collections_do_not_count_toward_the_limit(store, users):
    order = order_of(users.a_sales, "1000.00")
    first = _record(order, users.a_sales, amount="1000.00")
    _reject(first.pk, users.a_finance, "wrong voucher")
    again = _record(order, users.a_sales, amount="1000.00")
    assert again.status == Payment.Status.PENDING


def test_refund_up_to_collected_plus_supplemented_is_accepted(store, users):
    order = order_of(users.a_sales, "1000.00")
    for kind, amount in (("collection", "1000.00"), ("supplement", "50.00")):
        _confirm(_record(order, users.a_sales, kind=kind, amount=amount).pk, users.a_finance)
    refund = _record(order, users.a_sales, kind="refund", amount="1050.00")
    assert refund.status == Payment.Status.PENDING


def test_refund_one_cent_over_collected_plus_supplemented_is_refused(store, users):
    order = order_of(users.a_sales, "1000.00")
    _confirm(_record(order, users.a_sales, amount="1000.00").pk, users.a_finance)
    _confirm(_record(order, users.a_sales, kind="supplement", amount="50.00").pk, users.a_finance)
    with pytest.raises(DomainError) as excinfo:
        _record(order, users.a_sales, kind="refund", amount="1050.01")
    assert _code(excinfo) == "over_refund"


def test_pending_refunds_count_toward_the_refund_limit(store, users):
    order = order_of(users.a_sales, "1000.00")
    _confirm(_record(order, users.a_sales, amount="500.00").pk, users.a_finance)
    _record(order, users.a_sales, kind="refund", amount="300.00")
    with pytest.raises(DomainError) as excinfo:
        _record(order, users.a_sales, kind="refund", amount="200.01")
    assert _code(excinfo) == "over_refund"
    assert _record(order, users.a_sales, kind="refund", amount="200.00").status == "pending"


def test_refund_is_refused_when_nothing_was_collected_yet(store, users):
    order = order_of(users.a_sales, "1000.00")
    _record(order, users.a_sales, amount="1000.00")  # pending collections do not make money refundable
    with pytest.raises(DomainError) as excinfo:
        _record(order, users.a_sales, kind="refund", amount="0.01")
    assert _code(excinfo) == "over_refund"


@pytest.mark.parametrize("amount", ["0", "-5.00", "10.001", "abc", "", "NaN", "Infinity", None])
def test_bad_amounts_are_refused_with_a_validation_error(store, users, amount):
    order = order_of(users.a_sales, "1000.00")
    with pytest.raises(DomainError) as excinfo:
        _record(order, users.a_sales, amount=amount)
    assert _code(excinfo) == "validation_error"
    assert "amount" in excinfo.value.errors
    assert not Payment.objects.filter(order=order).exists()


def test_unknown_kind_and_method_are_refused(store, users):
    order = order_of(users.a_sales, "1000.00")
    with pytest.raises(DomainError) as excinfo:
        _record(order, users.a_sales, kind="gift")
    assert "kind" in excinfo.value.errors
    with pytest.raises(DomainError) as excinfo:
        _record(order, users.a_sales, method="bitcoin")
    assert "method" in excinfo.value.errors


def test_collections_and_supplements_are_refused_on_a_cancelled_order_but_refunds_allowed(store, users):
    order = order_of(users.a_sales, "1000.00")
    _confirm(_record(order, users.a_sales, amount="300.00").pk, users.a_finance)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED, cancelled_at=timezone.now())
    order.refresh_from_db()
    for kind in ("collection", "supplement"):
        with pytest.raises(DomainError) as excinfo:
            _record(order, users.a_sales, kind=kind, amount="10.00")
        assert _code(excinfo) == "order_cancelled"
    assert _record(order, users.a_sales, kind="refund", amount="300.00").kind == "refund"


def test_recording_writes_a_timeline_entry_and_tells_finance(store, users, django_capture_on_commit_callbacks):
    order = order_of(users.a_sales, "100000.00")
    with django_capture_on_commit_callbacks(execute=True):
        payment = _record(order, users.a_sales, amount="35579.00")
    event = OrderEvent.objects.filter(order=order, kind="payment").get()
    assert event.actor_id == users.a_sales.pk and event.data["payment"] == payment.pk
    # People read the amount as money; the event's data keeps the API's decimal text.
    assert "¥35,579.00" in event.message and event.data["amount"] == "35579.00"
    (note,) = notifications_of(users.a_finance, "finance.payment_recorded")
    assert "¥35,579.00" in note.title


def test_deciding_writes_the_amount_as_money_on_the_timeline_and_in_the_notice(
    store, users, django_capture_on_commit_callbacks
):
    order = order_of(users.a_sales, "100000.00")
    confirmed, rejected = (_record(order, users.a_sales, amount="12345.60") for _ in range(2))
    with django_capture_on_commit_callbacks(execute=True):
        _confirm(confirmed.pk, users.a_finance)
        _reject(rejected.pk, users.a_finance, "blurred voucher")
    messages = list(OrderEvent.objects.filter(order=order, kind="payment").values_list("message", flat=True))
    assert len(messages) == 4 and all("¥12,345.60" in message for message in messages)
    for kind in ("finance.payment_confirmed", "finance.payment_rejected"):
        (note,) = notifications_of(users.a_sales, kind)
        assert "¥12,345.60" in note.title


# --- confirmation ---------------------------------------------------------------------------------


def test_confirming_up_to_the_amount_is_accepted(store, users):
    order = order_of(users.a_sales, "1000.00")
    pending = Payment.objects.create(order=order, kind="collection", amount="1000.00", method="cash")
    _confirm(pending.pk, users.a_finance)
    order.refresh_from_db()
    assert order.collected == Decimal("1000.00")
    assert order.fully_collected_at is not None


def test_confirming_one_cent_over_the_amount_is_refused(store, users):
    order = order_of(users.a_sales, "1000.00")
    done = _record(order, users.a_sales, amount="600.00")
    _confirm(done.pk, users.a_finance)
    # Written directly: a record the creation rules would have refused (e.g. the amount changed).
    over = Payment.objects.create(order=order, kind="collection", amount="400.01", method="cash")
    with pytest.raises(DomainError) as excinfo:
        _confirm(over.pk, users.a_finance)
    assert _code(excinfo) == "over_collection"
    over.refresh_from_db()
    order.refresh_from_db()
    assert over.status == "pending" and order.collected == Decimal("600.00")


def test_confirming_a_refund_one_cent_over_is_refused_and_equal_is_accepted(store, users):
    order = order_of(users.a_sales, "1000.00")
    _confirm(_record(order, users.a_sales, amount="500.00").pk, users.a_finance)
    over = Payment.objects.create(order=order, kind="refund", amount="500.01", method="cash")
    with pytest.raises(DomainError) as excinfo:
        _confirm(over.pk, users.a_finance)
    assert _code(excinfo) == "over_refund"
    exact = Payment.objects.create(order=order, kind="refund", amount="500.00", method="cash")
    _confirm(exact.pk, users.a_finance)
    order.refresh_from_db()
    assert order.refunded == Decimal("500.00") and order.net_received == Decimal("0.00")


def test_confirming_twice_is_an_invalid_transition(store, users):
    order = order_of(users.a_sales, "1000.00")
    payment = _record(order, users.a_sales)
    _confirm(payment.pk, users.a_finance)
    with pytest.raises(DomainError) as excinfo:
        _confirm(payment.pk, users.a_finance)
    assert _code(excinfo) == "invalid_transition"
    order.refresh_from_db()
    assert order.collected == Decimal("100.00")


def test_rejecting_a_confirmed_record_is_an_invalid_transition(store, users):
    order = order_of(users.a_sales, "1000.00")
    payment = _record(order, users.a_sales)
    _confirm(payment.pk, users.a_finance)
    with pytest.raises(DomainError) as excinfo:
        _reject(payment.pk, users.a_finance, "no")
    assert _code(excinfo) == "invalid_transition"


def test_rejecting_needs_a_reason(store, users):
    payment = _record(order_of(users.a_sales, "1000.00"), users.a_sales)
    with pytest.raises(DomainError) as excinfo:
        _reject(payment.pk, users.a_finance, "  ")
    assert "reason" in excinfo.value.errors


def test_confirming_updates_each_money_column_by_kind(store, users):
    order = order_of(users.a_sales, "1000.00")
    for kind, amount in (("collection", "400.00"), ("supplement", "30.00"), ("refund", "20.00")):
        _confirm(_record(order, users.a_sales, kind=kind, amount=amount).pk, users.a_finance)
    order.refresh_from_db()
    assert (order.collected, order.supplemented, order.refunded) == (
        Decimal("400.00"),
        Decimal("30.00"),
        Decimal("20.00"),
    )
    assert order.outstanding == Decimal("600.00")
    assert order.fully_collected_at is None


def test_prepaid_order_moves_to_pending_outbound_exactly_when_fully_collected(store, users):
    order = order_of(
        users.a_sales, "1000.00", payment_mode=Order.PaymentMode.PREPAID, status=Order.Status.PENDING_COLLECTION
    )
    parts = [_record(order, users.a_sales, amount=a) for a in ("300.00", "300.00", "400.00")]
    for part in parts[:2]:
        _confirm(part.pk, users.a_finance)
        order.refresh_from_db()
        assert order.status == Order.Status.PENDING_COLLECTION
    _confirm(parts[2].pk, users.a_finance)
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_OUTBOUND
    assert order.collected == order.amount
    assert OrderEvent.objects.filter(order=order, kind="transition", to_status="pending_outbound").count() == 1


def test_prepaid_order_does_not_move_on_pending_records_alone(store, users):
    order = order_of(
        users.a_sales, "1000.00", payment_mode=Order.PaymentMode.PREPAID, status=Order.Status.PENDING_COLLECTION
    )
    _record(order, users.a_sales, amount="1000.00")
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_COLLECTION and order.collected == 0


def test_credit_order_received_completes_when_fully_collected(store, users):
    order = order_of(users.a_sales, "1000.00", status=Order.Status.AWAITING_PAYMENT, received_at=timezone.now())
    first, second = (_record(order, users.a_sales, amount=a) for a in ("999.99", "0.01"))
    _confirm(first.pk, users.a_finance)
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    _confirm(second.pk, users.a_finance)
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED and order.completed_at is not None


def test_confirming_publishes_payment_and_order_to_the_outbox(store, users):
    order = order_of(users.a_sales, "1000.00")
    payment = _record(order, users.a_sales)
    before = OutboxEvent.objects.count()
    _confirm(payment.pk, users.a_finance)
    new = set(OutboxEvent.objects.order_by("id")[before:].values_list("topic", "entity_id"))
    assert {("payment", payment.pk), ("order", order.pk)} <= new


def test_confirming_notifies_the_owner_and_sends_the_signal_only_after_commit(
    store, users, django_capture_on_commit_callbacks
):
    order = order_of(users.a_sales, "1000.00")
    payment = _record(order, users.a_sales)
    received = []

    def receiver(sender, payment, **kwargs):
        received.append(payment.pk)

    payment_confirmed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            _confirm(payment.pk, users.a_finance)
        assert received == []
        for callback in callbacks:
            callback()
    finally:
        payment_confirmed.disconnect(receiver)
    assert received == [payment.pk]
    assert len(notifications_of(users.a_sales, "finance.payment_confirmed")) == 1


def test_rejecting_notifies_the_owner_and_sends_the_signal(store, users, django_capture_on_commit_callbacks):
    order = order_of(users.a_sales, "1000.00")
    payment = _record(order, users.a_sales)
    received = []

    def receiver(sender, payment, **kwargs):
        received.append((payment.pk, payment.status))

    payment_rejected.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _reject(payment.pk, users.a_finance, "blurred voucher")
    finally:
        payment_rejected.disconnect(receiver)
    assert received == [(payment.pk, "rejected")]
    (note,) = notifications_of(users.a_sales, "finance.payment_rejected")
    assert "blurred voucher" in note.body


# --- for other modules ----------------------------------------------------------------------------


def test_refund_create_makes_a_pending_refund_linked_to_the_case(store, users):
    order = order_of(users.a_sales, "1000.00")
    _confirm(_record(order, users.a_sales, amount="800.00").pk, users.a_finance)
    refund = services.refund_create(
        access=access_of(users.a_supervisor),
        order=order,
        amount=Decimal("200.00"),
        method="alipay",
        aftersales_case_id=77,
    )
    assert (refund.kind, refund.status, refund.aftersales_case_id) == ("refund", "pending", 77)
    assert selectors.refundable_amount(order=order) == Decimal("600.00")


def test_refund_create_follows_the_refund_limit(store, users):
    order = order_of(users.a_sales, "1000.00")
    _confirm(_record(order, users.a_sales, amount="100.00").pk, users.a_finance)
    with pytest.raises(DomainError) as excinfo:
        services.refund_create(
            access=access_of(users.a_supervisor), order=order, amount=Decimal("100.01"), method="alipay"
        )
    assert _code(excinfo) == "over_refund"


def test_refundable_amount_ignores_rejected_refunds(store, users):
    order = order_of(users.a_sales, "1000.00")
    _confirm(_record(order, users.a_sales, amount="500.00").pk, users.a_finance)
    refund = _record(order, users.a_sales, kind="refund", amount="500.00")
    assert selectors.refundable_amount(order=order) == Decimal("0.00")
    _reject(refund.pk, users.a_finance, "duplicate")
    assert selectors.refundable_amount(order=order) == Decimal("500.00")


def test_record_imported_collection_is_confirmed_at_its_time_without_moving_the_order(
    store, users, django_capture_on_commit_callbacks
):
    order = order_of(
        users.a_sales, "1000.00", payment_mode=Order.PaymentMode.PREPAID, status=Order.Status.PENDING_COLLECTION
    )
    when = timezone.now() - timedelta(days=400)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        payment = services.record_imported_collection(
            order=order, amount=Decimal("1000.00"), confirmed_at=when, access=access_of(users.a_admin)
        )
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, payment.confirmed_at, payment.created_at) == ("confirmed", when, when)
    assert order.collected == Decimal("1000.00") and order.fully_collected_at == when
    assert order.status == Order.Status.PENDING_COLLECTION
    # nothing after the commit: no notification, no consumer woken (the HQ fact waits for the drain)
    assert callbacks == []
    assert notifications_of(users.a_sales) == []


def test_record_imported_collection_refuses_over_collection(store, users):
    order = order_of(users.a_sales, "1000.00")
    with pytest.raises(DomainError) as excinfo:
        services.record_imported_collection(
            order=order, amount=Decimal("1000.01"), confirmed_at=timezone.now(), access=access_of(users.a_admin)
        )
    assert _code(excinfo) == "over_collection"
    assert not Payment.objects.filter(order=order).exists()


def test_signal_after_commit_runs_in_the_store_schema_even_if_the_caller_moved_on(
    store, users, django_capture_on_commit_callbacks
):
    from django.db import connection

    payment = _record(order_of(users.a_sales, "1000.00"), users.a_sales)
    schemas = []

    def receiver(sender, payment, **kwargs):
        schemas.append(connection.schema_name)

    payment_confirmed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            _confirm(payment.pk, users.a_finance)
        connection.set_schema_to_public()
        for callback in callbacks:
            callback()
    finally:
        payment_confirmed.disconnect(receiver)
        connection.set_tenant(store)
    assert schemas == [store.schema_name]


def test_customer_panel_sums_money_received_and_overdue(store, users):
    from datetime import date

    order = order_of(users.a_sales, "1000.00", due_date=date(2020, 1, 1))
    _confirm(_record(order, users.a_sales, amount="300.00").pk, users.a_finance)
    _record(order, users.a_sales, amount="100.00")
    panel = selectors.customer_finance_summary(customer_id=order.customer_id)
    assert panel["net_received"] == "300.00" and panel["overdue_receivable"] == "700.00"
    assert panel["pending_payment_records"] == 1
