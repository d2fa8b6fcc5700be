"""Deliveries after-sales asks for (exchange, reissue), their steps and failures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.roles import StoreRole
from shared_apps.platform.errors import InvalidTransition, NotFound, ValidationFailed
from shared_apps.platform.fields import parse_id
from tenant_apps.notifications.services import notify
from tenant_apps.outbox.services import emit, publish
from tenant_apps.sales.models import Delivery, Order, OrderEvent
from tenant_apps.sales.rules import DELIVERY_NEXT, DELIVERY_PERMISSION, ORDER_STEP_OF_DELIVERY
from tenant_apps.sales.serializers import delivery_event_data
from tenant_apps.sales.services.common import _actor_id, _members_with_role, order_event_add, order_url
from tenant_apps.sales.services.orders import _send_received, order_transition, require_shipment

# --- deliveries -----------------------------------------------------------------------------------


def _clean_items(order: Order, items: Any) -> list[dict]:
    lines = dict(order.lines.values_list("pk", "quantity"))
    if not isinstance(items, list) or not items:
        raise ValidationFailed(
            _("At least one item is required."), errors={"items": [_("At least one item is required.")]}
        )
    cleaned = []
    for index, item in enumerate(items):
        line = parse_id(item.get("order_line")) if isinstance(item, dict) else None
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
                carrier=carrier,
                tracking_number=tracking_number,
                at=at,
            )
            locked.refresh_from_db()
            return locked
        fields = ["status"]
        if to == Delivery.Status.SHIPPED:
            require_shipment(carrier=carrier, tracking_number=tracking_number)
            locked.carrier, locked.tracking_number = carrier, tracking_number
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


def delivery_fail(*, delivery: Delivery, reason: str, access: StoreAccess, at: datetime | None = None) -> Delivery:
    """Mark a delivery that left the warehouse as failed (lost, refused, returned), with the reason.

    The order's owner is told (``sales.delivery_failed``); the order's history records it.
    """
    at = at or timezone.now()
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
