"""Reads of finance, always through the caller's visibility.

Payment records and invoices follow their order (an invoice of a quotation, its quotation): a
salesperson sees those of their own orders, a supervisor their team's, finance, warehouse, admins
and HQ the whole store. "Not found" and "not yours" are the same 404.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db.models import DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess, visible_owner_ids
from shared_apps.platform.dates import parse_day_or_moment
from shared_apps.platform.errors import NotFound, ValidationFailed
from tenant_apps.finance.models import Invoice, Payment, PaymentVoucher
from tenant_apps.sales.models import Order, Quotation
from tenants.storetime import store_zone

ZERO = Decimal("0.00")
PAYMENT_ORDERINGS = {
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "-id"),
    "confirmed_at": (F("confirmed_at").asc(nulls_last=True), "id"),
    "-confirmed_at": (F("confirmed_at").desc(nulls_last=True), "-id"),
    "amount": ("amount", "id"),
    "-amount": ("-amount", "-id"),
}
INVOICE_ORDERINGS = {
    "requested_at": ("requested_at", "id"),
    "-requested_at": ("-requested_at", "-id"),
    "amount": ("amount", "id"),
    "-amount": ("-amount", "-id"),
    "issued_at": (F("issued_at").asc(nulls_last=True), "id"),
    "-issued_at": (F("issued_at").desc(nulls_last=True), "-id"),
}
PAYMENT_FILTERS = (
    "kind",
    "status",
    "method",
    "order",
    "customer",
    "created_from",
    "created_to",
    "confirmed_from",
    "confirmed_to",
    "q",
    "ordering",
)
INVOICE_FILTERS = ("status", "invoice_type", "order", "quotation", "requested_by", "q", "ordering")


def _pk(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def store_today(*, at: datetime | None = None) -> date:
    """The store's local date at ``at`` (now when None)."""
    return (at or timezone.now()).astimezone(store_zone()).date()


def _visible_orders_filter(access: StoreAccess, prefix: str = "order__") -> Q | None:
    owners = visible_owner_ids(access)
    if owners is None:
        return None
    return Q(**{f"{prefix}owner_id__in": owners})


def _choice_filter(qs, filters, key, choices, errors, field=None):
    value = str(filters.get(key) or "").strip()
    if not value:
        return qs
    if value not in choices.values:
        errors[key] = [_("Choose one of: %(allowed)s.") % {"allowed": ", ".join(choices.values)}]
        return qs
    return qs.filter(**{field or key: value})


def _id_filter(qs, filters, key, field, errors):
    value = filters.get(key)
    if value in (None, ""):
        return qs
    pk = _pk(value)
    if pk is None:
        errors[key] = [_("An id.")]
        return qs
    return qs.filter(**{field: pk})


def _range_filter(qs, filters, key, field, errors, *, end: bool):
    value = filters.get(key)
    if value in (None, ""):
        return qs
    try:
        moment, _whole_day = parse_day_or_moment(value, key, tz=store_zone(), end=end)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        return qs
    return qs.filter(**{f"{field}__lt" if end else f"{field}__gte": moment})


def _ordering(qs, filters, key, orderings, errors):
    value = str(filters.get("ordering") or "").strip()
    if not value:
        return qs
    if value not in orderings:
        errors["ordering"] = [_("Choose one of: %(allowed)s.") % {"allowed": ", ".join(orderings)}]
        return qs
    return qs.order_by(*orderings[value])


# --- payment records ------------------------------------------------------------------------------


def payment_list(*, access: StoreAccess, filters: dict | None = None) -> QuerySet[Payment]:
    """Payment records ``access`` may see, newest first.

    Filters: ``kind``, ``status``, ``method``, ``order`` (id), ``customer`` (id), ``created_from`` /
    ``created_to`` and ``confirmed_from`` / ``confirmed_to`` (local dates, inclusive, or ISO times),
    ``q`` (order number, customer name, note), ``ordering`` (``created_at``, ``confirmed_at``,
    ``amount``, each also descending with ``-``). A bad filter is a 400 naming it.
    """
    filters = filters or {}
    errors: dict[str, list[str]] = {}
    qs = Payment.objects.select_related("order", "order__customer", "created_by", "decided_by").prefetch_related(
        "vouchers"
    )
    scope = _visible_orders_filter(access)
    if scope is not None:
        qs = qs.filter(scope)
    qs = _choice_filter(qs, filters, "kind", Payment.Kind, errors)
    qs = _choice_filter(qs, filters, "status", Payment.Status, errors)
    qs = _choice_filter(qs, filters, "method", Payment.Method, errors)
    qs = _id_filter(qs, filters, "order", "order_id", errors)
    qs = _id_filter(qs, filters, "customer", "order__customer_id", errors)
    qs = _range_filter(qs, filters, "created_from", "created_at", errors, end=False)
    qs = _range_filter(qs, filters, "created_to", "created_at", errors, end=True)
    qs = _range_filter(qs, filters, "confirmed_from", "confirmed_at", errors, end=False)
    qs = _range_filter(qs, filters, "confirmed_to", "confirmed_at", errors, end=True)
    q = str(filters.get("q") or "").strip()[:100]
    if q:
        qs = qs.filter(
            Q(order__number__icontains=q)
            | Q(order__customer__name__icontains=q)
            | Q(order__customer__company__icontains=q)
            | Q(note__icontains=q)
        )
    qs = _ordering(qs, filters, "ordering", PAYMENT_ORDERINGS, errors)
    if errors:
        raise ValidationFailed(_("Invalid filter."), errors=errors)
    return qs


def payment_totals(qs: QuerySet[Payment]) -> dict:
    """Sums of ``qs`` by status and kind, and ``net`` = confirmed collections + supplements - refunds."""
    money = DecimalField(max_digits=16, decimal_places=2)
    aggregates = {}
    for status in (Payment.Status.CONFIRMED, Payment.Status.PENDING):
        for kind in Payment.Kind.values:
            aggregates[f"{status}_{kind}"] = Coalesce(
                Sum("amount", filter=Q(status=status, kind=kind)), Value(ZERO), output_field=money
            )
    sums = qs.order_by().aggregate(**aggregates)
    totals: dict = {}
    for status in (Payment.Status.CONFIRMED, Payment.Status.PENDING):
        totals[str(status)] = {kind: f"{sums[f'{status}_{kind}']:.2f}" for kind in Payment.Kind.values}
    confirmed = {kind: sums[f"confirmed_{kind}"] for kind in Payment.Kind.values}
    net = confirmed["collection"] + confirmed["supplement"] - confirmed["refund"]
    totals["net"] = f"{net:.2f}"
    return totals


def payment_get_for_user(*, payment_id, access: StoreAccess) -> Payment:
    pk = _pk(payment_id)
    qs = payment_list(access=access)
    payment = qs.filter(pk=pk).first() if pk is not None else None
    if payment is None:
        raise NotFound(_("No such payment record."))
    return payment


def voucher_get_for_user(*, payment_id, voucher_id, access: StoreAccess) -> PaymentVoucher:
    """A voucher of a payment record the caller may see (404 otherwise)."""
    payment = payment_get_for_user(payment_id=payment_id, access=access)
    pk = _pk(voucher_id)
    voucher = payment.vouchers.filter(pk=pk).first() if pk is not None else None
    if voucher is None:
        raise NotFound(_("No such voucher."))
    return voucher


def order_payments(*, order: Order) -> QuerySet[Payment]:
    """The payment records of one order (the caller already may see the order), oldest first."""
    return (
        Payment.objects.filter(order_id=order.pk)
        .select_related("created_by", "decided_by")
        .prefetch_related("vouchers")
        .order_by("created_at", "id")
    )


def _pending_sums(order_id: int) -> dict[str, Decimal]:
    rows = (
        Payment.objects.filter(order_id=order_id, status=Payment.Status.PENDING)
        .order_by()
        .values("kind")
        .annotate(total=Sum("amount"))
    )
    sums = {kind: ZERO for kind in Payment.Kind.values}
    for row in rows:
        sums[row["kind"]] = row["total"] or ZERO
    return sums


def refundable_amount(*, order: Order) -> Decimal:
    """What may still be refunded on ``order``: collected + supplemented - pending and confirmed refunds."""
    fresh = Order.objects.filter(pk=order.pk).values("collected", "supplemented", "refunded").first()
    if fresh is None:
        return ZERO
    pending = _pending_sums(order.pk)[Payment.Kind.REFUND]
    return max(fresh["collected"] + fresh["supplemented"] - fresh["refunded"] - pending, ZERO)


def collectable_amount(*, order: Order) -> Decimal:
    """What may still be recorded as collections: amount - pending and confirmed collections
    (nothing on a cancelled order, which takes no collection)."""
    if order.status == Order.Status.CANCELLED:
        return ZERO
    pending = _pending_sums(order.pk)[Payment.Kind.COLLECTION]
    return max(order.amount - order.collected - pending, ZERO)


def order_money(*, order: Order) -> dict:
    """The money summary of one order (metrics.md "Money on an order"), as decimal strings. A
    cancelled order owes nothing and takes no collection: ``outstanding`` and ``collectable`` are 0."""
    pending = _pending_sums(order.pk)
    cancelled = order.status == Order.Status.CANCELLED
    collectable = ZERO if cancelled else max(order.amount - order.collected - pending["collection"], ZERO)
    return {
        "amount": f"{order.amount:.2f}",
        "collected": f"{order.collected:.2f}",
        "supplemented": f"{order.supplemented:.2f}",
        "refunded": f"{order.refunded:.2f}",
        "outstanding": f"{order.outstanding:.2f}",
        "net_received": f"{order.net_received:.2f}",
        "fully_collected": order.fully_collected,
        "pending": {kind: f"{value:.2f}" for kind, value in pending.items()},
        "collectable": f"{collectable:.2f}",
        "refundable": f"{max(order.collected + order.supplemented - order.refunded - pending['refund'], ZERO):.2f}",
    }


# --- receivables ----------------------------------------------------------------------------------


def overdue_orders(*, today: date) -> QuerySet[Order]:
    """Credit orders not cancelled, with money outstanding, due before ``today`` (store-wide)."""
    return (
        Order.objects.filter(
            payment_mode=Order.PaymentMode.CREDIT,
            due_date__lt=today,
            collected__lt=F("amount"),
        )
        .exclude(status=Order.Status.CANCELLED)
        .select_related("customer")
        .order_by("due_date", "id")
    )


def overdue_receivables(*, access: StoreAccess, at: datetime | None = None) -> QuerySet[Order]:
    """The overdue credit orders the caller may see, oldest due date first."""
    qs = overdue_orders(today=store_today(at=at))
    owners = visible_owner_ids(access)
    if owners is not None:
        qs = qs.filter(owner_id__in=owners)
    return qs


def overdue_total(qs: QuerySet[Order]) -> Decimal:
    money = DecimalField(max_digits=16, decimal_places=2)
    total = qs.order_by().aggregate(
        total=Coalesce(Sum(F("amount") - F("collected"), output_field=money), Value(ZERO), output_field=money)
    )["total"]
    return total or ZERO


# --- invoices -------------------------------------------------------------------------------------


def invoice_list(*, access: StoreAccess, filters: dict | None = None) -> QuerySet[Invoice]:
    """Invoices ``access`` may see (those of visible orders or quotations, and their own requests).

    Filters: ``status``, ``invoice_type``, ``order``, ``quotation`` (ids), ``requested_by`` (user id
    or ``me``), ``q`` (title, tax number, number, order number), ``ordering``.
    """
    filters = filters or {}
    errors: dict[str, list[str]] = {}
    qs = Invoice.objects.select_related("order", "quotation", "requested_by", "issued_by")
    owners = visible_owner_ids(access)
    if owners is not None:
        qs = qs.filter(
            Q(order__owner_id__in=owners)
            | Q(order__isnull=True, quotation__owner_id__in=owners)
            | Q(requested_by_id=access.user.pk)
        )
    qs = _choice_filter(qs, filters, "status", Invoice.Status, errors)
    qs = _choice_filter(qs, filters, "invoice_type", Invoice.Type, errors)
    qs = _id_filter(qs, filters, "order", "order_id", errors)
    qs = _id_filter(qs, filters, "quotation", "quotation_id", errors)
    requested_by = str(filters.get("requested_by") or "").strip()
    if requested_by == "me":
        qs = qs.filter(requested_by_id=access.user.pk)
    elif requested_by:
        qs = _id_filter(qs, filters, "requested_by", "requested_by_id", errors)
    q = str(filters.get("q") or "").strip()[:100]
    if q:
        qs = qs.filter(
            Q(title__icontains=q)
            | Q(tax_number__icontains=q)
            | Q(number__icontains=q)
            | Q(order__number__icontains=q)
            | Q(quotation__number__icontains=q)
        )
    qs = _ordering(qs, filters, "ordering", INVOICE_ORDERINGS, errors)
    if errors:
        raise ValidationFailed(_("Invalid filter."), errors=errors)
    return qs


def invoice_get_for_user(*, invoice_id, access: StoreAccess) -> Invoice:
    pk = _pk(invoice_id)
    invoice = invoice_list(access=access).filter(pk=pk).first() if pk is not None else None
    if invoice is None:
        raise NotFound(_("No such invoice."))
    return invoice


def order_invoices(*, order: Order) -> QuerySet[Invoice]:
    return Invoice.objects.filter(order_id=order.pk).select_related("requested_by").order_by("requested_at", "id")


def quotation_get_for_user(*, quotation_id, access: StoreAccess) -> Quotation:
    """A quotation the caller may see, to request an invoice on it (404 otherwise)."""
    pk = _pk(quotation_id)
    qs = Quotation.objects.all()
    owners = visible_owner_ids(access)
    if owners is not None:
        qs = qs.filter(owner_id__in=owners)
    quotation = qs.filter(pk=pk).first() if pk is not None else None
    if quotation is None:
        raise NotFound(_("No such quotation."))
    return quotation


def pending_payment_count(*, access: StoreAccess) -> int:
    """Payment records waiting for a decision (the finance navigation badge)."""
    return Payment.objects.filter(status=Payment.Status.PENDING).count()


def customer_finance_summary(*, customer_id: int) -> dict:
    """The 360° section of a customer: money received over all orders, overdue receivables, and
    what waits for finance (JSON-ready)."""
    money = DecimalField(max_digits=16, decimal_places=2)
    orders = Order.objects.filter(customer_id=customer_id).exclude(status=Order.Status.CANCELLED)
    sums = orders.order_by().aggregate(
        net=Coalesce(Sum(F("collected") + F("supplemented") - F("refunded"), output_field=money), Value(ZERO)),
    )
    overdue = overdue_total(overdue_orders(today=store_today()).filter(customer_id=customer_id))
    return {
        "title": _("Finance"),
        "net_received": f"{sums['net']:.2f}",
        "overdue_receivable": f"{overdue:.2f}",
        "pending_payment_records": Payment.objects.filter(
            order__customer_id=customer_id, status=Payment.Status.PENDING
        ).count(),
        "open_invoice_requests": Invoice.objects.filter(
            order__customer_id=customer_id, status=Invoice.Status.REQUESTED
        ).count(),
    }
