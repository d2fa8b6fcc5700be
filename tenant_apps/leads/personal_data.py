"""What the leads app holds about a person (shared_apps.platform.personal_data): the leads attached
to their customer records and the leads that came from their contact ids (phone key, WeChat id,
platform chat id) without being attached. Erasure anonymises those leads: the name becomes
``[erased #<lead id>]``, the contact ids are emptied (``erased_at`` set), the message replaced and
the person's values replaced in the reason lost, and the reason lost erased from the leads' outbox
events (``lead.lost`` carries it). Channel, grade, province, times, status, owner,
the customer link and whether it was a new enquiry stay, so the enquiry figures read the same."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from shared_apps.platform import personal_data
from shared_apps.platform.personal_data import PLACEHOLDER, Erased, Person
from tenant_apps.customers import selectors as customer_selectors
from tenant_apps.leads.models import Lead
from tenant_apps.outbox.services import erase_payload_fields

CONTACT_FIELDS = ("mobile_normalized", "wechat_id", "platform_chat_id")
FIELDS = ("name", "mobile", *CONTACT_FIELDS, "message", "lost_reason")
# What the leads' outbox events (``lead.lost``) carry of the person: the reason lost.
EVENT_FIELDS = ("reason",)


def _leads(customer_ids: tuple[int, ...], contact_ids: set[str]) -> Q:
    matches = Q(customer_id__in=customer_ids)
    values = sorted(value for value in contact_ids if value)
    if values:
        for name in CONTACT_FIELDS:
            matches |= Q(**{f"{name}__in": values})
    return matches


def _export(customer_ids: tuple[int, ...]) -> dict:
    contact_ids = customer_selectors.contact_ids(customer_ids=customer_ids)
    return {
        "leads": list(
            Lead.objects.filter(_leads(customer_ids, contact_ids))
            .order_by("received_at", "pk")
            .values(
                "id",
                "customer_id",
                "channel_id",
                "name",
                "mobile",
                "wechat_id",
                "platform_chat_id",
                "message",
                "source",
                "grade",
                "province",
                "received_at",
                "status",
                "owner_id",
                "contacted_at",
                "lost_reason",
                "closed_at",
                "created_at",
                "erased_at",
            )
        )
    }


def _erase(person: Person) -> list[Erased]:
    at = timezone.now()
    leads = list(
        Lead.objects.filter(_leads(person.customer_ids, set(person.values))).only("pk", "message", "lost_reason")
    )
    for lead in leads:
        Lead.objects.filter(pk=lead.pk).update(
            name=f"{PLACEHOLDER[:-1]} #{lead.pk}]",
            mobile="",
            mobile_normalized="",
            wechat_id="",
            platform_chat_id="",
            message=PLACEHOLDER if lead.message else "",
            lost_reason=person.scrub(lead.lost_reason),
            erased_at=at,
        )
    # The events published for HQ carry the reason a lead was lost: erased with the lead.
    erase_payload_fields(
        topic="lead", entity_ids=[lead.pk for lead in leads], fields=EVENT_FIELDS, placeholder=PLACEHOLDER
    )
    return [Erased("leads.lead", tuple(lead.pk for lead in leads), FIELDS)]


def register() -> None:
    personal_data.register("leads", exporter=_export, eraser=_erase)
