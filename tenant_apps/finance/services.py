"""Writes of finance: payment records and their vouchers, confirmation, invoices, reminders.

The money rules (metrics.md, "Money on an order") are checked under a lock on the order row, when
a record is made and again when it is confirmed:

* a collection is refused when pending + confirmed collections + the amount exceed the order's
  amount (409 ``over_collection``); confirming one is refused when confirmed collections + the
  amount would exceed it;
* a refund is refused when pending + confirmed refunds + the amount exceed collected +
  supplemented (409 ``over_refund``); confirming one when confirmed refunds + the amount would;
* collections and supplements are refused on a cancelled order (refunds are allowed).

Lock order, the same everywhere: the order row, then payment or invoice rows. Confirming keeps the
order's ``collected`` / ``supplemented`` / ``refunded`` (and ``fully_collected_at``) in the same
transaction, lets sales move the order on (``order_payment_changed``), writes the timeline and the
outbox; notifications and the ``payment_confirmed`` / ``payment_rejected`` signals follow the commit.

Every function validates everything before writing anything, and takes ``at`` (None means now).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import resolve_store_access
from shared_apps.accounts.approvals import check_approver
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_list
from shared_apps.platform.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tenant_apps.finance import files
from tenant_apps.finance.error_codes import FinanceErrorCode
from tenant_apps.finance.models import Invoice, Payment, PaymentVoucher, ReceivableReminder
from tenant_apps.finance.signals import payment_confirmed, payment_rejected
from tenant_apps.notifications.services import notify
from tenant_apps.outbox.services import publish
from tenant_apps.sales import services as sales_services
from tenant_apps.sales.models import Order, OrderEvent, Quotation
from tenants.models import Store
from tenants.storetime import current_store

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
NOTE_MAX = 300
REASON_MAX = 300
MAX_VOUCHERS = 10
INVOICE_TEXT_LIMITS = {"title": 200, "tax_number": 30, "address": 300, "note": 300}
NUMBER_MAX = 40
COURIER_MAX = 60
TRACKING_MAX = 64

KIND_LABELS = {
    Payment.Kind.COLLECTION: gettext_lazy("Collection"),
    Payment.Kind.SUPPLEMENT: gettext_lazy("Supplement"),
    Payment.Kind.REFUND: gettext_lazy("Refund"),
}


# --- helpers --------------------------------------------------------------------------------------


def payment_event_data(payment: Payment) -> dict:
    """A payment record for the event log, as the API returns it."""
    from tenant_apps.finance.api import PaymentSerializer

    return dict(PaymentSerializer(Payment.objects.get(pk=payment.pk)).data)


def _current_store() -> Store:
    return current_store()


def finance_member_ids() -> list[int]:
    """Active finance members of the current store (they confirm records and issue invoices)."""
    return list(
        member_list(store=_current_store())
        .filter(is_active=True, role=StoreRole.FINANCE)
        .values_list("user_id", flat=True)
    )


def order_url(order_id: int) -> str:
    return sales_services.order_url(order_id)


def invoice_url(invoice_id: int) -> str:
    return f"/finance/invoices/{invoice_id}/"


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={field: [message]})


def parse_amount(value, *, field: str = "amount") -> Decimal:
    """A money amount: more than 0, at most 2 decimals, as a ``Decimal`` with 2 places."""
    if value is None or value == "" or isinstance(value, bool):
        raise _invalid(field, _("An amount is required."))
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise _invalid(field, _("Enter an amount such as 1280.00.")) from None
    if not amount.is_finite():
        raise _invalid(field, _("Enter an amount such as 1280.00."))
    if amount.as_tuple().exponent < -2:
        raise _invalid(field, _("An amount has at most 2 decimals."))
    if amount <= 0:
        raise _invalid(field, _("The amount must be greater than 0."))
    if amount > MAX_AMOUNT:
        raise _invalid(field, _("The amount is too large."))
    return amount.quantize(CENT)


def _text(value, *, field: str, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _invalid(field, _("Enter text."))
    text = value.strip()
    if required and not text:
        raise _invalid(field, _("This field is required."))
    if len(text) > max_length:
        raise _invalid(field, _("At most %(max)d characters.") % {"max": max_length})
    return text


def _choice(value, *, field: str, choices) -> str:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise _invalid(field, _("Choose one of: %(allowed)s.") % {"allowed": allowed})
    return value


def _money_text(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _pending_sum(order_id: int, kind: str) -> Decimal:
    total = Payment.objects.filter(order_id=order_id, kind=kind, status=Payment.Status.PENDING).aggregate(
        total=Sum("amount")
    )["total"]
    return total or ZERO


def _over_collection(order: Order, *, counted: Decimal, amount: Decimal) -> Conflict:
    return Conflict(
        _(
            "This collection of %(amount)s would bring the collections of order %(number)s to %(total)s, "
            "more than its amount %(order_amount)s."
        )
        % {
            "amount": _money_text(amount),
            "number": order.number,
            "total": _money_text(counted + amount),
            "order_amount": _money_text(order.amount),
        },
        code=FinanceErrorCode.OVER_COLLECTION,
        extra={"collectable": _money_text(max(order.amount - counted, ZERO))},
    )


def _over_refund(order: Order, *, counted: Decimal, amount: Decimal) -> Conflict:
    ceiling = order.collected + order.supplemented
    return Conflict(
        _(
            "This refund of %(amount)s would bring the refunds of order %(number)s to %(total)s, "
            "more than the %(ceiling)s collected and supplemented."
        )
        % {
            "amount": _money_text(amount),
            "number": order.number,
            "total": _money_text(counted + amount),
            "ceiling": _money_text(ceiling),
        },
        code=FinanceErrorCode.OVER_REFUND,
        extra={"refundable": _money_text(max(ceiling - counted, ZERO))},
    )


def _order_cancelled(order: Order, kind: str) -> Conflict:
    return Conflict(
        _("Order %(number)s is cancelled: no %(kind)s can be recorded or confirmed on it.")
        % {"number": order.number, "kind": str(KIND_LABELS[kind]).lower()},
        code=FinanceErrorCode.ORDER_CANCELLED,
    )


def _check_new_record(order: Order, *, kind: str, amount: Decimal) -> None:
    """The rules for a new pending record on the locked ``order`` (pending records count)."""
    if kind != Payment.Kind.REFUND and order.status == Order.Status.CANCELLED:
        raise _order_cancelled(order, kind)
    if kind == Payment.Kind.COLLECTION:
        counted = order.collected + _pending_sum(order.pk, kind)
        if counted + amount > order.amount:
            raise _over_collection(order, counted=counted, amount=amount)
    elif kind == Payment.Kind.REFUND:
        counted = order.refunded + _pending_sum(order.pk, kind)
        if counted + amount > order.collected + order.supplemented:
            raise _over_refund(order, counted=counted, amount=amount)


def _check_confirmation(order: Order, payment: Payment) -> None:
    """The rules for confirming ``payment`` on the locked ``order`` (confirmed records count)."""
    kind, amount = payment.kind, payment.amount
    if kind != Payment.Kind.REFUND and order.status == Order.Status.CANCELLED:
        raise _order_cancelled(order, kind)
    if kind == Payment.Kind.COLLECTION and order.collected + amount > order.amount:
        raise _over_collection(order, counted=order.collected, amount=amount)
    if kind == Payment.Kind.REFUND and order.refunded + amount > order.collected + order.supplemented:
        raise _over_refund(order, counted=order.refunded, amount=amount)


def _save_file(record, checked: files.CheckedFile) -> None:
    record.store_prefix = files.store_prefix()
    record.stored_name = files.stored_name(checked.extension)
    content = checked.file if isinstance(checked.file, File) else File(checked.file, name=checked.original_name)
    content.seek(0)
    record.file.save(record.stored_name, content, save=False)


def _add_vouchers(payment: Payment, checked: Iterable[files.CheckedFile], actor) -> list[PaymentVoucher]:
    vouchers = []
    for item in checked:
        voucher = PaymentVoucher(
            payment=payment,
            original_name=item.original_name,
            content_type=item.content_type,
            size=item.size,
            uploaded_by=actor,
        )
        _save_file(voucher, item)
        voucher.save()
        vouchers.append(voucher)
    return vouchers


def _payment_ref(payment_id) -> dict:
    try:
        pk = int(payment_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such payment record.")) from None
    ref = Payment.objects.filter(pk=pk).values("pk", "order_id").first()
    if ref is None:
        raise NotFound(_("No such payment record."))
    return ref


def _lock_payment(payment_id) -> tuple[Order, Payment]:
    """The order, then the payment record, both locked (the order first, as everywhere)."""
    ref = _payment_ref(payment_id)
    order = sales_services.order_lock(order_id=ref["order_id"])
    payment = Payment.objects.select_for_update().get(pk=ref["pk"])
    return order, payment


def _already_decided(payment: Payment) -> InvalidTransition:
    return InvalidTransition(
        _("This payment record was already decided (%(status)s).") % {"status": Payment.Status(payment.status).label},
        extra={"payment_status": payment.status},
    )


def _send_after_commit(signal, payment: Payment) -> None:
    """Send ``signal`` once the transaction commits, in this store's schema (the commit may come
    after the caller moved on to another schema, as the demo seeding of several stores does)."""
    from django.db import connection
    from django_tenants.utils import schema_context, tenant_context

    tenant = getattr(connection, "tenant", None)
    schema = connection.schema_name

    def dispatch() -> None:
        for receiver, response in signal.send_robust(sender=Payment, payment=payment):
            if isinstance(response, Exception):
                logger.error(
                    "finance signal receiver %r failed for payment %s", receiver, payment.pk, exc_info=response
                )

    def send() -> None:
        if connection.schema_name == schema:
            dispatch()
            return
        scope = tenant_context(tenant) if isinstance(tenant, Store) else schema_context(schema)
        with scope:
            dispatch()

    transaction.on_commit(send)


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


# --- invoices -------------------------------------------------------------------------------------


def _invoice_ceiling_error(*, total: Decimal, amount: Decimal, ceiling: Decimal, source: str) -> Conflict:
    return Conflict(
        _(
            "This invoice of %(amount)s would bring the invoices of %(source)s to %(total)s, "
            "more than the %(ceiling)s that may be invoiced."
        )
        % {
            "amount": _money_text(amount),
            "source": source,
            "total": _money_text(total + amount),
            "ceiling": _money_text(ceiling),
        },
        code=FinanceErrorCode.OVER_INVOICE,
        extra={"invoiceable": _money_text(max(ceiling - total, ZERO))},
    )


def _invoiced(**source) -> Decimal:
    total = (
        Invoice.objects.filter(**source)
        .exclude(status=Invoice.Status.CANCELLED)
        .aggregate(total=Sum("amount"))["total"]
    )
    return total or ZERO


def invoice_request(
    *,
    actor,
    title,
    tax_number,
    amount,
    invoice_type,
    address,
    note="",
    order: Order | None = None,
    quotation: Quotation | None = None,
    at: datetime | None = None,
) -> Invoice:
    """Ask finance for an invoice on an order (or a quotation not yet ordered).

    The invoices of an order that are not cancelled never exceed its amount + supplemented
    (a quotation's: its amount): 409 ``over_invoice``.
    """
    if (order is None) == (quotation is None):
        raise _invalid("order", _("Name either an order or a quotation."))
    fields = {
        name: _text(value, field=name, max_length=INVOICE_TEXT_LIMITS[name], required=name != "note")
        for name, value in (("title", title), ("tax_number", tax_number), ("address", address), ("note", note))
    }
    amount = parse_amount(amount)
    invoice_type = _choice(invoice_type, field="invoice_type", choices=Invoice.Type)
    at = at or timezone.now()
    with transaction.atomic():
        if order is not None:
            locked = sales_services.order_lock(order_id=order.pk)
            if locked.status == Order.Status.CANCELLED:
                raise Conflict(
                    _("Order %(number)s is cancelled: no invoice can be requested.") % {"number": locked.number},
                    code=FinanceErrorCode.ORDER_CANCELLED,
                )
            total = _invoiced(order_id=locked.pk)
            ceiling = locked.amount + locked.supplemented
            if total + amount > ceiling:
                raise _invoice_ceiling_error(
                    total=total, amount=amount, ceiling=ceiling, source=_("order %(n)s") % {"n": locked.number}
                )
            source = {"order": locked}
        else:
            locked_q = Quotation.objects.select_for_update(of=("self",)).filter(pk=quotation.pk).first()
            if locked_q is None:
                raise NotFound(_("No such quotation."))
            total = _invoiced(quotation_id=locked_q.pk)
            if total + amount > locked_q.amount:
                raise _invoice_ceiling_error(
                    total=total,
                    amount=amount,
                    ceiling=locked_q.amount,
                    source=_("quotation %(n)s") % {"n": locked_q.number},
                )
            source = {"quotation": locked_q}
        invoice = Invoice.objects.create(
            **source,
            **fields,
            amount=amount,
            invoice_type=invoice_type,
            requested_by=actor,
        )
        if order is not None:
            sales_services.order_event_add(
                order=source["order"],
                kind=OrderEvent.Kind.INVOICE,
                actor=actor,
                message=_("Invoice of %(amount)s requested") % {"amount": _money_text(amount)},
                data={"invoice": invoice.pk, "status": invoice.status, "amount": _money_text(amount)},
                at=at,
            )
        recipients = [pk for pk in finance_member_ids() if pk != getattr(actor, "pk", None)]
        if recipients:
            title_text = format_lazy(
                gettext_lazy("Invoice of {amount} requested for {title}"),
                amount=_money_text(amount),
                title=fields["title"],
            )
            notify(
                recipients=recipients,
                kind="finance.invoice_requested",
                title=title_text,
                url=invoice_url(invoice.pk),
                data={"invoice": invoice.pk},
            )
    return invoice


def _invoice_ref(invoice_id) -> dict:
    try:
        pk = int(invoice_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such invoice.")) from None
    ref = Invoice.objects.filter(pk=pk).values("pk", "order_id").first()
    if ref is None:
        raise NotFound(_("No such invoice."))
    return ref


def _lock_invoice(invoice_id) -> tuple[Order | None, Invoice]:
    ref = _invoice_ref(invoice_id)
    order = sales_services.order_lock(order_id=ref["order_id"]) if ref["order_id"] else None
    return order, Invoice.objects.select_for_update().get(pk=ref["pk"])


def _invoice_wrong_status(invoice: Invoice, expected: str) -> InvalidTransition:
    return InvalidTransition(
        _("This invoice is %(status)s; only a %(expected)s invoice can do that.")
        % {"status": Invoice.Status(invoice.status).label, "expected": Invoice.Status(expected).label},
        extra={"invoice_status": invoice.status},
    )


def _invoice_event(order: Order | None, *, invoice: Invoice, actor, message: str, at: datetime) -> None:
    if order is None:
        return
    sales_services.order_event_add(
        order=order,
        kind=OrderEvent.Kind.INVOICE,
        actor=actor,
        message=message,
        data={"invoice": invoice.pk, "status": invoice.status, "number": invoice.number},
        at=at,
    )


def invoice_issue(*, invoice_id, number, file, actor, at: datetime | None = None) -> Invoice:
    """Finance issues a requested invoice: its number (unique in the store) and its file."""
    number = _text(number, field="number", max_length=NUMBER_MAX, required=True)
    if file is None:
        raise _invalid("file", _("The invoice file is required."))
    checked = files.check_file(file, field="file")
    at = at or timezone.now()
    with transaction.atomic():
        order, invoice = _lock_invoice(invoice_id)
        if invoice.status != Invoice.Status.REQUESTED:
            raise _invoice_wrong_status(invoice, Invoice.Status.REQUESTED)
        duplicate = Conflict(
            _("Invoice number %(number)s is already used.") % {"number": number},
            code=FinanceErrorCode.DUPLICATE_INVOICE_NUMBER,
            errors={"number": [_("This invoice number is already used.")]},
        )
        if Invoice.objects.filter(number=number).exclude(pk=invoice.pk).exists():
            raise duplicate
        invoice.number = number
        invoice.status = Invoice.Status.ISSUED
        invoice.issued_by = actor
        invoice.issued_at = at
        try:
            with transaction.atomic():
                invoice.save(update_fields=["number", "status", "issued_by", "issued_at"])
        except IntegrityError:
            raise duplicate from None
        _save_file(invoice, checked)
        invoice.save(update_fields=["file"])
        _invoice_event(order, invoice=invoice, actor=actor, message=_("Invoice %(n)s issued") % {"n": number}, at=at)
        title = format_lazy(gettext_lazy("Invoice {number} was issued"), number=number)
        body = format_lazy(gettext_lazy("{title}, {amount}"), title=invoice.title, amount=_money_text(invoice.amount))
        requester = invoice.requested_by_id
        if requester != getattr(actor, "pk", None):
            notify(
                recipients=[requester],
                kind="finance.invoice_issued",
                title=title,
                body=body,
                url=invoice_url(invoice.pk),
                data={"invoice": invoice.pk},
            )
    return invoice


def invoice_mail(*, invoice_id, courier, tracking_number, actor, at: datetime | None = None) -> Invoice:
    """Finance records the mailing of an issued invoice (courier and tracking number)."""
    courier = _text(courier, field="courier", max_length=COURIER_MAX, required=True)
    tracking_number = _text(tracking_number, field="tracking_number", max_length=TRACKING_MAX, required=True)
    at = at or timezone.now()
    with transaction.atomic():
        order, invoice = _lock_invoice(invoice_id)
        if invoice.status != Invoice.Status.ISSUED:
            raise _invoice_wrong_status(invoice, Invoice.Status.ISSUED)
        invoice.status = Invoice.Status.MAILED
        invoice.courier = courier
        invoice.tracking_number = tracking_number
        invoice.mailed_at = at
        invoice.save(update_fields=["status", "courier", "tracking_number", "mailed_at"])
        _invoice_event(
            order,
            invoice=invoice,
            actor=actor,
            message=_("Invoice %(n)s mailed by %(courier)s, %(tracking)s")
            % {"n": invoice.number, "courier": courier, "tracking": tracking_number},
            at=at,
        )
        title = format_lazy(gettext_lazy("Invoice {number} was mailed"), number=invoice.number)
        body = format_lazy(
            gettext_lazy("{courier}, tracking number {tracking}"), courier=courier, tracking=tracking_number
        )
        requester = invoice.requested_by_id
        if requester != getattr(actor, "pk", None):
            notify(
                recipients=[requester],
                kind="finance.invoice_mailed",
                title=title,
                body=body,
                url=invoice_url(invoice.pk),
                data={"invoice": invoice.pk},
            )
    return invoice


def invoice_cancel(*, invoice_id, actor, as_finance: bool = False, at: datetime | None = None) -> Invoice:
    """Withdraw a requested invoice: its requester, or finance (``as_finance``)."""
    at = at or timezone.now()
    with transaction.atomic():
        order, invoice = _lock_invoice(invoice_id)
        if not as_finance and invoice.requested_by_id != getattr(actor, "pk", None):
            raise InvalidTransition(_("Only the requester or finance can cancel this invoice request."))
        if invoice.status != Invoice.Status.REQUESTED:
            raise _invoice_wrong_status(invoice, Invoice.Status.REQUESTED)
        invoice.status = Invoice.Status.CANCELLED
        invoice.save(update_fields=["status"])
        _invoice_event(order, invoice=invoice, actor=actor, message=_("Invoice request cancelled"), at=at)
    return invoice


# --- receivable reminders -------------------------------------------------------------------------


def send_receivable_reminders(*, at: datetime) -> dict:
    """Remind owners and finance of credit orders past their due date with money outstanding.

    Once per order and local day: a second run on the same day (or two at once) sends nothing more.
    """
    from tenant_apps.finance.selectors import overdue_orders, store_today

    today = store_today(at=at)
    finance_ids = finance_member_ids()
    reminded = skipped = 0
    for order in overdue_orders(today=today).iterator(chunk_size=500):
        with transaction.atomic():
            _reminder, created = ReceivableReminder.objects.get_or_create(
                order_id=order.pk, day=today, defaults={"outstanding": order.outstanding, "sent_at": at}
            )
            if not created:
                skipped += 1
                continue
            days = (today - order.due_date).days
            notify(
                recipients=[order.owner_id, *finance_ids],
                kind="finance.receivable_overdue",
                title=format_lazy(
                    gettext_lazy("Order {number} is overdue: {outstanding} outstanding"),
                    number=order.number,
                    outstanding=_money_text(order.outstanding),
                ),
                body=format_lazy(
                    gettext_lazy("{customer}: due on {due} ({days} days ago)."),
                    customer=order.customer.name,
                    due=order.due_date.isoformat(),
                    days=days,
                ),
                url=order_url(order.pk),
                data={"order": order.pk, "day": today.isoformat()},
            )
            reminded += 1
    return {"reminded": reminded, "already_reminded": skipped}
