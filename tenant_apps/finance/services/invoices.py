"""Invoices: the request, issuing, mailing and cancelling."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import Conflict, InvalidTransition, NotFound
from tenant_apps.finance import files
from tenant_apps.finance.error_codes import FinanceErrorCode
from tenant_apps.finance.models import Invoice
from tenant_apps.finance.services.common import (
    ZERO,
    _money_shown,
    _money_text,
    _save_file,
    finance_member_ids,
    invoice_url,
)
from tenant_apps.notifications.services import notify
from tenant_apps.sales import services as sales_services
from tenant_apps.sales.models import Order, OrderEvent, Quotation

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


def _invoice_source_of_order(order: Order, amount: Decimal) -> dict:
    """The order, locked, when it may carry ``amount`` more of invoices (409 otherwise)."""
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
    return {"order": locked}


def _invoice_source_of_quotation(quotation: Quotation, amount: Decimal) -> dict:
    """The quotation, locked, when it may carry ``amount`` more of invoices (409 otherwise)."""
    locked = Quotation.objects.select_for_update(of=("self",)).filter(pk=quotation.pk).first()
    if locked is None:
        raise NotFound(_("No such quotation."))
    total = _invoiced(quotation_id=locked.pk)
    if total + amount > locked.amount:
        raise _invoice_ceiling_error(
            total=total,
            amount=amount,
            ceiling=locked.amount,
            source=_("quotation %(n)s") % {"n": locked.number},
        )
    return {"quotation": locked}


def _announce_invoice_request(invoice: Invoice, *, order: Order | None, access: StoreAccess, at: datetime) -> None:
    """The order's timeline, and finance told (but the one who asked)."""
    amount, shown = _money_text(invoice.amount), _money_shown(invoice.amount)
    if order is not None:
        sales_services.order_event_add(
            order=order,
            kind=OrderEvent.Kind.INVOICE,
            actor=access.user,
            message=_("Invoice of %(amount)s requested") % {"amount": shown},
            data={"invoice": invoice.pk, "status": invoice.status, "amount": amount},
            at=at,
        )
    recipients = [pk for pk in finance_member_ids() if pk != access.user.pk]
    if recipients:
        notify(
            recipients=recipients,
            kind="finance.invoice_requested",
            title=format_lazy(
                gettext_lazy("Invoice of {amount} requested for {title}"), amount=shown, title=invoice.title
            ),
            url=invoice_url(invoice.pk),
            data={"invoice": invoice.pk},
        )


def invoice_request(
    *,
    access: StoreAccess,
    title: str,
    tax_number: str,
    amount: Decimal,
    invoice_type: str,
    address: str,
    note: str = "",
    order: Order | None = None,
    quotation: Quotation | None = None,
    at: datetime | None = None,
) -> Invoice:
    """Ask finance for an invoice on an order (or a quotation not yet ordered): exactly one of them.

    The invoices of an order that are not cancelled never exceed its amount + supplemented
    (a quotation's: its amount): 409 ``over_invoice``.
    """
    if (order is None) == (quotation is None):
        raise ValueError("an invoice is requested on an order or on a quotation")
    fields = {"title": title, "tax_number": tax_number, "address": address, "note": note}
    at = at or timezone.now()
    with transaction.atomic():
        if order is not None:
            source = _invoice_source_of_order(order, amount)
        else:
            source = _invoice_source_of_quotation(quotation, amount)
        invoice = Invoice.objects.create(
            **source,
            **fields,
            amount=amount,
            invoice_type=invoice_type,
            requested_by=access.user,
        )
        _announce_invoice_request(invoice, order=source.get("order"), access=access, at=at)
    return invoice


def _lock_invoice(invoice_id: int) -> tuple[Order | None, Invoice]:
    """The invoice's order (when it has one), then the invoice, both locked (404 when missing)."""
    ref = Invoice.objects.filter(pk=invoice_id).values("pk", "order_id").first()
    if ref is None:
        raise NotFound(_("No such invoice."))
    order = sales_services.order_lock(order_id=ref["order_id"]) if ref["order_id"] else None
    return order, Invoice.objects.select_for_update().get(pk=ref["pk"])


def _invoice_wrong_status(invoice: Invoice, expected: str) -> InvalidTransition:
    return InvalidTransition(
        _("This invoice is %(status)s; only a %(expected)s invoice can do that.")
        % {"status": Invoice.Status(invoice.status).label, "expected": Invoice.Status(expected).label},
        extra={"invoice_status": invoice.status},
    )


def _invoice_event(order: Order | None, *, invoice: Invoice, access: StoreAccess, message: str, at: datetime) -> None:
    if order is None:
        return
    sales_services.order_event_add(
        order=order,
        kind=OrderEvent.Kind.INVOICE,
        actor=access.user,
        message=message,
        data={"invoice": invoice.pk, "status": invoice.status, "number": invoice.number},
        at=at,
    )


def invoice_issue(
    *, access: StoreAccess, invoice_id: int, number: str, file: files.CheckedFile, at: datetime | None = None
) -> Invoice:
    """Finance issues a requested invoice: its number (unique in the store) and its (checked) file."""
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
        invoice.issued_by = access.user
        invoice.issued_at = at
        try:
            with transaction.atomic():
                invoice.save(update_fields=["number", "status", "issued_by", "issued_at"])
        except IntegrityError:
            raise duplicate from None
        _save_file(invoice, file)
        invoice.save(update_fields=["file"])
        _invoice_event(order, invoice=invoice, access=access, message=_("Invoice %(n)s issued") % {"n": number}, at=at)
        title = format_lazy(gettext_lazy("Invoice {number} was issued"), number=number)
        body = format_lazy(gettext_lazy("{title}, {amount}"), title=invoice.title, amount=_money_shown(invoice.amount))
        requester = invoice.requested_by_id
        if requester != access.user.pk:
            notify(
                recipients=[requester],
                kind="finance.invoice_issued",
                title=title,
                body=body,
                url=invoice_url(invoice.pk),
                data={"invoice": invoice.pk},
            )
    return invoice


def invoice_mail(
    *, access: StoreAccess, invoice_id: int, courier: str, tracking_number: str, at: datetime | None = None
) -> Invoice:
    """Finance records the mailing of an issued invoice (courier and tracking number)."""
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
            access=access,
            message=_("Invoice %(n)s mailed by %(courier)s, %(tracking)s")
            % {"n": invoice.number, "courier": courier, "tracking": tracking_number},
            at=at,
        )
        title = format_lazy(gettext_lazy("Invoice {number} was mailed"), number=invoice.number)
        body = format_lazy(
            gettext_lazy("{courier}, tracking number {tracking}"), courier=courier, tracking=tracking_number
        )
        requester = invoice.requested_by_id
        if requester != access.user.pk:
            notify(
                recipients=[requester],
                kind="finance.invoice_mailed",
                title=title,
                body=body,
                url=invoice_url(invoice.pk),
                data={"invoice": invoice.pk},
            )
    return invoice


def invoice_cancel(*, access: StoreAccess, invoice_id: int, at: datetime | None = None) -> Invoice:
    """Withdraw a requested invoice: its requester, or finance (who may issue invoices)."""
    at = at or timezone.now()
    with transaction.atomic():
        order, invoice = _lock_invoice(invoice_id)
        if not access.can("invoices.issue") and invoice.requested_by_id != access.user.pk:
            raise InvalidTransition(_("Only the requester or finance can cancel this invoice request."))
        if invoice.status != Invoice.Status.REQUESTED:
            raise _invoice_wrong_status(invoice, Invoice.Status.REQUESTED)
        invoice.status = Invoice.Status.CANCELLED
        invoice.save(update_fields=["status"])
        _invoice_event(order, invoice=invoice, access=access, message=_("Invoice request cancelled"), at=at)
    return invoice
