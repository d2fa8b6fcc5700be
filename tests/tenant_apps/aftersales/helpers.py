"""Helpers of the after-sales tests: orders written directly (tests/factories/sales.py) in the
ACTIVE store schema."""

from __future__ import annotations

from decimal import Decimal

from tests.factories.sales import make_customer, make_order, make_product


def shipped_order(owner, *, quantities=(5, 3), price: str = "100.00", collected: str | None = None, **fields):
    """A prepaid order whose goods have left the warehouse (pending receipt), one line per quantity,
    fully collected unless ``collected`` says otherwise."""
    customer = make_customer(owner=owner)
    lines = [(make_product(list_price=Decimal(price)), quantity, Decimal(price)) for quantity in quantities]
    amount = sum(Decimal(price) * q for q in quantities)
    fields.setdefault("status", "pending_receipt")
    fields.setdefault("payment_mode", "prepaid")
    order = make_order(
        customer=customer,
        owner=owner,
        lines=lines,
        collected=Decimal(collected) if collected is not None else amount,
        **fields,
    )
    # Kept so that ``items_of`` works outside the store's schema too (between API calls).
    order.line_ids = list(order.lines.order_by("position", "id").values_list("pk", flat=True))
    return order


def items_of(order, *quantities):
    """``[{"order_line", "quantity"}]`` for the order's lines in order, zero quantities left out."""
    ids = getattr(order, "line_ids", None) or list(order.lines.order_by("position", "id").values_list("pk", flat=True))
    return [{"order_line": pk, "quantity": q} for pk, q in zip(ids, quantities, strict=False) if q]


def notifications_of(user, kind: str | None = None):
    from tenant_apps.notifications.models import Notification

    qs = Notification.objects.filter(recipient_id=user.pk).order_by("created_at", "id")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs)


def lines_of(order, *quantities):
    """``items_of`` as the services take them: ``(order line, quantity)`` pairs."""
    return [(item["order_line"], item["quantity"]) for item in items_of(order, *quantities)]


def apply_case(access, order, *, at=None, **body):
    """An application as the API files it: the body read at the edge, then the service."""
    from tenant_apps.aftersales import services
    from tenant_apps.aftersales.inputs import CaseCreateSerializer

    return services.case_apply(access=access, at=at, **CaseCreateSerializer.read({"order": order.pk, **body}))
