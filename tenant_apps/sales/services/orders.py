"""Contract orders: signing one (from a quotation or from lines), its pipeline, feedback."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess, can_see_owner
from shared_apps.platform.errors import ApprovalRequired, Conflict, InvalidTransition, NotFound, ValidationFailed
from shared_apps.platform.fields import parse_date, parse_id, parse_text, raise_errors
from tenant_apps.customers.selectors import customer_get_for_user
from tenant_apps.notifications.services import notify
from tenant_apps.outbox.services import publish
from tenant_apps.sales.error_codes import SalesErrorCode
from tenant_apps.sales.models import Delivery, Order, OrderEvent, OrderLine, Quotation
from tenant_apps.sales.rules import S, check_transition
from tenant_apps.sales.serializers import order_event_data
from tenant_apps.sales.services.catalogue import costs_in_effect, order_cost
from tenant_apps.sales.services.common import (
    COMMENT_MAX,
    NOTES_MAX,
    REASON_MAX,
    PricedLine,
    _next_number,
    _notify_ready_for_outbound,
    _parse_lines,
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


def _order_header(data: dict, errors: dict[str, list[str]]) -> dict:
    values: dict[str, Any] = {}
    mode = data.get("payment_mode")
    if mode not in Order.PaymentMode.values:
        errors["payment_mode"] = [_("prepaid or credit.")]
    values["payment_mode"] = mode
    due = parse_date(data.get("due_date"), field="due_date", errors=errors, required=mode == Order.PaymentMode.CREDIT)
    values["due_date"] = due if mode == Order.PaymentMode.CREDIT else None
    device = data.get("device") or Order.Device.UNKNOWN
    if device not in Order.Device.values:
        errors["device"] = [_("One of: %(values)s.") % {"values": ", ".join(Order.Device.values)}]
    values["device"] = device
    values["notes"] = parse_text(data.get("notes"), field="notes", errors=errors, max_length=NOTES_MAX)
    if "channel" in data and data.get("channel") not in (None, ""):
        values["channel"] = _resolve_channel(data.get("channel"), errors)
    return values


def _order_lines_from_quotation(quotation: Quotation) -> list[PricedLine]:
    return [
        PricedLine(line.product, line.quantity, line.unit_price, line.list_price)
        for line in quotation.lines.select_related("product__category").order_by("position", "pk")
    ]


def _orderable_quotation(value: Any, access: StoreAccess, errors: dict[str, list[str]]) -> Quotation:
    """The quotation an order is signed from, locked: one ``access`` sees, approved, sent or
    accepted, and without an order yet (the header's errors are raised first, with its own)."""
    quotation = (
        Quotation.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(pk=parse_id(value) or 0)
        .first()
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
        quotation = _orderable_quotation(data.get("quotation"), access, errors)
        lines = _order_lines_from_quotation(quotation)
        customer = _quotation_customer(quotation, access)
        values.setdefault("channel", quotation.channel)
    else:
        customer = _resolve_customer(data.get("customer"), access, errors)
        lines = _parse_lines(data.get("lines"), errors)
    raise_errors(errors)
    amount, list_amount, rate = _priced(lines, from_quotation=quotation is not None, access=access)
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
    _write_order_lines(order, lines, unit_costs)
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
    transaction.on_commit(lambda: delivery_received.send(sender=Delivery, delivery=delivery))


def _shipment(data: dict, errors: dict[str, list[str]]) -> tuple[str, str]:
    carrier = parse_text(data.get("carrier"), field="carrier", errors=errors, max_length=60)
    tracking = parse_text(data.get("tracking_number"), field="tracking_number", errors=errors, max_length=64)
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
    if to not in Order.Status.values:
        raise ValidationFailed(_("Unknown status."), errors={"to": [_("Unknown status.")]})
    check_transition(order, to, access)
    errors: dict[str, list[str]] = {}
    fields: list[str] = []
    message = ""
    event_data: dict[str, Any] = {}
    if to == S.CANCELLED:
        reason = parse_text(data.get("reason"), field="reason", errors=errors, max_length=REASON_MAX)
        if not reason and "reason" not in errors:
            errors["reason"] = [_("A reason is required.")]
        raise_errors(errors)
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
        raise_errors(errors)
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
    text = parse_text(comment, field="comment", errors=errors, max_length=COMMENT_MAX)
    raise_errors(errors)
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
