"""What the pool holds about a person (shared_apps.platform.personal_data): their releases and
claims, with reasons; erasure replaces the person's identifying values in those reasons."""

from __future__ import annotations

from shared_apps.platform import personal_data
from shared_apps.platform.personal_data import Erased, Person
from tenant_apps.pool.models import Claim, Release


def _export(customer_ids: tuple[int, ...]) -> dict:
    return {
        "releases": list(
            Release.objects.filter(customer_id__in=customer_ids)
            .order_by("at", "pk")
            .values("id", "customer_id", "cause", "reason", "at")
        ),
        "claims": list(
            Claim.objects.filter(customer_id__in=customer_ids)
            .order_by("pk")
            .values("id", "customer_id", "status", "reason", "decision_reason", "created_at")
        ),
    }


def _erase(person: Person) -> list[Erased]:
    releases = list(Release.objects.filter(customer_id__in=person.customer_ids).only("pk", "reason"))
    for release in releases:
        Release.objects.filter(pk=release.pk).update(reason=person.scrub(release.reason))
    claims = list(Claim.objects.filter(customer_id__in=person.customer_ids).only("pk", "reason", "decision_reason"))
    for claim in claims:
        Claim.objects.filter(pk=claim.pk).update(
            reason=person.scrub(claim.reason), decision_reason=person.scrub(claim.decision_reason)
        )
    return [
        Erased("pool.release", tuple(r.pk for r in releases), ("reason",)),
        Erased("pool.claim", tuple(c.pk for c in claims), ("reason", "decision_reason")),
    ]


def register() -> None:
    personal_data.register("pool", exporter=_export, eraser=_erase)
