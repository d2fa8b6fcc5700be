"""What finance holds about a person (shared_apps.platform.personal_data): the payments of their
orders and their invoices. Erasure anonymises the invoices' mailing address and the free text that
names them; amounts, statuses and times stay (the tax number and the invoice title, when it is
not the person's name, are kept as accounting records)."""

from __future__ import annotations

from shared_apps.platform import personal_data
from shared_apps.platform.personal_data import PLACEHOLDER, Erased, Person
from tenant_apps.finance.models import Invoice, Payment


def _export(customer_ids: tuple[int, ...]) -> dict:
    return {
        "payments": list(
            Payment.objects.filter(order__customer_id__in=customer_ids)
            .order_by("created_at", "pk")
            .values("id", "order_id", "kind", "amount", "method", "status", "note", "created_at", "confirmed_at")
        ),
        "invoices": list(
            Invoice.objects.filter(order__customer_id__in=customer_ids)
            .order_by("pk")
            .values("id", "order_id", "invoice_type", "status", "title", "tax_number", "amount", "address", "note")
        ),
    }


def _erase(person: Person) -> list[Erased]:
    payments = list(
        Payment.objects.filter(order__customer_id__in=person.customer_ids).only("pk", "note", "reject_reason")
    )
    for payment in payments:
        Payment.objects.filter(pk=payment.pk).update(
            note=person.scrub(payment.note), reject_reason=person.scrub(payment.reject_reason)
        )
    invoices = list(
        Invoice.objects.filter(order__customer_id__in=person.customer_ids).only("pk", "title", "address", "note")
    )
    for invoice in invoices:
        Invoice.objects.filter(pk=invoice.pk).update(
            title=person.scrub(invoice.title), address=PLACEHOLDER, note=person.scrub(invoice.note)
        )
    return [
        Erased("finance.payment", tuple(p.pk for p in payments), ("note", "reject_reason")),
        Erased("finance.invoice", tuple(i.pk for i in invoices), ("title", "address", "note")),
    ]


def register() -> None:
    personal_data.register("finance", exporter=_export, eraser=_erase)
