"""A customer's personal data (PIPL): everything held about the person, and its erasure.

``personal_data_export`` gathers the sections of every app registered in
``shared_apps.platform.personal_data`` (this app's: the profile, follow-ups, merges). ``customer_erase``
anonymises the person everywhere in one transaction: the customer and the records merged into it
(name, company, phone and chat ids, address, city, intention note), follow-up text, merge
snapshots, then what every registered app holds (order and quotation notes, invoice addresses,
notification texts...), then the action log's copies of every value it anonymised. Nothing that a
figure reads changes (amounts, times, statuses, channels, owners, provinces, grades), so the Data
Kanban and HQ read the same before and after. Both are recorded in the action log.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform import personal_data
from shared_apps.platform.errors import Conflict, NotFound, PermissionDenied
from shared_apps.platform.personal_data import PLACEHOLDER, Erased, Person
from tenant_apps.audit import services as audit
from tenant_apps.customers.models import Customer, CustomerMerge, FollowUp
from tenant_apps.outbox.services import publish_many
from tenants.storetime import current_store

PERMISSION = "customers.personal_data"
PROFILE_FIELDS = (
    "name",
    "company",
    "mobile",
    "mobile_normalized",
    "wechat_id",
    "platform_chat_id",
    "city",
    "address",
    "intention_note",
)
FOLLOW_UP_FIELDS = ("content", "outcome")


def _require(access: StoreAccess) -> None:
    if not access.can(PERMISSION):
        raise PermissionDenied(_("Only store admins handle personal data."))


def _records(customer: Customer) -> list[int]:
    return [
        customer.pk,
        *Customer.objects.filter(merged_into_id=customer.pk).order_by("pk").values_list("pk", flat=True),
    ]


# --- this app's section ----------------------------------------------------------------------------


def _export(customer_ids: tuple[int, ...]) -> dict[str, Any]:
    customers = Customer.objects.filter(pk__in=customer_ids).prefetch_related("tags").order_by("pk")
    return {
        "profiles": [
            {
                "id": c.pk,
                **{name: getattr(c, name) for name in PROFILE_FIELDS},
                "province": c.province,
                "channel": c.channel_id,
                "grade": c.grade,
                "tags": [tag.name for tag in c.tags.all()],
                "product_preferences": c.product_preferences,
                "intention_level": c.intention_level,
                "owner": c.owner_id,
                "created_at": c.created_at,
                "merged_into": c.merged_into_id,
                "erased_at": c.erased_at,
            }
            for c in customers
        ],
        "follow_ups": list(
            FollowUp.objects.filter(customer_id__in=customer_ids)
            .order_by("created_at", "pk")
            .values("id", "customer_id", "author_id", "kind", "content", "outcome", "next_follow_up_at", "created_at")
        ),
        "merges": list(
            CustomerMerge.objects.filter(survivor_id__in=customer_ids)
            .order_by("at", "pk")
            .values("id", "survivor_id", "merged_id", "at", "snapshot")
        ),
    }


def _erase(person: Person) -> list[Erased]:
    ids = person.customer_ids
    for pk in ids:
        Customer.objects.filter(pk=pk).update(
            name=f"{PLACEHOLDER[:-1]} #{pk}]",
            company="",
            mobile="",
            mobile_normalized="",
            wechat_id="",
            platform_chat_id="",
            city="",
            address="",
            intention_note="",
        )
    follow_ups = list(FollowUp.objects.filter(customer_id__in=ids).values_list("pk", flat=True))
    FollowUp.objects.filter(pk__in=follow_ups).update(content=PLACEHOLDER, outcome="")
    merges = list(
        CustomerMerge.objects.filter(survivor_id__in=ids).union(CustomerMerge.objects.filter(merged_id__in=ids))
    )
    CustomerMerge.objects.filter(pk__in=[m.pk for m in merges]).update(snapshot={})
    return [
        Erased("customers.customer", ids, PROFILE_FIELDS),
        Erased("customers.followup", tuple(follow_ups), FOLLOW_UP_FIELDS),
        Erased("customers.customermerge", tuple(m.pk for m in merges), ("snapshot",)),
    ]


def register() -> None:
    personal_data.register("customers", exporter=_export, eraser=_erase)


# --- the two actions -------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """Amounts as decimal strings, like every amount of the API."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def personal_data_export(*, customer: Customer, access: StoreAccess) -> dict[str, Any]:
    """Everything the store holds about the person (the customer and the records merged into it)."""
    _require(access)
    ids = tuple(_records(customer))
    body: dict[str, Any] = {"customer": customer.pk, "records": list(ids), "exported_at": timezone.now()}
    for holder in personal_data.holders():
        if holder.exporter is not None:
            body[holder.key] = _jsonable(holder.exporter(ids))
    audit.record_event(action="export", object_type="customers.customer", object_id=customer.pk)
    return body


def customer_erase(*, customer: Customer, access: StoreAccess) -> Customer:
    """Anonymise the person's personal data everywhere in the store; orders and figures stay."""
    _require(access)
    at = timezone.now()
    with transaction.atomic():
        locked = Customer.objects.select_for_update(of=("self",)).filter(pk=customer.pk).first()
        if locked is None or locked.merged_into_id is not None:
            raise NotFound(_("No such customer."))
        if locked.erased_at is not None:
            raise Conflict(
                _("This customer's personal data was already erased."),
                code="already_erased",
                extra={"erased_at": locked.erased_at.isoformat()},
            )
        ids = tuple(_records(locked))
        held = Customer.objects.filter(pk__in=ids).values_list(*PROFILE_FIELDS)
        values = {value for row in held for value in row if isinstance(value, str) and len(value.strip()) >= 2}
        person = Person(customer_ids=ids, values=tuple(values))
        erased: list[Erased] = []
        for holder in personal_data.holders():
            if holder.eraser is not None:
                erased += list(holder.eraser(person))
        Customer.objects.filter(pk__in=ids).update(erased_at=at)
        audit.record_event(action="erase", object_type="customers.customer", object_id=locked.pk)
        for item in erased:
            audit.anonymise(
                object_type=item.object_type, object_ids=item.ids, fields=item.fields, placeholder=PLACEHOLDER
            )
        publish_many(topic="customer", entity_ids=list(ids))
        # In the same transaction: HQ forgets what the store published about the person with it.
        personal_data.customer_erased.send(sender=Customer, store=current_store(), customer_ids=ids)
    customer.refresh_from_db()
    return customer
