"""What every sales write uses: the records an input names, priced lines, numbering, the order core
(lock, timeline, status moves, payment changes) that finance, after-sales and imports call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_list
from shared_apps.platform.errors import NotFound
from shared_apps.platform.fields import Errors
from tenant_apps.customers.selectors import customer_get_for_user
from tenant_apps.notifications.services import notify
from tenant_apps.outbox.services import emit, publish
from tenant_apps.sales.inputs import ChannelRef, LineInput
from tenant_apps.sales.models import Order, OrderEvent, Product
from tenant_apps.sales.serializers import order_event_data
from tenant_apps.workspace.selectors import channel_list, store_settings_get
from tenants.storetime import current_store, store_zone

MAX_AMOUNT = Decimal("999999999999.99")
RATE_PLACES = Decimal("0.0001")
CENT = Decimal("0.01")
DEFAULT_VALIDITY_DAYS = 15


def _members_with_role(*roles: str) -> list[int]:
    return list(
        member_list(store=current_store())
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


def _resolve_channel(channel: ChannelRef, errors: Errors):
    """The channel an input names by code or by id (``No such channel.`` under ``channel``)."""
    qs = channel_list()
    found = qs.filter(code=channel).first() if isinstance(channel, str) else qs.filter(pk=channel).first()
    if found is None:
        errors.setdefault("channel", []).append(_("No such channel."))
    return found


def _resolve_customer(customer_id: int, access: StoreAccess, errors: Errors):
    """The customer ``access`` may see (the selector's 404 message under ``customer``)."""
    try:
        return customer_get_for_user(customer_id=customer_id, access=access)
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


def _price_lines(lines: list[LineInput], errors: Errors) -> list[PricedLine]:
    """The lines priced against their products: each must exist and still be sold; their total
    must fit an amount (checked once everything else is right)."""
    products = {
        p.pk: p for p in Product.objects.filter(pk__in={line.product_id for line in lines}).select_related("category")
    }
    priced: list[PricedLine] = []
    for index, line in enumerate(lines):
        product = products.get(line.product_id)
        if product is None:
            errors.setdefault(f"lines.{index}.product", []).append(_("No such product."))
        elif not product.active:
            errors.setdefault(f"lines.{index}.product", []).append(_("This product is no longer sold."))
        else:
            priced.append(PricedLine(product, line.quantity, line.unit_price, product.list_price))
    if not errors and sum((line.amount for line in priced), Decimal("0.00")) > MAX_AMOUNT:
        errors.setdefault("lines", []).append(_("The total is too large."))
    return priced


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
    return OrderEvent.record(
        order,
        kind=kind,
        actor=actor,
        message=message,
        data=data,
        at=at,
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
