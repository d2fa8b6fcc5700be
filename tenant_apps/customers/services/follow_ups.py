"""Follow-ups: recording one (with its attachments) and the reminders of those due."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import NotFound, ValidationFailed
from tenant_apps.customers import files
from tenant_apps.customers.models import Customer, FollowUp, FollowUpAttachment
from tenant_apps.customers.services.common import _parse_time, _require, _require_works_on
from tenant_apps.notifications.services import notify
from tenant_apps.outbox.services import publish
from tenants.storetime import store_zone

CONTENT_MAX_LENGTH = 5000
OUTCOME_MAX_LENGTH = 300
REMINDER_BATCH = 500


def follow_up_add(
    *,
    customer: Customer,
    access: StoreAccess,
    kind: str,
    content: str,
    outcome: str = "",
    next_follow_up_at: datetime | str | None = None,
    at: datetime | None = None,
    attachments: Any = (),
) -> FollowUp:
    """Record a follow-up and move the customer's last / next follow-up (row lock on the customer).

    ``at`` is when it happened (default now); a back-dated follow-up older than the customer's
    last one is recorded without moving its dates. A follow-up recorded by the return-visit
    deadline of a claim clears that deadline (the customer is kept).
    """
    _require(access, "followups.create")
    at = at or timezone.now()
    content, outcome, next_at = _clean_follow_up(
        kind=kind, content=content, outcome=outcome, next_follow_up_at=next_follow_up_at, at=at
    )
    checked_files = files.check_attachments(attachments)

    with transaction.atomic():
        locked = Customer.objects.select_for_update(of=("self",)).filter(pk=customer.pk).first()
        if locked is None or locked.merged_into_id is not None:
            raise NotFound(_("No such customer."))
        _require_works_on(access, locked)  # ownership may have changed since the page was loaded
        follow_up = FollowUp.objects.create(
            customer=locked,
            author_id=access.user.pk,
            kind=kind,
            content=content,
            outcome=outcome,
            next_follow_up_at=next_at,
            created_at=at,
        )
        for item in checked_files:
            _attach(follow_up, item)
        fields: list[str] = []
        if locked.last_follow_up_at is None or at >= locked.last_follow_up_at:
            locked.last_follow_up_at = at
            locked.next_follow_up_at = next_at
            fields += ["last_follow_up_at", "next_follow_up_at"]
        if locked.return_visit_deadline is not None and at <= locked.return_visit_deadline:
            locked.return_visit_deadline = None
            fields.append("return_visit_deadline")
        if fields:
            locked.save(update_fields=[*fields, "updated_at"])
        publish(topic="follow_up", entity_id=follow_up.pk)
    customer.last_follow_up_at = locked.last_follow_up_at
    customer.next_follow_up_at = locked.next_follow_up_at
    customer.return_visit_deadline = locked.return_visit_deadline
    return follow_up


def _clean_follow_up(
    *, kind: str, content: Any, outcome: Any, next_follow_up_at: Any, at: datetime
) -> tuple[str, str, datetime | None]:
    """The follow-up's content, outcome and next follow-up time, checked; raises ValidationFailed
    with every error at once."""
    errors: dict[str, list[str]] = {}
    if kind not in FollowUp.Kind.values:
        errors["kind"] = [_("One of: %(kinds)s.") % {"kinds": ", ".join(FollowUp.Kind.values)}]
    content = (content or "").strip() if isinstance(content, str) or content is None else None
    if not content:
        errors["content"] = [_("Say what happened.")]
    elif len(content) > CONTENT_MAX_LENGTH:
        errors["content"] = [_("At most %(max)d characters.") % {"max": CONTENT_MAX_LENGTH}]
    outcome = (outcome or "").strip() if isinstance(outcome, str) or outcome is None else None
    if outcome is None or len(outcome) > OUTCOME_MAX_LENGTH:
        errors["outcome"] = [_("At most %(max)d characters.") % {"max": OUTCOME_MAX_LENGTH}]
    next_at = None
    if next_follow_up_at not in (None, ""):
        try:
            next_at = _parse_time(next_follow_up_at)
        except (TypeError, ValueError):
            errors["next_follow_up_at"] = [_("A date and time, such as 2025-03-01T09:00+08:00.")]
        else:
            if next_at <= at:
                errors["next_follow_up_at"] = [_("The next follow-up must be later than this one.")]
    if errors:
        raise ValidationFailed(_("Invalid follow-up."), errors=errors)
    return content, outcome, next_at  # type: ignore[return-value]


def _attach(follow_up: FollowUp, item) -> FollowUpAttachment:
    return FollowUpAttachment.upload(item, follow_up=follow_up)


def follow_up_reminders_send(*, at: datetime) -> int:
    """Notify each owner once for each customer whose next follow-up is due at ``at``.

    Idempotent: a customer is reminded for a given ``next_follow_up_at`` once (``reminded_for``);
    concurrent runs skip the rows another run holds. Returns how many reminders were sent.
    """
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(
                Customer.objects.live()
                .filter(owner__isnull=False, next_follow_up_at__lte=at)
                .filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("next_follow_up_at")))
                .select_for_update(skip_locked=True, of=("self",))
                .only("id", "name", "owner_id", "next_follow_up_at")
                .order_by("pk")[:REMINDER_BATCH]
            )
            if not batch:
                break
            tz = store_zone()
            for customer in batch:
                due = timezone.localtime(customer.next_follow_up_at, tz)
                notify(
                    recipients=[customer.owner_id],
                    kind="customers.follow_up_due",
                    title=format_lazy(gettext_lazy("Follow-up due: {name}"), name=customer.name),
                    body=format_lazy(
                        gettext_lazy("The next follow-up with {name} was planned for {due}."),
                        name=customer.name,
                        due=due.strftime("%Y-%m-%d %H:%M"),
                    ),
                    url=f"/customers/{customer.pk}/",
                    data={"customer": customer.pk, "due": customer.next_follow_up_at.isoformat()},
                )
            Customer.objects.filter(pk__in=[c.pk for c in batch]).update(reminded_for=F("next_follow_up_at"))
            sent += len(batch)
        if len(batch) < REMINDER_BATCH:
            break
    return sent
