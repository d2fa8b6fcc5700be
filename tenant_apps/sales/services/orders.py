"""Contract orders: signing one (from a quotation or from lines), its pipeline, feedback."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess, can_see_owner
from shared_apps.platform.commits import after_commit
from shared_apps.platform.errors import ApprovalRequired, Conflict, InvalidTransition, NotFound
from shared_apps.platform.fields import Errors, raise_errors
from tenant_apps.customers.selectors import customer_get_for_user
from tenant_apps.notifications.services import notify
from tenant_apps.outbox.services import publish
from tenant_apps.sales.error_codes import SalesErrorCode
from tenant_apps.sales.inputs import ChannelRef, LineInput
from tenant_apps.sales.models import Delivery, Order, OrderEvent, OrderLine, Quotation
from tenant_apps.sales.rules import S, check_transition
from tenant_apps.sales.serializers import order_event_data
from tenant_apps.sales.services.catalogue import costs_in_effect, order_cost
from tenant_apps.sales.services.common import (
    PricedLine,
    _next_number,
    _notify_ready_for_outbound,
    _price_lines,
    _resolve_channel,
    _resolve_customer,
    _set_status,
    discount_rate,
    needs_approval,
    order_event_add,
    order_lock,
    order_url,
)
from tenant_apps.sales.services.quotations import ORDERABLE_QUOTATION
from tenant_apps.sales.signals import delivery_received


def _order_lines_from_quotation(quotation: Quotation) -> list[PricedLine]:
    return [
        PricedLine(line.product, line.quantity, line.unit_price, line.list_price)
        for line in quotation.lines.select_related("product__category").order_by("position", "pk")
    ]


def _orderable_quotation(quotation_id: int, access: StoreAccess, errors: Errors) -> Quotation:
    """The quotation an order is signed from, locked: one ``access`` sees, approved, sent or
    accepted, and without an order yet (the errors gathered so far are raised with its own)."""
    quotation = (
        Quotation.objects.select_for_update(of=("self",)).select_related("customer").filter(pk=quotation_id).first()
    )
    if quotation is None or not can_see_owner(access, quotation.owner_id):
        errors["quotation"] = [_("No such quotation.")]
    raise_errors(errors)
    if quotation.status == Quotation.Status.PENDING_APPROVAL:
        raise ApprovalRequired(_("This quotation must be approved by a supervisor first."))
    if quotation.status not in ORDERABLE_QUOTATION:
        raise InvalidTransition(_("Only an approved, sent or accepted quotation can become an order."))
    if quotation.orders.exclude(status=Order.Status.CANCELLED).exists():
        raise Conflict(_("This quotation already has an order."))
    return quotation


def _quotation_customer(quotation: Quotation, access: StoreAccess):
    """The quotation's customer, or the one it was merged into."""
    customer = quotation.customer
    if customer.merged_into_id is not None:
        customer = customer_get_for_user(customer_id=customer.merged_into_id, access=access)
    return customer


def _priced(lines: list[PricedLine], *, from_quotation: bool, access: StoreAccess) -> tuple[Decimal, Decimal, Any]:
    """Amount, list amount and discount rate of the lines; an order made directly from lines with
    a discount below the threshold needs someone who may approve quotations."""
    amount = sum((line.amount for line in lines), Decimal("0.00"))
    list_amount = sum((line.list_amount for line in lines), Decimal("0.00"))
    rate = discount_rate(amount, list_amount)
    if not from_quotation and needs_approval(rate) and not access.can("quotations.approve"):
        raise ApprovalRequired(
            _("The discount rate %(rate)s is below the store's threshold: make a quotation and have it approved.")
            % {"rate": rate}
        )
    return amount, list_amount, rate


def _write_order_lines(order: Order, lines: list[PricedLine], unit_costs: dict[int, Decimal]) -> None:
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


def _accept_quotation(quotation: Quotation, at: datetime) -> None:
    if quotation.status != Quotation.Status.ACCEPTED:
        quotation.status = Quotation.Status.ACCEPTED
        quotation.accepted_at = at
        quotation.save(update_fields=["status", "accepted_at", "updated_at"])


@transaction.atomic
def order_create(
    *,
    access: StoreAccess,
    payment_mode: str,
    due_date: date | None = None,
    device: str = Order.Device.UNKNOWN,
    notes: str = "",
    channel: ChannelRef | None = None,
    quotation_id: int | None = None,
    customer_id: int | None = None,
    lines: list[LineInput] | None = None,
    at: datetime | None = None,
) -> Order:
    """A contract order from an approved/sent/accepted quotation (``quotation_id``: prices from it)
    or from ``lines`` for ``customer_id`` (the discount rule applies: below the threshold only
    someone who may approve quotations can sign it directly). ``due_date`` is a credit order's;
    without ``channel`` the order is in the quotation's, else the customer's, channel."""
    at = at or timezone.now()
    prepaid = payment_mode == Order.PaymentMode.PREPAID
    errors: Errors = {}
    values: dict[str, Any] = {
        "payment_mode": payment_mode,
        "due_date": None if prepaid else due_date,
        "device": device,
        "notes": notes,
    }
    if channel is not None:
        values["channel"] = _resolve_channel(channel, errors)
    quotation = None
    if quotation_id is not None:
        quotation = _orderable_quotation(quotation_id, access, errors)
        priced = _order_lines_from_quotation(quotation)
        customer = _quotation_customer(quotation, access)
        values.setdefault("channel", quotation.channel)
    else:
        customer = _resolve_customer(customer_id, access, errors)
        priced = _price_lines(lines or [], errors)
    raise_errors(errors)
    amount, list_amount, rate = _priced(priced, from_quotation=quotation is not None, access=access)
    if "channel" not in values:
        values["channel"] = customer.channel if customer.channel_id else None
    unit_costs = costs_in_effect((line.product.pk for line in priced), at=at)
    cost, lines_without_cost = order_cost((line.quantity, unit_costs.get(line.product.pk)) for line in priced)
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
    _write_order_lines(order, priced, unit_costs)
    if quotation is not None:
        _accept_quotation(quotation, at)
    order_event_add(order=order, kind=OrderEvent.Kind.CREATED, actor=access.user, at=at, to_status=order.status)
    publish(topic="order", entity_id=order.pk, event="order.created", data=order_event_data(order))
    if not prepaid:
        _notify_ready_for_outbound(order)
    return order


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
    after_commit(lambda: delivery_received.send(sender=Delivery, delivery=delivery))


def _require(**texts: tuple[str, str]) -> None:
    """Refuse the write when any of the named texts (``field=(text, message)``) is empty."""
    raise_errors({field: [message] for field, (text, message) in texts.items() if not text})


def _cancel(order: Order, *, reason: str, at: datetime) -> list[str]:
    _require(reason=(reason, _("A reason is required.")))
    order.cancelled_at = at
    order.cancel_reason = reason
    Delivery.objects.filter(order=order, status=Delivery.Status.PENDING).delete()
    return ["cancelled_at", "cancel_reason"]


def require_shipment(*, carrier: str, tracking_number: str) -> None:
    """A shipment names its carrier and its tracking number."""
    _require(
        carrier=(carrier, _("The carrier is required.")),
        tracking_number=(tracking_number, _("The tracking number is required.")),
    )


def _outbound(order: Order, *, at: datetime) -> Delivery:
    delivery = _original_delivery(order)
    delivery.status = Delivery.Status.OUTBOUND
    delivery.outbound_at = at
    delivery.save(update_fields=["status", "outbound_at"])
    return delivery


def _ship(order: Order, *, carrier: str, tracking_number: str, at: datetime) -> Delivery:
    require_shipment(carrier=carrier, tracking_number=tracking_number)
    delivery = _original_delivery(order)
    delivery.status = Delivery.Status.SHIPPED
    delivery.carrier = carrier
    delivery.tracking_number = tracking_number
    delivery.outbound_at = delivery.outbound_at or at
    delivery.shipped_at = at
    delivery.save(update_fields=["status", "carrier", "tracking_number", "outbound_at", "shipped_at"])
    order.shipped_at = at
    return delivery


def _receive(order: Order, *, at: datetime) -> tuple[str, list[str], Delivery]:
    """The receipt of the goods: the order's status after it (a credit order not fully collected
    awaits payment, any other completes) and the fields it sets."""
    delivery = _original_delivery(order)
    delivery.status = Delivery.Status.RECEIVED
    delivery.received_at = at
    delivery.save(update_fields=["status", "received_at"])
    order.received_at = at
    _send_received(delivery)
    if order.payment_mode == Order.PaymentMode.CREDIT and not order.fully_collected:
        return S.AWAITING_PAYMENT, ["received_at"], delivery
    order.completed_at = at
    return S.COMPLETED, ["received_at", "completed_at"], delivery


@transaction.atomic
def order_transition(
    *,
    order_id: int,
    access: StoreAccess,
    to: str,
    reason: str = "",
    carrier: str = "",
    tracking_number: str = "",
    at: datetime | None = None,
) -> Order:
    """Move an order one step by hand (the caller was shown the order through its selector): to
    ``cancelled`` with a ``reason``, to ``pending_receipt`` with ``carrier`` and ``tracking_number``.

    Wrong role or wrong current status → ``invalid_transition`` and nothing changes."""
    at = at or timezone.now()
    order = order_lock(order_id=order_id)
    if not can_see_owner(access, order.owner_id):
        raise NotFound(_("No such order."))
    check_transition(order, to, access)
    fields: list[str] = []
    message = ""
    event_data: dict[str, Any] = {}
    if to == S.CANCELLED:
        fields = _cancel(order, reason=reason, at=at)
        message = reason
    elif to == S.PENDING_DELIVERY:
        event_data = {"delivery": _outbound(order, at=at).pk}
    elif to == S.PENDING_RECEIPT:
        delivery = _ship(order, carrier=carrier, tracking_number=tracking_number, at=at)
        fields = ["shipped_at"]
        message = f"{carrier} {tracking_number}"
        event_data = {"delivery": delivery.pk, "carrier": carrier, "tracking_number": tracking_number}
    else:  # receipt
        to, fields, delivery = _receive(order, at=at)
        event_data = {"delivery": delivery.pk}
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
    *, order_id: int, access: StoreAccess, rating: int, comment: str = "", at: datetime | None = None
) -> Order:
    """The customer's rating (1-5) of a completed order, recorded once."""
    at = at or timezone.now()
    order = order_lock(order_id=order_id)
    if not can_see_owner(access, order.owner_id):
        raise NotFound(_("No such order."))
    if order.status != S.COMPLETED:
        raise Conflict(_("Feedback is recorded on completed orders only."), code=SalesErrorCode.FEEDBACK_NOT_ALLOWED)
    if order.rating is not None:
        raise Conflict(_("This order already has feedback."), code=SalesErrorCode.FEEDBACK_NOT_ALLOWED)
    order.rating = rating
    order.feedback_comment = comment
    order.feedback_at = at
    order.save(update_fields=["rating", "feedback_comment", "feedback_at", "updated_at"])
    order_event_add(
        order=order, kind=OrderEvent.Kind.FEEDBACK, actor=access.user, at=at, message=comment, data={"rating": rating}
    )
    publish(topic="order", entity_id=order.pk)
    return order
