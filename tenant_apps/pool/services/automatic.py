"""Automatic releases: the deadlines of an owned customer, releases when they pass, the return
of unvisited customers and the warnings before."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, DurationField, F, Q, Value, When
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from tenant_apps.customers.models import Customer
from tenant_apps.notifications.services import notify
from tenant_apps.pool.models import Release
from tenant_apps.pool.policies import PoolPolicy, pool_policies
from tenant_apps.pool.services.common import AUTOMATIC_CAUSES, _do_release, _local_text, _notify_released, customer_url

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deadline:
    cause: str
    at: datetime


def visited_since_claim(customer: Customer) -> bool:
    """A follow-up after the customer became the owner's counts as the return visit."""
    last = customer.last_follow_up_at
    return last is not None and (customer.owner_since is None or last > customer.owner_since)


def automatic_deadlines(customer: Customer, policy: PoolPolicy) -> list[Deadline]:
    """The moments at which an owned customer goes back to the pool unless followed up.

    * overdue: the next follow-up (when it was not done yet) plus the grace period;
    * idle: the last follow-up, or the start of ownership, plus the maximum idle days;
    * return_deadline: the return-visit deadline set at a claim, unless visited since.
    """
    if customer.owner_id is None or customer.merged_into_id is not None:
        return []
    deadlines = []
    if customer.return_visit_deadline is not None and not visited_since_claim(customer):
        deadlines.append(Deadline(Release.Cause.RETURN_DEADLINE, customer.return_visit_deadline))
    nxt, last = customer.next_follow_up_at, customer.last_follow_up_at
    if nxt is not None and (last is None or last < nxt):
        deadlines.append(Deadline(Release.Cause.OVERDUE, nxt + timedelta(days=policy.grace_days)))
    base = max(moment for moment in (last, customer.owner_since, customer.created_at) if moment is not None)
    deadlines.append(Deadline(Release.Cause.IDLE, base + timedelta(days=policy.max_idle_days)))
    return sorted(deadlines, key=lambda d: d.at)


def _days_case(policies: dict[str, PoolPolicy], field: str) -> Case:
    return Case(
        *[When(grade=grade, then=Value(timedelta(days=getattr(p, field)))) for grade, p in policies.items() if grade],
        default=Value(timedelta(days=getattr(policies[""], field))),
        output_field=DurationField(),
    )


_NOT_FOLLOWED_UP = Q(next_follow_up_at__isnull=False) & (
    Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lt=F("next_follow_up_at"))
)
_NOT_VISITED = Q(return_visit_deadline__isnull=False) & (
    Q(last_follow_up_at__isnull=True) | Q(owner_since__isnull=False, last_follow_up_at__lte=F("owner_since"))
)


def _owned_with_deadlines(policies: dict[str, PoolPolicy]):
    """Owned live customers annotated with their automatic deadlines (null when not applicable)."""
    return (
        Customer.objects.live()
        .filter(owner__isnull=False)
        .annotate(
            overdue_deadline=Case(
                When(_NOT_FOLLOWED_UP, then=F("next_follow_up_at") + _days_case(policies, "grace_days")),
                default=None,
            ),
            idle_deadline=Greatest("last_follow_up_at", "owner_since", "created_at")
            + _days_case(policies, "max_idle_days"),
            return_deadline=Case(When(_NOT_VISITED, then=F("return_visit_deadline")), default=None),
        )
    )


def _each_locked(ids, handle) -> dict[str, int]:
    """Lock each customer (skipping those another run holds) and let ``handle`` re-check and act."""
    counts: dict[str, int] = {}
    for pk in ids:
        with transaction.atomic():
            customer = (
                Customer.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk, owner__isnull=False, merged_into__isnull=True)
                .first()
            )
            if customer is None:
                continue
            outcome = handle(customer)
            if outcome:
                counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _release_once(customer: Customer, deadline: Deadline, at: datetime) -> bool:
    try:
        with transaction.atomic():
            release = _do_release(customer=customer, cause=deadline.cause, deadline=deadline.at, at=at)
    except IntegrityError:  # already recorded for this deadline: never twice
        logger.warning("release of customer %s (%s, %s) already recorded", customer.pk, deadline.cause, deadline.at)
        return False
    _notify_released(release, customer)
    return True


def release_due_customers(*, at: datetime | None = None) -> dict[str, int]:
    """Job ``pool.release``: owned customers past their overdue or idle deadline go to the pool."""
    at = at or timezone.now()
    policies = pool_policies()
    ids = list(
        _owned_with_deadlines(policies)
        .filter(Q(overdue_deadline__lt=at) | Q(idle_deadline__lt=at))
        .order_by("pk")
        .values_list("pk", flat=True)
    )

    def handle(customer: Customer) -> str | None:
        policy = policies.get(customer.grade, policies[""])
        due = [d for d in automatic_deadlines(customer, policy) if d.cause in AUTOMATIC_CAUSES and d.at < at]
        if not due:
            return None
        return str(due[0].cause) if _release_once(customer, due[0], at) else None

    counts = _each_locked(ids, handle)
    return {"released": sum(counts.values()), **counts}


def return_unvisited_customers(*, at: datetime | None = None) -> dict[str, int]:
    """Job ``pool.return_deadline``: a claimed customer with no follow-up by the return-visit
    deadline goes back to the pool; a visited one has its deadline cleared."""
    at = at or timezone.now()
    ids = list(
        Customer.objects.live()
        .filter(owner__isnull=False, return_visit_deadline__isnull=False)
        .filter(~_NOT_VISITED | Q(return_visit_deadline__lt=at))
        .order_by("pk")
        .values_list("pk", flat=True)
    )

    def handle(customer: Customer) -> str | None:
        if customer.return_visit_deadline is None:
            return None
        if visited_since_claim(customer):
            customer.return_visit_deadline = None
            customer.save(update_fields=["return_visit_deadline", "updated_at"])
            return "visited"
        if customer.return_visit_deadline < at:
            deadline = Deadline(Release.Cause.RETURN_DEADLINE, customer.return_visit_deadline)
            return "released" if _release_once(customer, deadline, at) else None
        return None

    counts = _each_locked(ids, handle)
    return {"released": counts.get("released", 0), "visited": counts.get("visited", 0)}


def send_release_warnings(*, at: datetime | None = None) -> dict[str, int]:
    """Job ``pool.release_warnings``: warn owners ``release_warning_days`` before the earliest
    automatic release, once per deadline (``customer.release_warned_for``). A return-visit
    deadline is announced as "return visit due soon"."""
    at = at or timezone.now()
    policies = pool_policies()
    warning = timedelta(days=policies[""].release_warning_days)
    if not warning:
        return {"warned": 0}
    ids = list(
        _owned_with_deadlines(policies)
        .annotate(earliest=Least("overdue_deadline", "idle_deadline", "return_deadline"))
        .filter(earliest__gt=at, earliest__lte=at + warning)
        .filter(Q(release_warned_for__isnull=True) | ~Q(release_warned_for=F("earliest")))
        .order_by("pk")
        .values_list("pk", flat=True)
    )

    def handle(customer: Customer) -> str | None:
        policy = policies.get(customer.grade, policies[""])
        deadlines = automatic_deadlines(customer, policy)
        if not deadlines:
            return None
        first = deadlines[0]
        if not (at < first.at <= at + warning) or customer.release_warned_for == first.at:
            return None
        if first.cause == Release.Cause.RETURN_DEADLINE:
            kind = "pool.return_visit_due"
            title = format_lazy(gettext_lazy("Return visit due soon: {name}"), name=customer.name)
            body = format_lazy(
                gettext_lazy("Record a follow-up before {deadline}, or {name} returns to the shared pool."),
                deadline=_local_text(first.at),
                name=customer.name,
            )
        else:
            kind = "pool.release_warning"
            title = format_lazy(gettext_lazy("{name} will return to the shared pool soon"), name=customer.name)
            body = format_lazy(
                gettext_lazy("Record a follow-up before {deadline} to keep this customer."),
                deadline=_local_text(first.at),
            )
        notify(
            recipients=[customer.owner_id],
            kind=kind,
            title=title,
            body=body,
            url=customer_url(customer.pk),
            data={"customer": customer.pk, "cause": first.cause, "deadline": first.at.isoformat()},
        )
        customer.release_warned_for = first.at
        customer.save(update_fields=["release_warned_for"])
        return "warned"

    counts = _each_locked(ids, handle)
    return {"warned": counts.get("warned", 0)}
