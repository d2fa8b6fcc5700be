"""Who may move an order or a delivery where: the tables the services enforce and the pages and the
API read (an order's allowed moves, the warehouse queue's next step). Pure rules: they look at a
status, a payment mode and the caller's permissions, never at the database.

An order's pipeline (models.py docstring): outbound (warehouse), shipment (warehouse, with carrier
and tracking number), receipt (sales or warehouse); a credit order not fully collected waits for
payment after receipt; an order is cancelled only before its goods leave.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import InvalidTransition
from tenant_apps.sales.models import Delivery, Order


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


def check_transition(order: Order, to: str, access: StoreAccess) -> Step:
    """The step that moves ``order`` to the status ``to``, or ``InvalidTransition`` (wrong state
    or wrong role)."""
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


# A delivery's steps: each status → the next one, and who may take it.
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
# The order's own delivery moves with its order: the order's step that each delivery step is.
ORDER_STEP_OF_DELIVERY = {
    Delivery.Status.OUTBOUND: S.PENDING_DELIVERY,
    Delivery.Status.SHIPPED: S.PENDING_RECEIPT,
    Delivery.Status.RECEIVED: S.COMPLETED,
}
