"""Payment records: collections, supplements and refunds, their confirmation or rejection, and
the collections an import of historical orders records."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.transitions import FourEyes, Transition, decide
from shared_apps.platform.errors import ValidationFailed
from tenant_apps.finance import files
from tenant_apps.finance.models import Payment
from tenant_apps.finance.services.common import (
    KIND_LABELS,
    _add_vouchers,
    _already_decided,
    _check_confirmation,
    _check_new_record,
    _lock_payment,
    _money_shown,
    _money_text,
    _over_collection,
    _pending_sum,
    _send_after_commit,
    finance_member_ids,
    order_url,
    payment_event_data,
)
from tenant_apps.finance.signals import payment_confirmed, payment_rejected
from tenant_apps.notifications.services import notify
from tenant_apps.outbox.services import publish
from tenant_apps.sales import services as sales_services
from tenant_apps.sales.models import Order, OrderEvent


def _is_pending(payment: Payment) -> bool:
    return payment.status == Payment.Status.PENDING


# Finance confirms, never the one who recorded the record (an admin when no one else may); it
# rejects without that rule (the pages and the API let only finance and admins reject).
CONFIRM = Transition(
    to_status=Payment.Status.CONFIRMED,
    allowed=_is_pending,
    refusal=_already_decided,
    four_eyes=FourEyes(permission="payments.confirm", subject="payment", applicants=("created_by_id",)),
)
REJECT = Transition(to_status=Payment.Status.REJECTED, allowed=_is_pending, refusal=_already_decided)

# --- payment records ------------------------------------------------------------------------------


def _tell_finance(payment: Payment, *, order: Order, access: StoreAccess) -> None:
    """Finance is told of a new record (but the one who recorded it)."""
    recipients = [pk for pk in finance_member_ids() if pk != access.user.pk]
    if recipients:
        title = format_lazy(
            gettext_lazy("{kind} of {amount} on order {number} waits for confirmation"),
            kind=KIND_LABELS[payment.kind],
            amount=_money_shown(payment.amount),
            number=order.number,
        )
        notify(
            recipients=recipients,
            kind="finance.payment_recorded",
            title=title,
            url=order_url(order.pk),
            data={"order": order.pk, "payment": payment.pk},
        )


def payment_create(
    *,
    access: StoreAccess,
    order: Order,
    kind: str,
    amount: Decimal,
    method: str,
    note: str = "",
    vouchers: Iterable[files.CheckedFile] = (),
    aftersales_case_id: int | None = None,
    at: datetime | None = None,
) -> Payment:
    """Record a pending collection, supplement or refund on ``order`` with its (checked) voucher files.

    Finance is told on commit; the record counts once finance confirms it.
    """
    backdated = at is not None
    at = at or timezone.now()
    with transaction.atomic():
        locked = sales_services.order_lock(order_id=order.pk)
        _check_new_record(locked, kind=kind, amount=amount)
        payment = Payment.objects.create(
            order=locked,
            kind=kind,
            amount=amount,
            method=method,
            note=note,
            aftersales_case_id=aftersales_case_id,
            created_by=access.user,
        )
        if backdated:  # recorded earlier (demo data, replays): the record says when
            Payment.objects.filter(pk=payment.pk).update(created_at=at)
            payment.created_at = at
        _add_vouchers(payment, vouchers, access)
        sales_services.order_event_add(
            order=locked,
            kind=OrderEvent.Kind.PAYMENT,
            actor=access.user,
            message=_("%(kind)s of %(amount)s recorded, waiting for finance")
            % {"kind": KIND_LABELS[kind], "amount": _money_shown(amount)},
            data={"payment": payment.pk, "kind": kind, "amount": _money_text(amount), "status": payment.status},
            at=at,
        )
        _tell_finance(payment, order=locked, access=access)
    return payment


def refund_create(
    *,
    access: StoreAccess,
    order: Order,
    amount: Decimal,
    method: str,
    aftersales_case_id: int | None = None,
    note: str = "",
) -> Payment:
    """A pending refund on ``order`` (after-sales uses it for an approved case); the same rules as
    any refund: refused when pending + confirmed refunds would exceed collected + supplemented."""
    return payment_create(
        access=access,
        order=order,
        kind=Payment.Kind.REFUND,
        amount=amount,
        method=method,
        note=note,
        aftersales_case_id=aftersales_case_id,
    )


# --- decisions ------------------------------------------------------------------------------------


def _count_in_order(order: Order, payment: Payment, *, at: datetime) -> None:
    """The confirmation's money rules, then the record counted in the order's money columns."""
    _check_confirmation(order, payment)
    fields = ["updated_at"]
    if payment.kind == Payment.Kind.COLLECTION:
        order.collected += payment.amount
        fields.append("collected")
        if order.collected == order.amount:
            order.fully_collected_at = at
            fields.append("fully_collected_at")
    elif payment.kind == Payment.Kind.SUPPLEMENT:
        order.supplemented += payment.amount
        fields.append("supplemented")
    else:
        order.refunded += payment.amount
        fields.append("refunded")
    order.save(update_fields=fields)


def _on_order_timeline(order: Order, payment: Payment, *, access: StoreAccess, at: datetime, message: str) -> None:
    sales_services.order_event_add(
        order=order,
        kind=OrderEvent.Kind.PAYMENT,
        actor=access.user,
        message=message,
        data={
            "payment": payment.pk,
            "kind": payment.kind,
            "amount": _money_text(payment.amount),
            "status": payment.status,
        },
        at=at,
    )


def _tell_decided(order: Order, payment: Payment, *, access: StoreAccess, kind: str, title, body="") -> None:
    """The order's owner and the one who recorded the payment are told (but the one who decided)."""
    recipients = {order.owner_id, payment.created_by_id} - {None, access.user.pk}
    if recipients:
        notify(
            recipients=sorted(recipients),
            kind=kind,
            title=format_lazy(
                title, kind=KIND_LABELS[payment.kind], amount=_money_shown(payment.amount), number=order.number
            ),
            body=body,
            url=order_url(order.pk),
            data={"order": order.pk, "payment": payment.pk},
        )


def payment_confirm(*, access: StoreAccess, payment_id: int, at: datetime | None = None) -> Payment:
    """Finance confirms a pending record: it counts from now on (``confirmed_at``), and sales moves
    the order on when it is now fully collected."""
    at = at or timezone.now()

    def timeline(order: Order, payment: Payment, previous: str) -> None:
        message = _("%(kind)s of %(amount)s confirmed") % {
            "kind": KIND_LABELS[payment.kind],
            "amount": _money_shown(payment.amount),
        }
        _on_order_timeline(order, payment, access=access, at=at, message=message)
        sales_services.order_payment_changed(order=order, at=at)

    def publish_confirmed(order: Order, payment: Payment) -> None:
        publish(topic="payment", entity_id=payment.pk, event="payment.confirmed", data=payment_event_data(payment))
        publish(topic="order", entity_id=order.pk)

    with transaction.atomic():
        order, payment = decide(
            CONFIRM,
            lock=lambda: _lock_payment(payment_id),
            access=access,
            stamp={"confirmed_at": at, "decided_by": access.user},
            check=lambda order, payment: _count_in_order(order, payment, at=at),
            timeline=timeline,
            publish=publish_confirmed,
        )
        title = gettext_lazy("{kind} of {amount} on order {number} was confirmed")
        _tell_decided(order, payment, access=access, kind="finance.payment_confirmed", title=title)
        _send_after_commit(payment_confirmed, payment)
    return payment


def payment_reject(*, access: StoreAccess, payment_id: int, reason: str, at: datetime | None = None) -> Payment:
    """Finance rejects a pending record (with a reason): it never counts."""
    at = at or timezone.now()

    def timeline(order: Order, payment: Payment, previous: str) -> None:
        message = _("%(kind)s of %(amount)s rejected: %(reason)s") % {
            "kind": KIND_LABELS[payment.kind],
            "amount": _money_shown(payment.amount),
            "reason": reason,
        }
        _on_order_timeline(order, payment, access=access, at=at, message=message)

    def publish_rejected(order: Order, payment: Payment) -> None:
        publish(topic="payment", entity_id=payment.pk, event="payment.rejected", data=payment_event_data(payment))

    with transaction.atomic():
        order, payment = decide(
            REJECT,
            lock=lambda: _lock_payment(payment_id),
            access=access,
            stamp={"rejected_at": at, "reject_reason": reason, "decided_by": access.user},
            timeline=timeline,
            publish=publish_rejected,
        )
        title = gettext_lazy("{kind} of {amount} on order {number} was rejected")
        body = format_lazy(gettext_lazy("Reason: {reason}"), reason=reason)
        _tell_decided(order, payment, access=access, kind="finance.payment_rejected", title=title, body=body)
        _send_after_commit(payment_rejected, payment)
    return payment


def record_imported_collection(
    *,
    order: Order,
    amount: Decimal,
    confirmed_at: datetime,
    access: StoreAccess | None,
    method: str = Payment.Method.BANK_TRANSFER,
    note: str = "",
) -> Payment:
    """A historical collection (order import): a record confirmed at ``confirmed_at``.

    The order's money columns include it at once; nobody is notified and the order does not move
    (its imported status is kept). Refused like any collection when it would exceed the amount.
    ``access`` is the one who imports (None for demo data).
    """
    importer = access.user if access is not None else None
    if not isinstance(confirmed_at, datetime) or timezone.is_naive(confirmed_at):
        message = _("A time with its time zone is required.")
        raise ValidationFailed(message, errors={"confirmed_at": [message]})
    with transaction.atomic():
        locked = sales_services.order_lock(order_id=order.pk)
        counted = locked.collected + _pending_sum(locked.pk, Payment.Kind.COLLECTION)
        if counted + amount > locked.amount:
            raise _over_collection(locked, counted=counted, amount=amount)
        payment = Payment.objects.create(
            order=locked,
            kind=Payment.Kind.COLLECTION,
            amount=amount,
            method=method,
            note=note,
            status=Payment.Status.CONFIRMED,
            confirmed_at=confirmed_at,
            created_by=importer,
            decided_by=importer,
        )
        Payment.objects.filter(pk=payment.pk).update(created_at=confirmed_at)
        payment.created_at = confirmed_at
        locked.collected += amount
        fields = ["collected", "updated_at"]
        if locked.collected == locked.amount:
            locked.fully_collected_at = confirmed_at
            fields.append("fully_collected_at")
        locked.save(update_fields=fields)
        sales_services.order_event_add(
            order=locked,
            kind=OrderEvent.Kind.PAYMENT,
            actor=importer,
            message=_("Imported collection of %(amount)s") % {"amount": _money_shown(amount)},
            data={"payment": payment.pk, "kind": payment.kind, "amount": _money_text(amount), "status": "confirmed"},
            at=confirmed_at,
        )
        publish(topic="payment", entity_id=payment.pk)
        order.collected = locked.collected
        order.fully_collected_at = locked.fully_collected_at
    return payment
