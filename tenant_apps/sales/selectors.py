"""Reads of sales, always through the caller's visibility.

Quotations and orders are scoped like customers, by their owner (``visible_owner_ids``): a
salesperson sees their own, a supervisor their team's, finance, warehouse, admins and HQ the
whole store. "Not found" and "not yours" are the same 404.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess, visible_owner_ids
from shared_apps.platform.dates import parse_day
from shared_apps.platform.errors import NotFound, ValidationFailed
from tenant_apps.sales.models import Category, Delivery, Order, OrderEvent, OrderLine, Product, ProductCost, Quotation
from tenants.storetime import store_zone

PRICE_HISTORY_LIMIT = 10
NAME_MATCH_LIMIT = 1000
ORDER_ORDERING_FIELDS = ("signed_at", "amount", "number", "due_date", "completed_at", "status")
QUOTATION_ORDERING_FIELDS = ("created_at", "amount", "valid_until", "number")
IDS_MAX = 1000
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _int_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _text(filters: dict, key: str) -> str:
    value = filters.get(key)
    return "" if value is None else str(value).strip()


def _bool(value: Any) -> bool | None:
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _scoped(qs: QuerySet, access: StoreAccess) -> QuerySet:
    owners = visible_owner_ids(access)
    return qs if owners is None else qs.filter(owner_id__in=owners)


def _local_date(value: str, key: str, errors: dict) -> date | None:
    try:
        date.fromisoformat(value)
    except ValueError:
        errors[key] = [_("A date such as 2026-12-31.")]
        return None
    try:
        return parse_day(value, key)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        return None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=store_zone())


def _ordering(value: str, allowed: tuple[str, ...], errors: dict) -> list | None:
    field = value.lstrip("-")
    if field not in allowed:
        errors["ordering"] = [_("Order by one of: %(fields)s.") % {"fields": ", ".join(allowed)}]
        return None
    if value.startswith("-"):
        return [F(field).desc(nulls_last=True), "-id"]
    return [F(field).asc(nulls_last=True), "id"]


def _owner_filter(qs: QuerySet, value: str, access: StoreAccess, errors: dict) -> QuerySet:
    if value == "me":
        return qs.filter(owner_id=access.user.pk)
    owner = _int_id(value)
    if owner is None:
        errors["owner"] = [_("A user id or “me”.")]
        return qs
    return qs.filter(owner_id=owner)


# --- catalogue ------------------------------------------------------------------------------------


def category_list() -> QuerySet[Category]:
    return Category.objects.annotate(product_count=Count("products")).order_by("position", "name")


def category_get(*, category_id) -> Category:
    category = category_list().filter(pk=_int_id(category_id) or 0).first()
    if category is None:
        raise NotFound(_("No such category."))
    return category


def product_list(*, filters: dict | None = None) -> QuerySet[Product]:
    """Products filtered by ``q`` (SKU or name contains), ``category`` (id) and ``active`` (bool)."""
    filters = filters or {}
    errors: dict[str, list[str]] = {}
    qs = with_cost_price(Product.objects.select_related("category"))
    q = _text(filters, "q")[:100]
    if q:
        qs = qs.filter(Q(sku__icontains=q) | Q(name__icontains=q) | Q(spec__icontains=q))
    category = _text(filters, "category")
    if category:
        pk = _int_id(category)
        if pk is None:
            errors["category"] = [_("A category id.")]
        else:
            qs = qs.filter(category_id=pk)
    active = _text(filters, "active")
    if active:
        parsed = _bool(active)
        if parsed is None:
            errors["active"] = [_("true or false.")]
        else:
            qs = qs.filter(active=parsed)
    if errors:
        raise ValidationFailed(_("Invalid filter."), errors=errors)
    return qs.order_by("sku")


def product_get(*, product_id) -> Product:
    product = with_cost_price(Product.objects.select_related("category")).filter(pk=_int_id(product_id) or 0).first()
    if product is None:
        raise NotFound(_("No such product."))
    return product


def with_cost_price(qs: QuerySet[Product]) -> QuerySet[Product]:
    """Products with ``cost_price``: the cost price in effect now (None without one)."""
    in_effect = ProductCost.objects.filter(product=OuterRef("pk"), effective_from__lte=timezone.now()).order_by(
        "-effective_from", "-id"
    )
    return qs.annotate(cost_price=Subquery(in_effect.values("unit_cost")[:1]))


def product_costs(*, product_id) -> QuerySet[ProductCost]:
    """A product's cost prices, the latest to take effect first (404 for an unknown product)."""
    product = product_get(product_id=product_id)
    return ProductCost.objects.filter(product=product).select_related("set_by").order_by("-effective_from", "-id")


def product_price_history(
    *, product_id, customer_id=None, access: StoreAccess, limit: int = PRICE_HISTORY_LIMIT
) -> dict[str, list[dict]]:
    """Recent past transaction prices of a product (non-cancelled orders, newest first): the
    customer's (when given) and the store's. Each row: order number, signed_at, quantity,
    unit_price (and the customer's name in the store list).

    Visibility as everywhere: the customer must be one the caller may see (else 404), and a store
    row of an order the caller may not see keeps its date, quantity and price but not the order,
    its number or the customer's name."""
    from tenant_apps.customers.selectors import customer_get_for_user

    product = product_get(product_id=product_id)
    owners = visible_owner_ids(access)
    # Orders first, newest first, with a semi-join on the line index (product, order): the
    # ``order_signed`` / ``order_customer_signed`` indexes give the order, so only about
    # ``limit`` orders are visited even with a million orders in the store.
    has_line = Exists(OrderLine.objects.filter(order_id=OuterRef("pk"), product_id=product.pk))
    orders = Order.objects.filter(has_line).exclude(status=Order.Status.CANCELLED)

    def rows(qs) -> list[dict]:
        picked = list(
            qs.order_by("-signed_at", "-id").values("id", "number", "signed_at", "customer__name", "owner_id")[:limit]
        )
        if not picked:
            return []
        by_order: dict[int, list[tuple[int, Any]]] = {}
        for order_id, quantity, unit_price in (
            OrderLine.objects.filter(order_id__in=[o["id"] for o in picked], product_id=product.pk)
            .order_by("order_id", "position", "id")
            .values_list("order_id", "quantity", "unit_price")
        ):
            by_order.setdefault(order_id, []).append((quantity, unit_price))
        out = []
        for o in picked:
            visible = owners is None or o["owner_id"] in owners
            for quantity, unit_price in by_order.get(o["id"], []):
                out.append(
                    {
                        "order": o["id"] if visible else None,
                        "order_number": o["number"] if visible else None,
                        "signed_at": o["signed_at"],
                        "quantity": quantity,
                        "unit_price": unit_price,
                        "customer_name": o["customer__name"] if visible else None,
                    }
                )
        return out[:limit]

    customer_rows: list[dict] = []
    if customer_id not in (None, ""):
        pk = _int_id(customer_id)
        if pk is None:
            raise ValidationFailed(_("Invalid filter."), errors={"customer": [_("A customer id.")]})
        customer = customer_get_for_user(customer_id=pk, access=access)
        customer_rows = rows(orders.filter(customer_id=customer.pk))
    return {"product": product.pk, "customer": customer_rows, "store": rows(orders)}


# --- quotations -----------------------------------------------------------------------------------


def quotation_list(*, access: StoreAccess, filters: dict | None = None) -> QuerySet[Quotation]:
    """Visible quotations; filters ``status``, ``customer``, ``owner``, ``q`` (number or customer
    name), ``ordering``."""
    filters = filters or {}
    errors: dict[str, list[str]] = {}
    qs = _scoped(Quotation.objects.select_related("customer", "channel"), access)
    status = _text(filters, "status")
    if status:
        if status not in Quotation.Status.values:
            errors["status"] = [_("Unknown status.")]
        else:
            qs = qs.filter(status=status)
    customer = _text(filters, "customer")
    if customer:
        qs = qs.filter(customer_id=_int_id(customer) or 0)
    owner = _text(filters, "owner")
    if owner:
        qs = _owner_filter(qs, owner, access, errors)
    q = _text(filters, "q")[:100]
    if q:
        qs = qs.filter(Q(number__istartswith=q) | Q(customer__name__icontains=q))
    ordering = _text(filters, "ordering")
    order_by = _ordering(ordering, QUOTATION_ORDERING_FIELDS, errors) if ordering else None
    if errors:
        raise ValidationFailed(_("Invalid filter."), errors=errors)
    return qs.order_by(*(order_by or ["-created_at", "-id"]))


def quotation_get_for_user(*, quotation_id, access: StoreAccess) -> Quotation:
    pk = _int_id(quotation_id)
    quotation = (
        _scoped(Quotation.objects.select_related("customer", "channel"), access).filter(pk=pk).first()
        if pk is not None
        else None
    )
    if quotation is None:
        raise NotFound(_("No such quotation."))
    return quotation


# --- orders ---------------------------------------------------------------------------------------


def order_list(*, access: StoreAccess, filters: dict | None = None) -> QuerySet[Order]:
    """Visible orders, filtered: ``status`` (comma-separated), ``payment_mode``, ``channel`` (code),
    ``owner`` (id or "me"), ``customer`` (id), ``signed_from`` / ``signed_to`` (store-local dates,
    both inclusive), ``overdue`` (credit orders past their due date, not fully collected, not
    cancelled), ``q`` (number prefix or customer name), ``ids`` (comma-separated ids: a selection,
    as in the list's bulk export), ``ordering`` (``signed_at``, ``amount``, ``number``,
    ``due_date``, ``completed_at``, ``status``; "-" for descending)."""
    filters = filters or {}
    errors: dict[str, list[str]] = {}
    qs = _scoped(Order.objects.all(), access)
    ids = _text(filters, "ids")
    if ids:
        parts = [part.strip() for part in ids.split(",") if part.strip()]
        if not parts or len(parts) > IDS_MAX or not all(part.isdecimal() for part in parts):
            errors["ids"] = [_("Comma-separated order ids (at most %(n)s).") % {"n": IDS_MAX}]
        else:
            qs = qs.filter(pk__in=[int(part) for part in parts])
    status = _text(filters, "status")
    if status:
        statuses = [s for s in (part.strip() for part in status.split(",")) if s]
        if any(s not in Order.Status.values for s in statuses):
            errors["status"] = [_("Unknown status.")]
        else:
            qs = qs.filter(status__in=statuses) if len(statuses) > 1 else qs.filter(status=statuses[0])
    mode = _text(filters, "payment_mode")
    if mode:
        if mode not in Order.PaymentMode.values:
            errors["payment_mode"] = [_("prepaid or credit.")]
        else:
            qs = qs.filter(payment_mode=mode)
    channel = _text(filters, "channel")
    if channel:
        qs = qs.filter(channel__code=channel.lower())
    owner = _text(filters, "owner")
    if owner:
        qs = _owner_filter(qs, owner, access, errors)
    customer = _text(filters, "customer")
    if customer:
        pk = _int_id(customer)
        if pk is None:
            errors["customer"] = [_("A customer id.")]
        else:
            qs = qs.filter(customer_id=pk)
    signed_from = _text(filters, "signed_from")
    if signed_from:
        day = _local_date(signed_from, "signed_from", errors)
        if day:
            qs = qs.filter(signed_at__gte=_day_start(day))
    signed_to = _text(filters, "signed_to")
    if signed_to:
        day = _local_date(signed_to, "signed_to", errors)
        if day:
            qs = qs.filter(signed_at__lt=_day_start(day + timedelta(days=1)))
    overdue = _text(filters, "overdue")
    if overdue:
        parsed = _bool(overdue)
        if parsed is None:
            errors["overdue"] = [_("true or false.")]
        else:
            today = timezone.localtime(timezone.now(), store_zone()).date()
            condition = (
                Q(payment_mode=Order.PaymentMode.CREDIT, due_date__lt=today)
                & ~Q(status=Order.Status.CANCELLED)
                & Q(collected__lt=F("amount"))
            )
            qs = qs.filter(condition) if parsed else qs.exclude(condition)
    q = _text(filters, "q")[:100]
    if q:
        qs = qs.filter(_number_prefix(q.upper()) | Q(customer_id__in=_customer_ids_named(q)))
    ordering = _text(filters, "ordering")
    order_by = _ordering(ordering, ORDER_ORDERING_FIELDS, errors) if ordering else None
    if errors:
        raise ValidationFailed(_("Invalid filter."), errors=errors)
    return qs.select_related("customer", "channel").order_by(*(order_by or ["-signed_at", "-id"]))


def _number_prefix(prefix: str) -> Q:
    """Order numbers starting with ``prefix``. The explicit range beside ``LIKE`` lets the planner
    see how few numbers match (it then reads the number index instead of walking every order newest
    first): 3 s to 6 ms for a day's prefix on a store with 1,000,000 orders."""
    condition = Q(number__startswith=prefix)
    if prefix and prefix[-1].isascii() and prefix[-1].isalnum():
        condition &= Q(number__gte=prefix, number__lt=prefix[:-1] + chr(ord(prefix[-1]) + 1))
    return condition


def _customer_ids_named(q: str) -> list[int]:
    """Ids of the customers whose name contains ``q`` (at most ``NAME_MATCH_LIMIT``), so that the
    order search is two index scans (number prefix, customer) instead of a join over every order."""
    customers = Order._meta.get_field("customer").related_model._default_manager
    return list(customers.filter(name__icontains=q).order_by().values_list("pk", flat=True)[:NAME_MATCH_LIMIT])


def order_get_for_user(*, order_id, access: StoreAccess) -> Order:
    """One order the caller may see (404 when missing or not visible)."""
    pk = _int_id(order_id)
    qs = _scoped(Order.objects.select_related("customer", "channel", "quotation"), access)
    order = qs.filter(pk=pk).first() if pk is not None else None
    if order is None:
        raise NotFound(_("No such order."))
    return order


def order_lines(*, order: Order) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(order_id=order.pk).order_by("position", "id")


def order_timeline(*, order: Order) -> QuerySet[OrderEvent]:
    return OrderEvent.objects.filter(order_id=order.pk).select_related("actor").order_by("at", "id")


def order_deliveries(*, order: Order) -> QuerySet[Delivery]:
    return Delivery.objects.filter(order_id=order.pk).order_by("created_at", "id")


def order_panels_for(*, order: Order, access: StoreAccess) -> dict[str, Any]:
    from tenant_apps.sales.panels import order_panels

    panels: dict[str, Any] = {}
    for key, provider in order_panels():
        panel = provider(order=order, access=access)
        if panel is not None:
            panels[key] = panel
    return panels


# --- deliveries / warehouse -----------------------------------------------------------------------


def delivery_list(*, access: StoreAccess, filters: dict | None = None) -> QuerySet[Delivery]:
    """Deliveries of visible orders, open ones first; filters ``status`` and ``kind``."""
    filters = filters or {}
    errors: dict[str, list[str]] = {}
    qs = Delivery.objects.select_related("order", "order__customer")
    owners = visible_owner_ids(access)
    if owners is not None:
        qs = qs.filter(order__owner_id__in=owners)
    status = _text(filters, "status")
    if status:
        if status not in Delivery.Status.values:
            errors["status"] = [_("Unknown status.")]
        else:
            qs = qs.filter(status=status)
    kind = _text(filters, "kind")
    if kind:
        if kind not in Delivery.Kind.values:
            errors["kind"] = [_("Unknown kind.")]
        else:
            qs = qs.filter(kind=kind)
    if errors:
        raise ValidationFailed(_("Invalid filter."), errors=errors)
    return qs.order_by("created_at", "id")


def delivery_get_for_user(*, delivery_id, access: StoreAccess) -> Delivery:
    pk = _int_id(delivery_id)
    qs = delivery_list(access=access)
    delivery = qs.filter(pk=pk).first() if pk is not None else None
    if delivery is None:
        raise NotFound(_("No such delivery."))
    return delivery


def warehouse_queue(*, access: StoreAccess) -> dict[str, Any]:
    """What the warehouse has to do: orders pending outbound / delivery and open after-sales
    deliveries, oldest first."""
    orders = _scoped(Order.objects.select_related("customer"), access)
    return {
        "pending_outbound": orders.filter(status=Order.Status.PENDING_OUTBOUND).order_by("signed_at", "id")[:200],
        "pending_delivery": orders.filter(status=Order.Status.PENDING_DELIVERY).order_by("signed_at", "id")[:200],
        "deliveries": delivery_list(access=access)
        .exclude(kind=Delivery.Kind.ORIGINAL)
        .exclude(status=Delivery.Status.RECEIVED)[:200],
    }


# --- customer 360 ---------------------------------------------------------------------------------


def customer_sales_summary(*, customer_id) -> dict[str, Any]:
    """Lifetime value (non-cancelled orders' amounts), order count, last order, outstanding."""
    live = Order.objects.filter(customer_id=customer_id).exclude(status=Order.Status.CANCELLED)
    totals = live.aggregate(
        lifetime=Sum("amount"), count=Count("id"), last=Max("signed_at"), collected=Sum("collected")
    )
    lifetime = totals["lifetime"] or Decimal("0.00")
    return {
        "lifetime_value": lifetime,
        "order_count": totals["count"] or 0,
        "last_order_at": totals["last"],
        "outstanding": lifetime - (totals["collected"] or Decimal("0.00")),
        "quotation_count": Quotation.objects.filter(customer_id=customer_id).count(),
    }


def customer_sales_panel(*, customer_id) -> dict[str, Any]:
    """The 360° section: the summary and the latest orders and quotations, JSON-ready."""
    summary = customer_sales_summary(customer_id=customer_id)
    orders = Order.objects.filter(customer_id=customer_id).order_by("-signed_at", "-id")[:5]
    quotations = Quotation.objects.filter(customer_id=customer_id).order_by("-created_at", "-id")[:5]
    return {
        "title": _("Quotations and orders"),
        "lifetime_value": str(summary["lifetime_value"]),
        "order_count": summary["order_count"],
        "last_order_at": timezone.localtime(summary["last_order_at"]).isoformat() if summary["last_order_at"] else None,
        "outstanding": str(summary["outstanding"]),
        "quotation_count": summary["quotation_count"],
        "latest_orders": "; ".join(f"{o.number} {o.get_status_display()} {o.amount}" for o in orders),
        "latest_quotations": "; ".join(f"{q.number} {q.get_status_display()} {q.amount}" for q in quotations),
        "order_rows": [
            {
                "id": o.pk,
                "number": o.number,
                "status": o.status,
                "status_label": str(o.get_status_display()),
                "amount": str(o.amount),
                "signed_at": timezone.localtime(o.signed_at).isoformat() if o.signed_at else None,
            }
            for o in orders
        ],
        "quotation_rows": [
            {
                "id": q.pk,
                "number": q.number,
                "status": q.status,
                "status_label": str(q.get_status_display()),
                "amount": str(q.amount),
                "created_at": timezone.localtime(q.created_at).isoformat(),
            }
            for q in quotations
        ],
    }


# --- what automation rules look at ------------------------------------------------------------------


def orders_waiting_for_outbound(*, since_before: datetime) -> QuerySet[Order]:
    """Orders still pending outbound that could have left by ``since_before``: credit orders since
    signing, prepaid ones since they were fully collected."""
    return (
        Order.objects.filter(status=Order.Status.PENDING_OUTBOUND)
        .filter(
            Q(payment_mode=Order.PaymentMode.CREDIT, signed_at__lte=since_before)
            | Q(payment_mode=Order.PaymentMode.PREPAID, fully_collected_at__lte=since_before)
        )
        .select_related("customer")
        .order_by("pk")
    )


def failed_deliveries(*, since: datetime | None = None) -> QuerySet[Delivery]:
    qs = Delivery.objects.filter(status=Delivery.Status.FAILED).select_related("order", "order__customer")
    if since is not None:
        qs = qs.filter(failed_at__gte=since)
    return qs.order_by("pk")


def quotations_pending_approval(*, submitted_before: datetime) -> QuerySet[Quotation]:
    return (
        Quotation.objects.filter(status=Quotation.Status.PENDING_APPROVAL, submitted_at__lte=submitted_before)
        .select_related("customer")
        .order_by("pk")
    )


def gmv_between(*, start: datetime, end: datetime) -> Decimal:
    """Signed order amounts in [start, end), cancelled orders left out."""
    total = (
        Order.objects.filter(signed_at__gte=start, signed_at__lt=end)
        .exclude(status=Order.Status.CANCELLED)
        .aggregate(total=Sum("amount"))["total"]
    )
    return total or Decimal("0.00")


def gmv_by_customer_between(*, start: datetime, end: datetime) -> dict[int, Decimal]:
    rows = (
        Order.objects.filter(signed_at__gte=start, signed_at__lt=end)
        .exclude(status=Order.Status.CANCELLED)
        .values("customer_id")
        .annotate(total=Sum("amount"))
    )
    return {row["customer_id"]: row["total"] for row in rows}


def open_orders() -> QuerySet[Order]:
    """Orders not yet completed or cancelled (store-wide)."""
    return (
        Order.objects.exclude(status__in=[Order.Status.COMPLETED, Order.Status.CANCELLED])
        .select_related("customer")
        .order_by("pk")
    )


def open_quotations() -> QuerySet[Quotation]:
    """Quotations still in play: draft, pending approval, approved or sent (store-wide)."""
    return (
        Quotation.objects.filter(
            status__in=[
                Quotation.Status.DRAFT,
                Quotation.Status.PENDING_APPROVAL,
                Quotation.Status.APPROVED,
                Quotation.Status.SENT,
            ]
        )
        .select_related("customer")
        .order_by("pk")
    )
