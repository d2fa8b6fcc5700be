"""Payment records: collections, supplements and refunds, their confirmation or rejection, and
the collections an import of historical orders records."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import resolve_store_access
from shared_apps.accounts.approvals import check_approver
from shared_apps.platform.errors import PermissionDenied
from tenant_apps.finance import files
from tenant_apps.finance.models import Payment
from tenant_apps.finance.services.common import (
    KIND_LABELS,
    MAX_VOUCHERS,
    NOTE_MAX,
    REASON_MAX,
    _add_vouchers,
    _already_decided,
    _check_confirmation,
    _check_new_record,
    _choice,
    _invalid,
    _lock_payment,
    _money_text,
    _over_collection,
    _pending_sum,
    _send_after_commit,
    _text,
    finance_member_ids,
    order_url,
    parse_amount,
    payment_event_data,
)
from tenant_apps.finance.signals import payment_confirmed, payment_rejected
from tenant_apps.notifications.services import notify
from tenant_apps.outbox.services import publish
from tenant_apps.sales import services as sales_services
from tenant_apps.sales.models import Order, OrderEvent
from tenants.storetime import current_store

# --- payment records ------------------------------------------------------------------------------


def payment_create(
    *,
    order: Order,
    kind: str,
    amount,
    method: str,
    actor,
    note: str = "",
    vouchers: Iterable = (),
    aftersales_case_id: int | None = None,
    at: datetime | None = None,
) -> Payment:
    """Record a pending collection, supplement or refund on ``order`` with its voucher files.

    Finance is told on commit; the record counts once finance confirms it.
    """
    kind = _choice(kind, field="kind", choices=Payment.Kind)
    amount = parse_amount(amount)
    method = _choice(method, field="method", choices=Payment.Method)
    note = _text(note, field="note", max_length=NOTE_MAX)
    uploads = list(vouchers or ())
    if len(uploads) > MAX_VOUCHERS:
        raise _invalid("voucher", _("At most %(max)d voucher files per record.") % {"max": MAX_VOUCHERS})
    checked = files.check_files(uploads, field="voucher")
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
            created_by=actor,
        )
        if backdated:  # recorded earlier (demo data, replays): the record says when
            Payment.objects.filter(pk=payment.pk).update(created_at=at)
            payment.created_at = at
        _add_vouchers(payment, checked, actor)
        sales_services.order_event_add(
            order=locked,
            kind=OrderEvent.Kind.PAYMENT,
            actor=actor,
            message=_("%(kind)s of %(amount)s recorded, waiting for finance")
            % {"kind": KIND_LABELS[kind], "amount": _money_text(amount)},
            data={"payment": payment.pk, "kind": kind, "amount": _money_text(amount), "status": payment.status},
            at=at,
        )
        recipients = [pk for pk in finance_member_ids() if pk != getattr(actor, "pk", None)]
        if recipients:
            title = format_lazy(
                gettext_lazy("{kind} of {amount} on order {number} waits for confirmation"),
                kind=KIND_LABELS[kind],
                amount=_money_text(amount),
                number=locked.number,
            )
            notify(
                recipients=recipients,
                kind="finance.payment_recorded",
                title=title,
                url=order_url(locked.pk),
                data={"order": locked.pk, "payment": payment.pk},
            )
    return payment


def refund_create(
    *,
    order: Order,
    amount,
    method: str,
    actor,
    aftersales_case_id: int | None = None,
    note: str = "",
) -> Payment:
    """A pending refund on ``order`` (after-sales uses it for an approved case); the same rules as
    any refund: refused when pending + confirmed refunds would exceed collected + supplemented."""
    return payment_create(
        order=order,
        kind=Payment.Kind.REFUND,
        amount=amount,
        method=method,
        actor=actor,
        note=note,
        aftersales_case_id=aftersales_case_id,
    )


def payment_confirm(*, payment_id, actor, at: datetime | None = None) -> Payment:
    """Finance confirms a pending record: it counts from now on (``confirmed_at``)."""
    at = at or timezone.now()
    with transaction.atomic():
        order, payment = _lock_payment(payment_id)
        if actor is not None:  # a person confirms: four eyes (the system confirming an import is not one)
            access = resolve_store_access(user=actor, store=current_store())
            if access is None:
                raise PermissionDenied()
            check_approver(
                access=access,
                permission="payments.confirm",
                applicant_ids=(payment.created_by_id,),
                subject="payment",
                object_id=payment.pk,
            )
        if payment.status != Payment.Status.PENDING:
            raise _already_decided(payment)
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
        payment.status = Payment.Status.CONFIRMED
        payment.confirmed_at = at
        payment.decided_by = actor
        payment.save(update_fields=["status", "confirmed_at", "decided_by"])
        sales_services.order_event_add(
            order=order,
            kind=OrderEvent.Kind.PAYMENT,
            actor=actor,
            message=_("%(kind)s of %(amount)s confirmed")
            % {"kind": KIND_LABELS[payment.kind], "amount": _money_text(payment.amount)},
            data={
                "payment": payment.pk,
                "kind": payment.kind,
                "amount": _money_text(payment.amount),
                "status": payment.status,
            },
            at=at,
        )
        sales_services.order_payment_changed(order=order, at=at)
        publish(topic="payment", entity_id=payment.pk, event="payment.confirmed", data=payment_event_data(payment))
        publish(topic="order", entity_id=order.pk)
        recipients = {order.owner_id, payment.created_by_id} - {None, getattr(actor, "pk", None)}
        title = format_lazy(
            gettext_lazy("{kind} of {amount} on order {number} was confirmed"),
            kind=KIND_LABELS[payment.kind],
            amount=_money_text(payment.amount),
            number=order.number,
        )
        if recipients:
            notify(
                recipients=sorted(recipients),
                kind="finance.payment_confirmed",
                title=title,
                url=order_url(order.pk),
                data={"order": order.pk, "payment": payment.pk},
            )
        _send_after_commit(payment_confirmed, payment)
    return payment


def payment_reject(*, payment_id, actor, reason, at: datetime | None = None) -> Payment:
    """Finance rejects a pending record (with a reason): it never counts."""
    reason = _text(reason, field="reason", max_length=REASON_MAX, required=True)
    at = at or timezone.now()
    with transaction.atomic():
        order, payment = _lock_payment(payment_id)
        if payment.status != Payment.Status.PENDING:
            raise _already_decided(payment)
        payment.status = Payment.Status.REJECTED
        payment.rejected_at = at
        payment.reject_reason = reason
        payment.decided_by = actor
        payment.save(update_fields=["status", "rejected_at", "reject_reason", "decided_by"])
        sales_services.order_event_add(
            order=order,
            kind=OrderEvent.Kind.PAYMENT,
            actor=actor,
            message=_("%(kind)s of %(amount)s rejected: %(reason)s")
            % {"kind": KIND_LABELS[payment.kind], "amount": _money_text(payment.amount), "reason": reason},
            data={
                "payment": payment.pk,
                "kind": payment.kind,
                "amount": _money_text(payment.amount),
                "status": payment.status,
            },
            at=at,
        )
        publish(topic="payment", entity_id=payment.pk, event="payment.rejected", data=payment_event_data(payment))
        recipients = {order.owner_id, payment.created_by_id} - {None, getattr(actor, "pk", None)}
        title = format_lazy(
            gettext_lazy("{kind} of {amount} on order {number} was rejected"),
            kind=KIND_LABELS[payment.kind],
            amount=_money_text(payment.amount),
            number=order.number,
        )
        body = format_lazy(gettext_lazy("Reason: {reason}"), reason=reason)
        if recipients:
            notify(
                recipients=sorted(recipients),
                kind="finance.payment_rejected",
                title=title,
                body=body,
                url=order_url(order.pk),
                data={"order": order.pk, "payment": payment.pk},
            )
        _send_after_commit(payment_rejected, payment)
    return payment


def record_imported_collection(
    *,
    order: Order,
    amount,
    confirmed_at: datetime,
    actor,
    method: str = Payment.Method.BANK_TRANSFER,
    note: str = "",
) -> Payment:
    """A historical collection (order import): a record confirmed at ``confirmed_at``.

    The order's money columns include it at once; nobody is notified and the order does not move
    (its imported status is kept). Refused like any collection when it would exceed the amount.
    """
    amount = parse_amount(amount)
    method = _choice(method, field="method", choices=Payment.Method)
    note = _text(note, field="note", max_length=NOTE_MAX)
    if not isinstance(confirmed_at, datetime) or timezone.is_naive(confirmed_at):
        raise _invalid("confirmed_at", _("A time with its time zone is required."))
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
            created_by=actor,
            decided_by=actor,
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
            actor=actor,
            message=_("Imported collection of %(amount)s") % {"amount": _money_text(amount)},
            data={"payment": payment.pk, "kind": payment.kind, "amount": _money_text(amount), "status": "confirmed"},
            at=confirmed_at,
        )
        publish(topic="payment", entity_id=payment.pk)
        order.collected = locked.collected
        order.fully_collected_at = locked.fully_collected_at
    return payment
