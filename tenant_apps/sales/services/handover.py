"""Customers' sales changing hands: a merge of two customers, a handover to another owner."""

from __future__ import annotations

from django.utils import timezone

from tenant_apps.outbox.services import publish_many
from tenant_apps.sales.models import Order, Quotation


def merge_customer_sales(*, survivor, merged) -> dict:
    """Move the merged customer's quotations and orders to the survivor (inside the merge)."""
    order_ids = list(Order.objects.filter(customer_id=merged.pk).values_list("pk", flat=True))
    quotations = Quotation.objects.filter(customer_id=merged.pk).update(customer_id=survivor.pk)
    Order.objects.filter(pk__in=order_ids).update(customer_id=survivor.pk, updated_at=timezone.now())
    if order_ids:
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
