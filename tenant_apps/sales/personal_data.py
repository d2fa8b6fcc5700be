"""What sales holds about a person (shared_apps.platform.personal_data): their quotations and
orders. Erasure anonymises the free text written about them (notes, feedback, the reasons that
name them); amounts, lines, times, statuses, channels and owners stay, and so does every figure."""

from __future__ import annotations

from shared_apps.platform import personal_data
from shared_apps.platform.personal_data import PLACEHOLDER, Erased, Person
from tenant_apps.sales.models import Delivery, Order, OrderLine, Quotation


def _export(customer_ids: tuple[int, ...]) -> dict:
    orders = Order.objects.filter(customer_id__in=customer_ids).order_by("signed_at", "pk")
    order_ids = [o.pk for o in orders]
    lines: dict[int, list] = {}
    for line in OrderLine.objects.filter(order_id__in=order_ids).order_by("pk"):
        lines.setdefault(line.order_id, []).append(
            {
                "sku": line.sku,
                "product_name": line.product_name,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
            }
        )
    deliveries: dict[int, list] = {}
    for d in Delivery.objects.filter(order_id__in=order_ids).order_by("pk"):
        deliveries.setdefault(d.order_id, []).append(
            {
                "kind": d.kind,
                "status": d.status,
                "carrier": d.carrier,
                "tracking_number": d.tracking_number,
                "shipped_at": d.shipped_at,
                "received_at": d.received_at,
            }
        )
    return {
        "quotations": list(
            Quotation.objects.filter(customer_id__in=customer_ids)
            .order_by("pk")
            .values("id", "number", "customer_id", "status", "amount", "notes", "decision_comment", "created_at")
        ),
        "orders": [
            {
                "id": o.pk,
                "number": o.number,
                "customer_id": o.customer_id,
                "status": o.status,
                "amount": o.amount,
                "signed_at": o.signed_at,
                "completed_at": o.completed_at,
                "channel": o.channel_id,
                "rating": o.rating,
                "feedback_comment": o.feedback_comment,
                "cancel_reason": o.cancel_reason,
                "notes": o.notes,
                "lines": lines.get(o.pk, []),
                "deliveries": deliveries.get(o.pk, []),
            }
            for o in orders
        ],
    }


def _erase(person: Person) -> list[Erased]:
    ids = person.customer_ids
    orders = list(Order.objects.filter(customer_id__in=ids).only("pk", "notes", "feedback_comment", "cancel_reason"))
    for order in orders:
        Order.objects.filter(pk=order.pk).update(
            notes=PLACEHOLDER if order.notes else "",
            feedback_comment=PLACEHOLDER if order.feedback_comment else "",
            cancel_reason=person.scrub(order.cancel_reason),
        )
    quotations = list(Quotation.objects.filter(customer_id__in=ids).only("pk", "notes", "decision_comment"))
    for quotation in quotations:
        Quotation.objects.filter(pk=quotation.pk).update(
            notes=PLACEHOLDER if quotation.notes else "", decision_comment=person.scrub(quotation.decision_comment)
        )
    return [
        Erased("sales.order", tuple(o.pk for o in orders), ("notes", "feedback_comment", "cancel_reason")),
        Erased("sales.quotation", tuple(q.pk for q in quotations), ("notes", "decision_comment")),
    ]


def register() -> None:
    personal_data.register("sales", exporter=_export, eraser=_erase)
