"""What after-sales holds about a person (shared_apps.platform.personal_data): the cases of their
orders. Erasure replaces the person's identifying values in the cases' free text; types, amounts,
statuses and times stay."""

from __future__ import annotations

from shared_apps.platform import personal_data
from shared_apps.platform.personal_data import Erased, Person
from tenant_apps.aftersales.models import Case

TEXT = ("reason", "decision_comment", "note")


def _export(customer_ids: tuple[int, ...]) -> dict:
    return {
        "cases": list(
            Case.objects.filter(order__customer_id__in=customer_ids)
            .order_by("created_at", "pk")
            .values("id", "order_id", "type", "status", "amount", *TEXT, "created_at", "completed_at")
        )
    }


def _erase(person: Person) -> list[Erased]:
    cases = list(Case.objects.filter(order__customer_id__in=person.customer_ids).only("pk", *TEXT))
    for case in cases:
        Case.objects.filter(pk=case.pk).update(**{name: person.scrub(getattr(case, name)) for name in TEXT})
    return [Erased("aftersales.case", tuple(c.pk for c in cases), TEXT)]


def register() -> None:
    personal_data.register("aftersales", exporter=_export, eraser=_erase)
