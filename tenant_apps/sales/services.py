"""Writes of sales: catalogue, quotations, orders, their pipeline, deliveries and feedback.

Every write runs in one transaction and validates everything before writing anything. Orders are
locked (``select_for_update``) before a transition so that two people acting at once never both
succeed; every transition writes an ``OrderEvent`` and publishes the order to the outbox in the
same transaction. Side effects (notifications' emails, signals) happen after commit.

The discount rule (product.md 3.3): the discount rate is amount / list amount (4 places); below
the store's threshold a quotation needs a supervisor's approval before it can be sent or ordered,
and an order made directly from lines is refused unless its creator may approve quotations.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess, can_see_owner
from shared_apps.accounts.approvals import check_approver
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_list
from shared_apps.platform.dates import day_in_range, out_of_range_message
from shared_apps.platform.errors import (
    ApprovalRequired,
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from tenant_apps.customers.selectors import customer_get_for_user
from tenant_apps.notifications.services import notify
from tenant_apps.outbox.services import emit, publish, publish_many
from tenant_apps.sales.error_codes import SalesErrorCode
from tenant_apps.sales.models import (
    Category,
    Delivery,
    Order,
    OrderEvent,
    OrderLine,
    Product,
    ProductCost,
    Quotation,
    QuotationLine,
)
from tenant_apps.sales.serializers import delivery_event_data, order_event_data, quotation_event_data
from tenant_apps.sales.signals import delivery_received
from tenant_apps.workspace.selectors import channel_list, store_settings_get
from tenants.models import Store
from tenants.storetime import current_store, store_zone

logger = logging.getLogger(__name__)

STORE_URLCONF = settings.ROOT_URLCONF
MAX_LINES = 200
MAX_QUANTITY = 1_000_000
MAX_UNIT_PRICE = Decimal("9999999999.99")
MAX_AMOUNT = Decimal("999999999999.99")
RATE_PLACES = Decimal("0.0001")
CENT = Decimal("0.01")
NOTES_MAX = 5000
REASON_MAX = 300
COMMENT_MAX = 500
DEFAULT_VALIDITY_DAYS = 15

# --- helpers --------------------------------------------------------------------------------------


def _current_store() -> Store:
    return current_store()


def _members_with_role(*roles: str) -> list[int]:
    return list(
        member_list(store=_current_store())
        .filter(is_active=True, role__in=list(roles))
        .values_list("user_id", flat=True)
    )


def order_url(order_id: int) -> str:
    return f"/sales/orders/{order_id}/"


def quotation_url(quotation_id: int) -> str:
    return f"/sales/quotations/{quotation_id}/"


def _actor_id(actor) -> int | None:
    if actor is None:
        return None
    return actor if isinstance(actor, int) else actor.pk


def local_today(at: datetime | None = None) -> date:
    return timezone.localtime(at or timezone.now(), store_zone()).date()


def parse_money(
    value: Any, *, field: str, errors: dict[str, list[str]], positive: bool = True, maximum: Decimal = MAX_UNIT_PRICE
) -> Decimal | None:
    """A money amount: a number or decimal string with at most 2 decimals (never a float's noise)."""
    if value is None or value == "" or isinstance(value, bool):
        errors.setdefault(field, []).append(_("An amount is required."))
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            errors.setdefault(field, []).append(_("Not a valid amount."))
            return None
        value = repr(value)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_("Not a valid amount."))
        return None
    if not amount.is_finite():
        errors.setdefault(field, []).append(_("Not a valid amount."))
        return None
    if abs(amount) > maximum:
        errors.setdefault(field, []).append(_("The amount is too large."))
        return None
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        errors.setdefault(field, []).append(_("At most 2 decimal places."))
        return None
    if positive and amount <= 0:
        errors.setdefault(field, []).append(_("Must be greater than zero."))
        return None
    return amount.quantize(CENT)


def parse_quantity(value: Any, *, field: str, errors: dict[str, list[str]]) -> int | None:
    if isinstance(value, bool):
        value = None
    number: int | None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        number = None
    if number is None or number <= 0 or number > MAX_QUANTITY:
        errors.setdefault(field, []).append(_("A whole number from 1 to %(max)d.") % {"max": MAX_QUANTITY})
        return None
    return number


def _parse_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _parse_date(value: Any, *, field: str, errors: dict[str, list[str]], required: bool) -> date | None:
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(_("This field is required."))
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            errors.setdefault(field, []).append(_("A date such as 2026-12-31."))
            return None
    if not day_in_range(day):
        errors.setdefault(field, []).append(out_of_range_message())
        return None
    return day


def _text(value: Any, *, field: str, errors: dict[str, list[str]], max_length: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.setdefault(field, []).append(_("Text is expected."))
        return ""
    text = value.strip()
    if len(text) > max_length:
        errors.setdefault(field, []).append(_("At most %(max)d characters.") % {"max": max_length})
    return text


def _resolve_channel(value: Any, errors: dict[str, list[str]]):
    if value in (None, ""):
        return None
    qs = channel_list()
    channel = None
    if isinstance(value, str) and not value.strip().isdigit():
        channel = qs.filter(code=value.strip()).first()
    else:
        pk = _parse_id(value)
        channel = qs.filter(pk=pk).first() if pk else None
    if channel is None:
        errors.setdefault("channel", []).append(_("No such channel."))
    return channel


def _resolve_customer(value: Any, access: StoreAccess, errors: dict[str, list[str]]):
    if value in (None, ""):
        errors.setdefault("customer", []).append(_("This field is required."))
        return None
    try:
        return customer_get_for_user(customer_id=value, access=access)
    except NotFound as exc:
        errors.setdefault("customer", []).append(str(exc.detail))
        return None


def discount_rate(amount: Decimal, list_amount: Decimal) -> Decimal | None:
    """amount / list amount, 4 places (0.8500 = 85 %); None without a list amount."""
    if not list_amount:
        return None
    return (amount / list_amount).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def discount_threshold() -> Decimal:
    return Decimal(store_settings_get().discount_threshold)


def needs_approval(rate: Decimal | None) -> bool:
    return rate is not None and rate < discount_threshold()


@dataclass(frozen=True)
class PricedLine:
    product: Product
    quantity: int
    unit_price: Decimal
    list_price: Decimal

    @property
    def amount(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(CENT)

    @property
    def list_amount(self) -> Decimal:
        return (self.list_price * self.quantity).quantize(CENT)


def _parse_lines(value: Any, errors: dict[str, list[str]]) -> list[PricedLine]:
    """``[{"product", "quantity", "unit_price"}]`` → priced lines (active products only)."""
    if not isinstance(value, list) or not value:
        errors.setdefault("lines", []).append(_("At least one line is required."))
        return []
    if len(value) > MAX_LINES:
        errors.setdefault("lines", []).append(_("At most %(max)d lines.") % {"max": MAX_LINES})
        return []
    wanted: list[tuple[int, int | None, int | None, Decimal | None]] = []
    for index, raw in enumerate(value):
        if not isinstance(raw, dict):
            errors.setdefault(f"lines.{index}", []).append(_("A line is an object."))
            continue
        product_id = _parse_id(raw.get("product"))
        if product_id is None:
            errors.setdefault(f"lines.{index}.product", []).append(_("No such product."))
        quantity = parse_quantity(raw.get("quantity"), field=f"lines.{index}.quantity", errors=errors)
        unit_price = parse_money(raw.get("unit_price"), field=f"lines.{index}.unit_price", errors=errors)
        wanted.append((index, product_id, quantity, unit_price))
    ids = {pid for _i, pid, _q, _p in wanted if pid is not None}
    products = {p.pk: p for p in Product.objects.filter(pk__in=ids).select_related("category")}
    lines: list[PricedLine] = []
    for index, product_id, quantity, unit_price in wanted:
        product = products.get(product_id) if product_id is not None else None
        if product_id is not None and product is None:
            errors.setdefault(f"lines.{index}.product", []).append(_("No such product."))
        elif product is not None and not product.active:
            errors.setdefault(f"lines.{index}.product", []).append(_("This product is no longer sold."))
        elif product is not None and quantity is not None and unit_price is not None:
            lines.append(PricedLine(product, quantity, unit_price, product.list_price))
    if not errors:
        amount = sum((line.amount for line in lines), Decimal("0.00"))
        if amount > MAX_AMOUNT:
            errors.setdefault("lines", []).append(_("The total is too large."))
    return lines


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first if len(errors) == 1 else _("Invalid input."), errors=errors)


def _next_number(prefix: str, model, at: datetime) -> str:
    """``<prefix><local date>-<6-digit sequence of the day>``, serialised by an advisory lock."""
    day = timezone.localtime(at, store_zone()).strftime("%Y%m%d")
    stem = f"{prefix}{day}-"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"sales-number:{connection.schema_name}:{stem}"])
    last = model.objects.filter(number__startswith=stem).order_by("-number").values_list("number", flat=True).first()
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{sequence:06d}"


# --- order core (used by finance, after-sales and imports) ---------------------------------------


def order_lock(*, order_id) -> Order:
    """The order row, locked until the end of the caller's transaction (404 when missing)."""
    try:
        pk = int(order_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such order.")) from None
    order = Order.objects.select_for_update(of=("self",)).filter(pk=pk).first()
    if order is None:
        raise NotFound(_("No such order."))
    return order


def order_event_add(
    *,
    order: Order,
    kind: str,
    actor=None,
    message: str = "",
    data: dict | None = None,
    at: datetime | None = None,
    from_status: str = "",
    to_status: str = "",
) -> OrderEvent:
    """Add an entry to the order's timeline (payments, invoices, after-sales steps...)."""
    return OrderEvent.objects.create(
        order=order,
        kind=OrderEvent.Kind(kind),
        actor_id=_actor_id(actor),
        message=str(message or "")[:300],
        data=data or {},
        at=at or timezone.now(),
        from_status=from_status,
        to_status=to_status,
    )


def _set_status(
    order: Order, *, to: str, actor, at: datetime, message: str = "", data: dict | None = None, fields=()
) -> None:
    """Move a locked order to ``to``, with its timeline entry and the outbox, in this transaction."""
    previous = order.status
    order.status = to
    order.save(update_fields=["status", "updated_at", *fields])
    order_event_add(
        order=order,
        kind=OrderEvent.Kind.TRANSITION,
        actor=actor,
        message=message,
        data=data,
        at=at,
        from_status=previous,
        to_status=to,
    )
    data = order_event_data(order)
    publish(topic="order", entity_id=order.pk, event="order.status_changed", data=data)
    if to == Order.Status.CANCELLED:
        emit("order.cancelled", entity="order", entity_id=order.pk, data=data)


def _notify_ready_for_outbound(order: Order) -> None:
    recipients = _members_with_role(StoreRole.WAREHOUSE)
    if not recipients:
        return
    notify(
        recipients=recipients,
        kind="sales.order_ready_for_outbound",
        title=format_lazy(gettext_lazy("Order {number} is ready for outbound"), number=order.number),
        url=order_url(order.pk),
        data={"order": order.pk},
    )


def order_payment_changed(*, order: Order, actor=None, at: datetime | None = None) -> Order:
    """Called by finance inside its transaction, after it updated the money columns of the locked
    ``order``. A prepaid order pending collection that is now fully collected moves on to pending
    outbound (and the warehouse is told); a credit order received and awaiting payment that is now
    fully collected completes. The move is the system's (``actor`` None) unless one is given."""
    at = at or timezone.now()
    if not order.fully_collected:
        return order
    if order.payment_mode == Order.PaymentMode.PREPAID and order.status == Order.Status.PENDING_COLLECTION:
        _set_status(order, to=Order.Status.PENDING_OUTBOUND, actor=actor, at=at)
        _notify_ready_for_outbound(order)
    elif order.payment_mode == Order.PaymentMode.CREDIT and order.status == Order.Status.AWAITING_PAYMENT:
        order.completed_at = at
        _set_status(order, to=Order.Status.COMPLETED, actor=actor, at=at, fields=["completed_at"])
    return order


# --- catalogue ------------------------------------------------------------------------------------


def _category_values(data: dict, errors: dict[str, list[str]], *, partial: bool) -> dict:
    values: dict[str, Any] = {}
    if "name" in data or not partial:
        name = _text(data.get("name"), field="name", errors=errors, max_length=80)
        if not name and "name" not in errors:
            errors["name"] = [_("A name is required.")]
        values["name"] = name
    if "position" in data:
        position = data.get("position")
        if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 32767:
            errors["position"] = [_("A whole number from 0 to 32767.")]
        else:
            values["position"] = position
    return values


@transaction.atomic
def category_create(*, data: dict) -> Category:
    errors: dict[str, list[str]] = {}
    values = _category_values(data, errors, partial=False)
    if not errors and Category.objects.filter(name=values["name"]).exists():
        errors["name"] = [_("A category with this name exists.")]
    _raise(errors)
    return Category.objects.create(**values)


@transaction.atomic
def category_update(*, category_id, data: dict) -> Category:
    category = Category.objects.select_for_update().filter(pk=_parse_id(category_id) or 0).first()
    if category is None:
        raise NotFound(_("No such category."))
    errors: dict[str, list[str]] = {}
    values = _category_values(data, errors, partial=True)
    if "name" in values and Category.objects.filter(name=values["name"]).exclude(pk=category.pk).exists():
        errors["name"] = [_("A category with this name exists.")]
    _raise(errors)
    for key, value in values.items():
        setattr(category, key, value)
    category.save()
    return category


def _product_values(data: dict, errors: dict[str, list[str]], *, partial: bool) -> dict:
    values: dict[str, Any] = {}
    for field, max_length, required in (("sku", 64, True), ("name", 200, True), ("spec", 200, False)):
        if field in data or not partial:
            text = _text(data.get(field), field=field, errors=errors, max_length=max_length)
            if required and not text and field not in errors:
                errors[field] = [_("This field is required.")]
            values[field] = text
    if "unit" in data or not partial:
        unit = _text(data.get("unit", "件"), field="unit", errors=errors, max_length=20)
        values["unit"] = unit or "件"
    if "list_price" in data or not partial:
        values["list_price"] = parse_money(data.get("list_price"), field="list_price", errors=errors)
    if "category" in data:
        raw = data.get("category")
        if raw in (None, ""):
            values["category"] = None
        else:
            category = Category.objects.filter(pk=_parse_id(raw) or 0).first()
            if category is None:
                errors["category"] = [_("No such category.")]
            values["category"] = category
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors["active"] = [_("true or false.")]
        else:
            values["active"] = data["active"]
    return values


def parse_cost(value: Any, *, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    """A cost price: an amount of at most 2 decimals, zero or more."""
    cost = parse_money(value, field=field, errors=errors, positive=False)
    if cost is not None and cost < 0:
        errors.setdefault(field, []).append(_("A cost cannot be negative."))
        return None
    return cost


def _parse_moment(value: Any, *, field: str, errors: dict[str, list[str]]) -> datetime | None:
    """An ISO 8601 date-time (a naive one is in the store's zone)."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            errors.setdefault(field, []).append(_("An ISO 8601 date and time."))
            return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, store_zone())
    return moment


def _cost_values(data: dict, errors: dict[str, list[str]], *, access: StoreAccess | None) -> dict | None:
    """The cost price a product input sets (``cost_price``, ``cost_effective_from``), or None."""
    if data.get("cost_price") in (None, "") and "cost_effective_from" not in data:
        return None
    if access is None or not access.can("costs.manage"):
        raise PermissionDenied(_("You may not set cost prices."))
    unit_cost = parse_cost(data.get("cost_price"), field="cost_price", errors=errors)
    effective_from = None
    if data.get("cost_effective_from") not in (None, ""):
        effective_from = _parse_moment(data["cost_effective_from"], field="cost_effective_from", errors=errors)
    return {"unit_cost": unit_cost, "effective_from": effective_from}


def _add_cost(product: Product, cost: dict, *, access: StoreAccess | None, at: datetime) -> ProductCost:
    return ProductCost.objects.create(
        product=product,
        unit_cost=cost["unit_cost"],
        effective_from=cost.get("effective_from") or at,
        set_by_id=access.user.pk if access is not None and access.user is not None else None,
    )


@transaction.atomic
def product_create(*, data: dict, access: StoreAccess | None = None, at: datetime | None = None) -> Product:
    errors: dict[str, list[str]] = {}
    values = _product_values(data, errors, partial=False)
    cost = _cost_values(data, errors, access=access)
    if values.get("sku") and Product.objects.filter(sku=values["sku"]).exists():
        errors.setdefault("sku", []).append(_("A product with this SKU exists."))
    _raise(errors)
    try:
        with transaction.atomic():
            product = Product.objects.create(**values)
    except IntegrityError:
        raise Conflict(_("A product with this SKU exists."), code=SalesErrorCode.DUPLICATE_SKU) from None
    if cost is not None:
        _add_cost(product, cost, access=access, at=at or timezone.now())
    return product


@transaction.atomic
def product_update(*, product_id, data: dict, access: StoreAccess | None = None, at: datetime | None = None) -> Product:
    product = Product.objects.select_for_update().filter(pk=_parse_id(product_id) or 0).first()
    if product is None:
        raise NotFound(_("No such product."))
    errors: dict[str, list[str]] = {}
    values = _product_values(data, errors, partial=True)
    cost = _cost_values(data, errors, access=access)
    if values.get("sku") and Product.objects.filter(sku=values["sku"]).exclude(pk=product.pk).exists():
        errors.setdefault("sku", []).append(_("A product with this SKU exists."))
    _raise(errors)
    for key, value in values.items():
        setattr(product, key, value)
    product.save()
    if cost is not None:
        _add_cost(product, cost, access=access, at=at or timezone.now())
    return product


@transaction.atomic
def product_cost_add(*, product_id, data: Any, access: StoreAccess, at: datetime | None = None) -> ProductCost:
    """A new cost price of a product (``unit_cost`` >= 0, ``effective_from`` default now): its history
    keeps every earlier one; orders signed from ``effective_from`` on capture it."""
    if not access.can("costs.manage"):
        raise PermissionDenied(_("You may not set cost prices."))
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid input."))
    product = Product.objects.select_for_update().filter(pk=_parse_id(product_id) or 0).first()
    if product is None:
        raise NotFound(_("No such product."))
    errors: dict[str, list[str]] = {}
    cost = {"unit_cost": parse_cost(data.get("unit_cost"), field="unit_cost", errors=errors), "effective_from": None}
    if data.get("effective_from") not in (None, ""):
        cost["effective_from"] = _parse_moment(data["effective_from"], field="effective_from", errors=errors)
    _raise(errors)
    return _add_cost(product, cost, access=access, at=at or timezone.now())


def costs_in_effect(product_ids, *, at: datetime) -> dict[int, Decimal]:
    """Each product's cost price in effect at ``at`` (products without one are left out)."""
    rows = (
        ProductCost.objects.filter(product_id__in=set(product_ids), effective_from__lte=at)
        .order_by("product_id", "-effective_from", "-id")
        .distinct("product_id")
        .values_list("product_id", "unit_cost")
    )
    return dict(rows)


def order_cost(lines) -> tuple[Decimal, int]:
    """``(cost, lines without cost)`` of order lines (``quantity`` and ``unit_cost`` each)."""
    cost, missing = Decimal("0.00"), 0
    for quantity, unit_cost in lines:
        if unit_cost is None:
            missing += 1
        else:
            cost += quantity * unit_cost
    return cost.quantize(CENT), missing


# --- quotations -----------------------------------------------------------------------------------

QUOTATION_EDITABLE = (Quotation.Status.DRAFT, Quotation.Status.REJECTED)
QUOTATION_EXPIRABLE = (
    Quotation.Status.DRAFT,
    Quotation.Status.PENDING_APPROVAL,
    Quotation.Status.APPROVED,
    Quotation.Status.REJECTED,
    Quotation.Status.SENT,
)
ORDERABLE_QUOTATION = (Quotation.Status.APPROVED, Quotation.Status.SENT, Quotation.Status.ACCEPTED)


def _visible_quotation_for_update(quotation_id, access: StoreAccess) -> Quotation:
    quotation = (
        Quotation.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(pk=_parse_id(quotation_id) or 0)
        .first()
    )
    if quotation is None or not can_see_owner(access, quotation.owner_id):
        raise NotFound(_("No such quotation."))
    return quotation


def _quotation_header(data: dict, errors: dict[str, list[str]], *, partial: bool, access: StoreAccess) -> dict:
    values: dict[str, Any] = {}
    if "customer" in data or not partial:
        values["customer"] = _resolve_customer(data.get("customer"), access, errors)
    if "channel" in data:
        values["channel"] = _resolve_channel(data.get("channel"), errors)
    if "valid_until" in data or not partial:
        valid_until = _parse_date(data.get("valid_until"), field="valid_until", errors=errors, required=not partial)
        if valid_until is None and not partial and "valid_until" not in data:
            errors.pop("valid_until", None)
            valid_until = local_today() + timedelta(days=DEFAULT_VALIDITY_DAYS)
        if valid_until is not None and valid_until < local_today():
            errors.setdefault("valid_until", []).append(_("The validity date has passed."))
        if valid_until is not None:
            values["valid_until"] = valid_until
    if "notes" in data:
        values["notes"] = _text(data.get("notes"), field="notes", errors=errors, max_length=NOTES_MAX)
    return values


def _write_quotation_lines(quotation: Quotation, lines: list[PricedLine]) -> None:
    QuotationLine.objects.filter(quotation=quotation).delete()
    QuotationLine.objects.bulk_create(
        QuotationLine(
            quotation=quotation,
            position=index,
            product=line.product,
            sku=line.product.sku,
            product_name=line.product.name,
            unit=line.product.unit,
            quantity=line.quantity,
            unit_price=line.unit_price,
            list_price=line.list_price,
            amount=line.amount,
        )
        for index, line in enumerate(lines)
    )
    quotation.amount = sum((line.amount for line in lines), Decimal("0.00"))
    quotation.list_amount = sum((line.list_amount for line in lines), Decimal("0.00"))
    quotation.discount_rate = discount_rate(quotation.amount, quotation.list_amount)
    quotation.requires_approval = needs_approval(quotation.discount_rate)


def quotation_preview(*, lines: Any) -> dict:
    """The live figures of a line editor: amount, list amount, discount rate, approval needed."""
    errors: dict[str, list[str]] = {}
    priced = _parse_lines(lines, errors)
    _raise(errors)
    amount = sum((line.amount for line in priced), Decimal("0.00"))
    list_amount = sum((line.list_amount for line in priced), Decimal("0.00"))
    rate = discount_rate(amount, list_amount)
    return {
        "amount": amount,
        "list_amount": list_amount,
        "discount_rate": rate,
        "requires_approval": needs_approval(rate),
        "threshold": discount_threshold(),
    }


@transaction.atomic
def quotation_create(*, access: StoreAccess, data: dict, at: datetime | None = None) -> Quotation:
    at = at or timezone.now()
    errors: dict[str, list[str]] = {}
    values = _quotation_header(data, errors, partial=False, access=access)
    lines = _parse_lines(data.get("lines"), errors)
    _raise(errors)
    customer = values["customer"]
    if "channel" not in values:
        values["channel"] = customer.channel if customer.channel_id else None
    quotation = Quotation(
        number=_next_number("Q", Quotation, at),
        owner_id=customer.owner_id or access.user.pk,
        created_by_id=access.user.pk,
        **values,
    )
    quotation.save()
    _write_quotation_lines(quotation, lines)
    quotation.save(update_fields=["amount", "list_amount", "discount_rate", "requires_approval", "updated_at"])
    return quotation


@transaction.atomic
def quotation_update(*, quotation_id, access: StoreAccess, data: dict) -> Quotation:
    """Change a draft or rejected quotation (a rejected one returns to draft)."""
    quotation = _visible_quotation_for_update(quotation_id, access)
    if quotation.status not in QUOTATION_EDITABLE:
        raise InvalidTransition(_("Only a draft or rejected quotation can be changed."))
    errors: dict[str, list[str]] = {}
    values = _quotation_header(data, errors, partial=True, access=access)
    lines = _parse_lines(data.get("lines"), errors) if "lines" in data else None
    _raise(errors)
    for key, value in values.items():
        setattr(quotation, key, value)
    if "customer" in values:
        quotation.owner_id = values["customer"].owner_id or quotation.owner_id
    if lines is not None:
        _write_quotation_lines(quotation, lines)
    else:
        quotation.requires_approval = needs_approval(quotation.discount_rate)
    quotation.status = Quotation.Status.DRAFT
    quotation.save()
    return quotation


def _approvers_of(owner_id: int) -> list[int]:
    """Who decides a salesperson's quotations: their team supervisor, else supervisors and admins."""
    members = member_list(store=_current_store()).filter(is_active=True)
    own = members.filter(user_id=owner_id).first()
    if own is not None and own.supervisor_id is not None and members.filter(user_id=own.supervisor_id).exists():
        return [own.supervisor_id]
    return list(
        members.filter(role__in=[StoreRole.SUPERVISOR, StoreRole.ADMIN])
        .exclude(user_id=owner_id)
        .values_list("user_id", flat=True)
    )


@transaction.atomic
def quotation_submit(*, quotation_id, access: StoreAccess, at: datetime | None = None) -> Quotation:
    """Draft/rejected → approved when the discount is within the threshold, else pending approval."""
    at = at or timezone.now()
    quotation = _visible_quotation_for_update(quotation_id, access)
    if quotation.status not in QUOTATION_EDITABLE:
        raise InvalidTransition(_("Only a draft or rejected quotation can be submitted."))
    if not quotation.lines.exists():
        raise ValidationFailed(
            _("The quotation has no lines."), errors={"lines": [_("At least one line is required.")]}
        )
    quotation.requires_approval = needs_approval(quotation.discount_rate)
    quotation.decided_by_id = None
    quotation.decided_at = None
    quotation.decision_comment = ""
    if quotation.requires_approval:
        quotation.status = Quotation.Status.PENDING_APPROVAL
        quotation.submitted_at = at
        quotation.save()
        notify(
            recipients=[uid for uid in _approvers_of(quotation.owner_id) if uid != access.user.pk]
            or _approvers_of(quotation.owner_id),
            kind="sales.quotation_submitted",
            title=format_lazy(gettext_lazy("Quotation {number} needs your approval"), number=quotation.number),
            body=format_lazy(
                gettext_lazy("{customer}: {amount}, discount rate {rate}"),
                customer=quotation.customer.name,
                amount=quotation.amount,
                rate=quotation.discount_rate,
            ),
            url=quotation_url(quotation.pk),
            data={"quotation": quotation.pk},
        )
    else:
        quotation.status = Quotation.Status.APPROVED
        quotation.save()
    return quotation


def _decide(quotation_id, access: StoreAccess, *, approve: bool, comment: Any, at: datetime | None) -> Quotation:
    at = at or timezone.now()
    errors: dict[str, list[str]] = {}
    text = _text(comment, field="comment", errors=errors, max_length=300)
    _raise(errors)
    quotation = _visible_quotation_for_update(quotation_id, access)
    check_approver(
        access=access,
        permission="quotations.approve",
        applicant_ids=(quotation.owner_id, quotation.created_by_id),
        subject="quotation",
        object_id=quotation.pk,
    )
    if quotation.status != Quotation.Status.PENDING_APPROVAL:
        raise InvalidTransition(_("Only a quotation pending approval can be decided."))
    quotation.status = Quotation.Status.APPROVED if approve else Quotation.Status.REJECTED
    quotation.decided_by_id = access.user.pk
    quotation.decided_at = at
    quotation.decision_comment = text
    quotation.save()
    if approve:
        emit("quotation.approved", entity="quotation", entity_id=quotation.pk, data=quotation_event_data(quotation))
    title = (
        gettext_lazy("Quotation {number} was approved") if approve else gettext_lazy("Quotation {number} was rejected")
    )
    notify(
        recipients=[quotation.owner_id],
        kind="sales.quotation_decided",
        title=format_lazy(title, number=quotation.number),
        body=text,
        url=quotation_url(quotation.pk),
        data={"quotation": quotation.pk, "approved": approve},
    )
    return quotation


@transaction.atomic
def quotation_approve(*, quotation_id, access: StoreAccess, comment: Any = "", at: datetime | None = None) -> Quotation:
    return _decide(quotation_id, access, approve=True, comment=comment, at=at)


@transaction.atomic
def quotation_reject(*, quotation_id, access: StoreAccess, comment: Any = "", at: datetime | None = None) -> Quotation:
    return _decide(quotation_id, access, approve=False, comment=comment, at=at)


@transaction.atomic
def quotation_send(*, quotation_id, access: StoreAccess, at: datetime | None = None) -> Quotation:
    quotation = _visible_quotation_for_update(quotation_id, access)
    if quotation.status == Quotation.Status.PENDING_APPROVAL or (
        quotation.status in QUOTATION_EDITABLE and needs_approval(quotation.discount_rate)
    ):
        raise ApprovalRequired(_("This quotation must be approved by a supervisor before it is sent."))
    if quotation.status != Quotation.Status.APPROVED:
        raise InvalidTransition(_("Only an approved quotation can be sent."))
    quotation.status = Quotation.Status.SENT
    quotation.sent_at = at or timezone.now()
    quotation.save()
    return quotation


@transaction.atomic
def quotation_accept(*, quotation_id, access: StoreAccess, at: datetime | None = None) -> Quotation:
    quotation = _visible_quotation_for_update(quotation_id, access)
    if quotation.status != Quotation.Status.SENT:
        raise InvalidTransition(_("Only a sent quotation can be accepted."))
    quotation.status = Quotation.Status.ACCEPTED
    quotation.accepted_at = at or timezone.now()
    quotation.save()
    return quotation


def quotations_expire(*, at: datetime | None = None) -> int:
    """Quotations whose validity date has passed (store's local date) become expired."""
    today = local_today(at)
    with transaction.atomic():
        return Quotation.objects.filter(status__in=QUOTATION_EXPIRABLE, valid_until__lt=today).update(
            status=Quotation.Status.EXPIRED, updated_at=at or timezone.now()
        )


# --- orders ---------------------------------------------------------------------------------------


def _order_header(data: dict, errors: dict[str, list[str]]) -> dict:
    values: dict[str, Any] = {}
    mode = data.get("payment_mode")
    if mode not in Order.PaymentMode.values:
        errors["payment_mode"] = [_("prepaid or credit.")]
    values["payment_mode"] = mode
    due = _parse_date(data.get("due_date"), field="due_date", errors=errors, required=mode == Order.PaymentMode.CREDIT)
    values["due_date"] = due if mode == Order.PaymentMode.CREDIT else None
    device = data.get("device") or Order.Device.UNKNOWN
    if device not in Order.Device.values:
        errors["device"] = [_("One of: %(values)s.") % {"values": ", ".join(Order.Device.values)}]
    values["device"] = device
    values["notes"] = _text(data.get("notes"), field="notes", errors=errors, max_length=NOTES_MAX)
    if "channel" in data and data.get("channel") not in (None, ""):
        values["channel"] = _resolve_channel(data.get("channel"), errors)
    return values


def _order_lines_from_quotation(quotation: Quotation) -> list[PricedLine]:
    return [
        PricedLine(line.product, line.quantity, line.unit_price, line.list_price)
        for line in quotation.lines.select_related("product__category").order_by("position", "pk")
    ]


@transaction.atomic
def order_create(*, access: StoreAccess, data: dict, at: datetime | None = None) -> Order:
    """A contract order from an approved/sent/accepted quotation (prices from it) or from lines
    (the discount rule applies: below the threshold only someone who may approve quotations can
    sign it directly)."""
    at = at or timezone.now()
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid input."))
    errors: dict[str, list[str]] = {}
    values = _order_header(data, errors)
    quotation = None
    if data.get("quotation") not in (None, ""):
        quotation_id = _parse_id(data.get("quotation"))
        quotation = (
            Quotation.objects.select_for_update(of=("self",))
            .select_related("customer")
            .filter(pk=quotation_id or 0)
            .first()
        )
        if quotation is None or not can_see_owner(access, quotation.owner_id):
            errors["quotation"] = [_("No such quotation.")]
            quotation = None
        _raise(errors)
        if quotation.status == Quotation.Status.PENDING_APPROVAL:
            raise ApprovalRequired(_("This quotation must be approved by a supervisor first."))
        if quotation.status not in ORDERABLE_QUOTATION:
            raise InvalidTransition(_("Only an approved, sent or accepted quotation can become an order."))
        if quotation.orders.exclude(status=Order.Status.CANCELLED).exists():
            raise Conflict(_("This quotation already has an order."))
        lines = _order_lines_from_quotation(quotation)
        customer = quotation.customer
        if customer.merged_into_id is not None:
            customer = customer_get_for_user(customer_id=customer.merged_into_id, access=access)
        if "channel" not in values:
            values["channel"] = quotation.channel
    else:
        customer = _resolve_customer(data.get("customer"), access, errors)
        lines = _parse_lines(data.get("lines"), errors)
        _raise(errors)
    _raise(errors)
    amount = sum((line.amount for line in lines), Decimal("0.00"))
    list_amount = sum((line.list_amount for line in lines), Decimal("0.00"))
    rate = discount_rate(amount, list_amount)
    if quotation is None and needs_approval(rate) and not access.can("quotations.approve"):
        raise ApprovalRequired(
            _("The discount rate %(rate)s is below the store's threshold: make a quotation and have it approved.")
            % {"rate": rate}
        )
    if "channel" not in values:
        values["channel"] = customer.channel if customer.channel_id else None
    prepaid = values["payment_mode"] == Order.PaymentMode.PREPAID
    unit_costs = costs_in_effect((line.product.pk for line in lines), at=at)
    cost, lines_without_cost = order_cost((line.quantity, unit_costs.get(line.product.pk)) for line in lines)
    order = Order.objects.create(
        cost=cost,
        lines_without_cost=lines_without_cost,
        number=_next_number("SO", Order, at),
        customer=customer,
        quotation=quotation,
        owner_id=customer.owner_id or access.user.pk,
        status=Order.Status.PENDING_COLLECTION if prepaid else Order.Status.PENDING_OUTBOUND,
        amount=amount,
        list_amount=list_amount,
        discount_rate=rate,
        signed_at=at,
        created_by_id=access.user.pk,
        **values,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            position=index,
            product=line.product,
            sku=line.product.sku,
            product_name=line.product.name,
            category_name=line.product.category.name if line.product.category_id else "",
            unit=line.product.unit,
            quantity=line.quantity,
            unit_price=line.unit_price,
            list_price=line.list_price,
            amount=line.amount,
            unit_cost=unit_costs.get(line.product.pk),
        )
        for index, line in enumerate(lines)
    )
    if quotation is not None and quotation.status != Quotation.Status.ACCEPTED:
        quotation.status = Quotation.Status.ACCEPTED
        quotation.accepted_at = at
        quotation.save(update_fields=["status", "accepted_at", "updated_at"])
    order_event_add(order=order, kind=OrderEvent.Kind.CREATED, actor=access.user, at=at, to_status=order.status)
    publish(topic="order", entity_id=order.pk, event="order.created", data=order_event_data(order))
    if not prepaid:
        _notify_ready_for_outbound(order)
    return order


@dataclass(frozen=True)
class Step:
    permission: str
    modes: tuple[str, ...] = (Order.PaymentMode.PREPAID, Order.PaymentMode.CREDIT)


S = Order.Status
# (from, to) → who may do it; ``to`` of receipt may be named completed or awaiting_payment.
TRANSITIONS: dict[tuple[str, str], Step] = {
    (S.PENDING_OUTBOUND, S.PENDING_DELIVERY): Step("orders.outbound"),
    (S.PENDING_DELIVERY, S.PENDING_RECEIPT): Step("orders.ship"),
    (S.PENDING_RECEIPT, S.COMPLETED): Step("orders.receive"),
    (S.PENDING_RECEIPT, S.AWAITING_PAYMENT): Step("orders.receive", (Order.PaymentMode.CREDIT,)),
    (S.PENDING_COLLECTION, S.CANCELLED): Step("orders.cancel"),
    (S.PENDING_OUTBOUND, S.CANCELLED): Step("orders.cancel"),
}
GOODS_LEFT = (S.PENDING_DELIVERY, S.PENDING_RECEIPT, S.AWAITING_PAYMENT, S.COMPLETED)


def allowed_transitions(*, order: Order, access: StoreAccess) -> list[str]:
    """The statuses ``access`` may move ``order`` to now (the buttons of the order page)."""
    targets = []
    for (source, target), step in TRANSITIONS.items():
        if source != order.status or order.payment_mode not in step.modes or not access.can(step.permission):
            continue
        if target == S.COMPLETED and order.payment_mode == Order.PaymentMode.CREDIT:
            continue
        targets.append(target)
    return targets


def _check_transition(order: Order, to: str, access: StoreAccess) -> Step:
    if to not in Order.Status.values:
        raise ValidationFailed(_("Unknown status."), errors={"to": [_("Unknown status.")]})
    if to == S.CANCELLED and order.status in GOODS_LEFT:
        raise InvalidTransition(
            _("The goods have left the warehouse: the order cannot be cancelled; use after-sales instead.")
        )
    if order.status == S.PENDING_COLLECTION and to == S.PENDING_OUTBOUND:
        raise InvalidTransition(_("A prepaid order moves to pending outbound by itself once it is fully collected."))
    step = TRANSITIONS.get((order.status, to))
    if step is None or order.payment_mode not in step.modes:
        raise InvalidTransition(
            _("An order that is %(status)s cannot move to %(to)s.")
            % {"status": S(order.status).label, "to": S(to).label}
        )
    if not access.can(step.permission):
        raise InvalidTransition(_("Your role cannot move this order to %(to)s.") % {"to": S(to).label})
    return step


def _original_delivery(order: Order) -> Delivery:
    delivery = Delivery.objects.select_for_update().filter(order=order, kind=Delivery.Kind.ORIGINAL).first()
    if delivery is None:
        delivery = Delivery.objects.create(
            order=order,
            kind=Delivery.Kind.ORIGINAL,
            items=[{"order_line": line.pk, "quantity": line.quantity} for line in order.lines.all()],
        )
    return delivery


def _send_received(delivery: Delivery) -> None:
    transaction.on_commit(lambda: delivery_received.send(sender=Delivery, delivery=delivery))


def _shipment(data: dict, errors: dict[str, list[str]]) -> tuple[str, str]:
    carrier = _text(data.get("carrier"), field="carrier", errors=errors, max_length=60)
    tracking = _text(data.get("tracking_number"), field="tracking_number", errors=errors, max_length=64)
    if not carrier and "carrier" not in errors:
        errors["carrier"] = [_("The carrier is required.")]
    if not tracking and "tracking_number" not in errors:
        errors["tracking_number"] = [_("The tracking number is required.")]
    return carrier, tracking


@transaction.atomic
def order_transition(
    *, order_id, access: StoreAccess, to: Any, data: dict | None = None, at: datetime | None = None
) -> Order:
    """Move an order one step by hand (the caller was shown the order through its selector).

    Wrong role or wrong current status → ``invalid_transition`` and nothing changes."""
    at = at or timezone.now()
    data = data or {}
    order = order_lock(order_id=order_id)
    if not can_see_owner(access, order.owner_id):
        raise NotFound(_("No such order."))
    to = to if isinstance(to, str) else ""
    if not to:
        raise ValidationFailed(_("The target status is required."), errors={"to": [_("This field is required.")]})
    _check_transition(order, to, access)
    errors: dict[str, list[str]] = {}
    fields: list[str] = []
    message = ""
    event_data: dict[str, Any] = {}
    if to == S.CANCELLED:
        reason = _text(data.get("reason"), field="reason", errors=errors, max_length=REASON_MAX)
        if not reason and "reason" not in errors:
            errors["reason"] = [_("A reason is required.")]
        _raise(errors)
        order.cancelled_at = at
        order.cancel_reason = reason
        fields = ["cancelled_at", "cancel_reason"]
        message = reason
        Delivery.objects.filter(order=order, status=Delivery.Status.PENDING).delete()
    elif to == S.PENDING_DELIVERY:
        delivery = _original_delivery(order)
        delivery.status = Delivery.Status.OUTBOUND
        delivery.outbound_at = at
        delivery.save(update_fields=["status", "outbound_at"])
        event_data = {"delivery": delivery.pk}
    elif to == S.PENDING_RECEIPT:
        carrier, tracking = _shipment(data, errors)
        _raise(errors)
        delivery = _original_delivery(order)
        delivery.status = Delivery.Status.SHIPPED
        delivery.carrier = carrier
        delivery.tracking_number = tracking
        delivery.outbound_at = delivery.outbound_at or at
        delivery.shipped_at = at
        delivery.save(update_fields=["status", "carrier", "tracking_number", "outbound_at", "shipped_at"])
        order.shipped_at = at
        fields = ["shipped_at"]
        message = f"{carrier} {tracking}"
        event_data = {"delivery": delivery.pk, "carrier": carrier, "tracking_number": tracking}
    else:  # receipt
        delivery = _original_delivery(order)
        delivery.status = Delivery.Status.RECEIVED
        delivery.received_at = at
        delivery.save(update_fields=["status", "received_at"])
        order.received_at = at
        fields = ["received_at"]
        event_data = {"delivery": delivery.pk}
        if order.payment_mode == Order.PaymentMode.CREDIT and not order.fully_collected:
            to = S.AWAITING_PAYMENT
        else:
            to = S.COMPLETED
            order.completed_at = at
            fields.append("completed_at")
        _send_received(delivery)
    _set_status(order, to=to, actor=access.user, at=at, message=message, data=event_data, fields=fields)
    if to == S.PENDING_RECEIPT:
        notify(
            recipients=[order.owner_id],
            kind="sales.order_shipped",
            title=format_lazy(gettext_lazy("Order {number} was shipped"), number=order.number),
            body=message,
            url=order_url(order.pk),
            data={"order": order.pk},
        )
    return order


@transaction.atomic
def order_feedback(
    *, order_id, access: StoreAccess, rating: Any, comment: Any = "", at: datetime | None = None
) -> Order:
    """The customer's rating (1-5) of a completed order, recorded once."""
    at = at or timezone.now()
    errors: dict[str, list[str]] = {}
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors["rating"] = [_("A whole number from 1 to 5.")]
    text = _text(comment, field="comment", errors=errors, max_length=COMMENT_MAX)
    _raise(errors)
    order = order_lock(order_id=order_id)
    if not can_see_owner(access, order.owner_id):
        raise NotFound(_("No such order."))
    if order.status != S.COMPLETED:
        raise Conflict(_("Feedback is recorded on completed orders only."), code=SalesErrorCode.FEEDBACK_NOT_ALLOWED)
    if order.rating is not None:
        raise Conflict(_("This order already has feedback."), code=SalesErrorCode.FEEDBACK_NOT_ALLOWED)
    order.rating = rating
    order.feedback_comment = text
    order.feedback_at = at
    order.save(update_fields=["rating", "feedback_comment", "feedback_at", "updated_at"])
    order_event_add(
        order=order, kind=OrderEvent.Kind.FEEDBACK, actor=access.user, at=at, message=text, data={"rating": rating}
    )
    publish(topic="order", entity_id=order.pk)
    return order


# --- deliveries -----------------------------------------------------------------------------------

DELIVERY_NEXT = {
    Delivery.Status.PENDING: Delivery.Status.OUTBOUND,
    Delivery.Status.OUTBOUND: Delivery.Status.SHIPPED,
    Delivery.Status.SHIPPED: Delivery.Status.RECEIVED,
}
DELIVERY_PERMISSION = {
    Delivery.Status.OUTBOUND: "orders.outbound",
    Delivery.Status.SHIPPED: "orders.ship",
    Delivery.Status.RECEIVED: "orders.receive",
}
ORDER_STEP_OF_DELIVERY = {
    Delivery.Status.OUTBOUND: S.PENDING_DELIVERY,
    Delivery.Status.SHIPPED: S.PENDING_RECEIPT,
    Delivery.Status.RECEIVED: S.COMPLETED,
}


def _clean_items(order: Order, items: Any) -> list[dict]:
    lines = dict(order.lines.values_list("pk", "quantity"))
    if not isinstance(items, list) or not items:
        raise ValidationFailed(
            _("At least one item is required."), errors={"items": [_("At least one item is required.")]}
        )
    cleaned = []
    for index, item in enumerate(items):
        line = _parse_id(item.get("order_line")) if isinstance(item, dict) else None
        quantity = item.get("quantity") if isinstance(item, dict) else None
        if line not in lines:
            raise ValidationFailed(
                _("No such order line."), errors={f"items.{index}.order_line": [_("No such order line.")]}
            )
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= lines[line]:
            message = _("A whole number from 1 to %(max)d.") % {"max": lines[line]}
            raise ValidationFailed(message, errors={f"items.{index}.quantity": [message]})
        cleaned.append({"order_line": line, "quantity": quantity})
    return cleaned


def delivery_create(*, order: Order, kind: str, items: Any, case_id: int | None, actor=None) -> Delivery:
    """A shipment an after-sales case asks for (exchange or reissue); the warehouse sees it in its
    queue. Runs in the caller's transaction."""
    if kind not in (Delivery.Kind.EXCHANGE, Delivery.Kind.REISSUE):
        raise ValidationFailed(_("exchange or reissue."), errors={"kind": [_("exchange or reissue.")]})
    cleaned = _clean_items(order, items)
    with transaction.atomic():
        delivery = Delivery.objects.create(
            order=order, kind=kind, items=cleaned, aftersales_case_id=case_id, created_by_id=_actor_id(actor)
        )
        order_event_add(
            order=order,
            kind=OrderEvent.Kind.DELIVERY,
            actor=actor,
            message=Delivery.Kind(kind).label,
            data={"delivery": delivery.pk, "kind": kind, "case": case_id},
        )
        recipients = _members_with_role(StoreRole.WAREHOUSE)
        if recipients:
            notify(
                recipients=recipients,
                kind="sales.delivery_ready_for_outbound",
                title=format_lazy(
                    gettext_lazy("A {kind} delivery of order {number} is ready for outbound"),
                    kind=Delivery.Kind(kind).label,
                    number=order.number,
                ),
                url=order_url(order.pk),
                data={"order": order.pk, "delivery": delivery.pk},
            )
    return delivery


def delivery_transition(
    *,
    delivery: Delivery,
    to: str,
    actor=None,
    carrier: str = "",
    tracking_number: str = "",
    access: StoreAccess | None = None,
    at: datetime | None = None,
) -> Delivery:
    """Move a delivery one step: ``outbound`` → ``shipped`` (carrier and tracking number) →
    ``received``. The order's own delivery moves with its order (the order's transition).
    With ``access`` the caller's role is checked like an order transition."""
    at = at or timezone.now()
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().filter(pk=delivery.pk).first()
        if locked is None:
            raise NotFound(_("No such delivery."))
        if to not in DELIVERY_PERMISSION:
            raise ValidationFailed(_("Unknown status."), errors={"to": [_("outbound, shipped or received.")]})
        if DELIVERY_NEXT.get(locked.status) != to:
            raise InvalidTransition(
                _("A delivery that is %(status)s cannot move to %(to)s.")
                % {"status": Delivery.Status(locked.status).label, "to": Delivery.Status(to).label}
            )
        if access is not None and not access.can(DELIVERY_PERMISSION[to]):
            raise InvalidTransition(_("Your role cannot move this delivery."))
        if locked.kind == Delivery.Kind.ORIGINAL:
            if access is None:
                raise InvalidTransition(_("The order's own delivery moves with the order."))
            order_transition(
                order_id=locked.order_id,
                access=access,
                to=ORDER_STEP_OF_DELIVERY[to],
                data={"carrier": carrier, "tracking_number": tracking_number},
                at=at,
            )
            locked.refresh_from_db()
            return locked
        errors: dict[str, list[str]] = {}
        fields = ["status"]
        if to == Delivery.Status.SHIPPED:
            locked.carrier, locked.tracking_number = _shipment(
                {"carrier": carrier, "tracking_number": tracking_number}, errors
            )
            _raise(errors)
            locked.shipped_at = at
            fields += ["carrier", "tracking_number", "shipped_at"]
        elif to == Delivery.Status.OUTBOUND:
            locked.outbound_at = at
            fields.append("outbound_at")
        else:
            locked.received_at = at
            fields.append("received_at")
        locked.status = to
        locked.save(update_fields=fields)
        order = Order.objects.get(pk=locked.order_id)
        order_event_add(
            order=order,
            kind=OrderEvent.Kind.DELIVERY,
            actor=access.user if access is not None else actor,
            at=at,
            message=f"{Delivery.Kind(locked.kind).label}: {Delivery.Status(to).label}",
            data={
                "delivery": locked.pk,
                "status": to,
                "carrier": locked.carrier,
                "tracking_number": locked.tracking_number,
            },
        )
        publish(topic="order", entity_id=order.pk)
        if to == Delivery.Status.RECEIVED:
            _send_received(locked)
    return locked


# --- customers (merge) ----------------------------------------------------------------------------


def merge_customer_sales(*, survivor, merged) -> dict:
    """Move the merged customer's quotations and orders to the survivor (inside the merge)."""
    order_ids = list(Order.objects.filter(customer_id=merged.pk).values_list("pk", flat=True))
    quotations = Quotation.objects.filter(customer_id=merged.pk).update(customer_id=survivor.pk)
    Order.objects.filter(pk__in=order_ids).update(customer_id=survivor.pk, updated_at=timezone.now())
    if order_ids:
        from tenant_apps.outbox.services import publish_many

        publish_many(topic="order", entity_ids=order_ids)
    return {"quotations": quotations, "orders": len(order_ids)}


# --- handover -------------------------------------------------------------------------------------

OPEN_QUOTATION_STATUSES = (
    Quotation.Status.DRAFT,
    Quotation.Status.PENDING_APPROVAL,
    Quotation.Status.APPROVED,
    Quotation.Status.SENT,
)
CLOSED_ORDER_STATUSES = (Order.Status.COMPLETED, Order.Status.CANCELLED)


def open_sales_give_to(*, customer_ids, owner_id: int) -> dict[str, int]:
    """Give the open quotations and orders of these customers to ``owner_id`` (a handover; the
    caller checked who may do it). Returns how many of each changed hands."""
    ids = sorted(set(customer_ids))
    quotations = Quotation.objects.filter(customer_id__in=ids, status__in=OPEN_QUOTATION_STATUSES).exclude(
        owner_id=owner_id
    )
    moved_quotations = quotations.update(owner_id=owner_id)
    orders = Order.objects.filter(customer_id__in=ids).exclude(status__in=CLOSED_ORDER_STATUSES)
    order_ids = list(orders.exclude(owner_id=owner_id).order_by("pk").values_list("pk", flat=True))
    Order.objects.filter(pk__in=order_ids).update(owner_id=owner_id)
    publish_many(topic="order", entity_ids=order_ids)
    return {"quotations": moved_quotations, "orders": len(order_ids)}


FAILURE_REASON_MAX_LENGTH = 300


def delivery_fail(*, delivery: Delivery, reason: Any, access: StoreAccess, at: datetime | None = None) -> Delivery:
    """Mark a delivery that left the warehouse as failed (lost, refused, returned), with the reason.

    The order's owner is told (``sales.delivery_failed``); the order's history records it.
    """
    at = at or timezone.now()
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > FAILURE_REASON_MAX_LENGTH:
        raise ValidationFailed(
            _("Invalid input."),
            errors={
                "reason": [_("A reason of 1 to %(max)d characters is required.") % {"max": FAILURE_REASON_MAX_LENGTH}]
            },
        )
    if not access.can("orders.ship"):
        raise InvalidTransition(_("Your role cannot move this delivery."))
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().filter(pk=delivery.pk).first()
        if locked is None:
            raise NotFound(_("No such delivery."))
        if locked.status not in (Delivery.Status.OUTBOUND, Delivery.Status.SHIPPED):
            raise InvalidTransition(
                _("A delivery that is %(status)s cannot be marked failed.")
                % {"status": Delivery.Status(locked.status).label}
            )
        locked.status = Delivery.Status.FAILED
        locked.failed_at = at
        locked.failure_reason = reason
        locked.save(update_fields=["status", "failed_at", "failure_reason"])
        order = Order.objects.select_related("customer").get(pk=locked.order_id)
        order_event_add(
            order=order,
            kind=OrderEvent.Kind.DELIVERY,
            actor=access.user,
            at=at,
            message=f"{Delivery.Kind(locked.kind).label}: {Delivery.Status.FAILED.label}: {reason}",
            data={"delivery": locked.pk, "status": Delivery.Status.FAILED, "reason": reason},
        )
        publish(topic="order", entity_id=order.pk)
        emit("delivery.failed", entity="delivery", entity_id=locked.pk, data=delivery_event_data(locked))
        notify(
            recipients=[order.owner_id],
            kind="sales.delivery_failed",
            title=format_lazy(gettext_lazy("Delivery of order {number} failed"), number=order.number),
            body=reason,
            url=order_url(order.pk),
            data={"order": order.pk, "delivery": locked.pk},
        )
    return locked
