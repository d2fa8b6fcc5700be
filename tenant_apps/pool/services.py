"""Writes of the shared pool: releases, claims and their decisions, and the automatic jobs.

Lock order, the same everywhere so that two writers never wait on each other in a cycle:
the applicant's advisory lock (claims filed or approved for one salesperson, so that the cap and
the daily limit cannot be passed by two requests at once), then the customer row, then claim rows.
The jobs lock each customer with ``SKIP LOCKED`` and check it again before acting, so two runs at
once (or a run and a person) never release a customer twice.

Every function takes ``at`` (None means now): the moment the action happens, used for the
records and for the rules ("today", cooldowns, deadlines).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, DurationField, F, Q, Value, When
from django.db.models.functions import Greatest, Least
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import can_see_owner, resolve_store_access
from shared_apps.accounts.approvals import check_approver
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_list
from shared_apps.platform.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tenant_apps.customers.models import Customer
from tenant_apps.customers.serializers import customer_event_data
from tenant_apps.notifications.services import notify
from tenant_apps.outbox.services import emit, publish, publish_many
from tenant_apps.pool.error_codes import PoolErrorCode
from tenant_apps.pool.models import Claim, GradePolicy, Release
from tenant_apps.pool.policies import (
    GRADES,
    OVERRIDABLE_FIELDS,
    PoolPolicy,
    grade_overrides,
    pool_policies,
    pool_policy,
)
from tenant_apps.workspace.services import SETTINGS_INT_LIMITS
from tenants.models import Store
from tenants.storetime import current_store, local_day_bounds, local_text

logger = logging.getLogger(__name__)

# The decision reason of a claim that lost to another one (product.md 3.2), kept in English in the
# record and translated when shown.
CLAIMED_BY_ANOTHER = "claimed by another"
RELEASE_REASON_MAX = 300
CLAIM_REASON_MAX = 500
AUTOMATIC_CAUSES = (Release.Cause.OVERDUE, Release.Cause.IDLE)
STORE_URLCONF = settings.ROOT_URLCONF  # the store hosts' urlconf (the HQ host has its own)

CUSTOMER_RESET_FIELDS = [
    "owner",
    "owner_since",
    "return_visit_deadline",
    "released_at",
    "next_follow_up_at",
    "reminded_for",
    "release_warned_for",
    "updated_at",
]


# --- helpers --------------------------------------------------------------------------------------


def _current_store() -> Store:
    return current_store()


def _local_text(moment: datetime) -> str:
    return local_text(moment)


def customer_url(customer_id: int) -> str:
    """The customer's page (store urlconf, also from jobs where no request chose it)."""
    return reverse("customers:detail", args=[customer_id], urlconf=STORE_URLCONF)


def _claims_url() -> str:
    return reverse("pool:claims", urlconf=STORE_URLCONF)


def _clean_reason(value, *, field: str, max_length: int) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if not text:
        raise ValidationFailed(_("A reason is required."), errors={field: [_("A reason is required.")]})
    if len(text) > max_length:
        message = _("At most %(max)d characters.") % {"max": max_length}
        raise ValidationFailed(message, errors={field: [message]})
    return text


def _lock_applicant(user_id: int) -> None:
    """Serialise the claims of one applicant in this store (cap and daily limit)."""
    with connection.cursor() as cursor:
        key = f"pool-claims:{connection.schema_name}:{user_id}"
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])


def _lock_customer(customer_id) -> Customer:
    try:
        customer_id = int(customer_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such customer.")) from None
    customer = Customer.objects.select_for_update(of=("self",)).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("No such customer."))
    if customer.merged_into_id is not None:
        raise NotFound(
            _("This customer was merged into customer %(id)d.") % {"id": customer.merged_into_id},
            extra={"merged_into": customer.merged_into_id},
        )
    return customer


def _claim_ref(claim_id) -> dict:
    try:
        claim_id = int(claim_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such claim.")) from None
    ref = Claim.objects.filter(pk=claim_id).values("pk", "customer_id", "applicant_id").first()
    if ref is None:
        raise NotFound(_("No such claim."))
    return ref


def _lock_claim(claim_id: int, customer_id: int) -> Claim:
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    if claim.customer_id != customer_id:  # moved by a merge meanwhile
        raise Conflict(_("The claim changed meanwhile. Please try again."))
    return claim


def _already_decided(claim: Claim) -> InvalidTransition:
    status = Claim.Status(claim.status).label
    return InvalidTransition(
        _("This claim was already decided (%(status)s).") % {"status": status}, extra={"claim_status": claim.status}
    )


def _approvers_of(*, store: Store, applicant_id: int) -> list[int]:
    """Who decides ``applicant``'s claims: their team supervisor, else every supervisor and admin."""
    members = member_list(store=store).filter(is_active=True)
    own = members.filter(user_id=applicant_id).first()
    if own is not None and own.supervisor_id is not None:
        active_supervisor = members.filter(user_id=own.supervisor_id).exists()
        if active_supervisor:
            return [own.supervisor_id]
    return list(
        members.filter(role__in=[StoreRole.SUPERVISOR, StoreRole.ADMIN])
        .exclude(user_id=applicant_id)
        .values_list("user_id", flat=True)
    )


def _require_member(*, store: Store, user_id: int) -> None:
    if not member_list(store=store).filter(user_id=user_id, is_active=True).exists():
        raise PermissionDenied(_("Only members of this store can own its customers."))


def _owned_count(user_id: int) -> int:
    return Customer.objects.live().filter(owner_id=user_id).count()


def _cap_error(*, cap: int, owned: int, pending: int = 0) -> Conflict:
    return Conflict(
        _(
            "Ownership cap reached: you own %(owned)d customers and have %(pending)d pending claims; "
            "the store allows %(cap)d customers per salesperson."
        )
        % {"owned": owned, "pending": pending, "cap": cap},
        code=PoolErrorCode.OWNERSHIP_CAP,
        extra={"cap": cap, "owned": owned, "pending": pending},
    )


def _do_release(
    *, customer: Customer, cause: str, at: datetime, reason: str = "", by=None, deadline: datetime | None = None
) -> Release:
    """Record the release and put the (locked) customer back into the pool."""
    release = Release.objects.create(
        customer=customer,
        former_owner_id=customer.owner_id,
        cause=cause,
        reason=reason,
        by=by,
        deadline=deadline,
        at=at,
    )
    customer.owner = None
    customer.owner_since = None
    customer.return_visit_deadline = None
    customer.released_at = at
    customer.next_follow_up_at = None
    customer.reminded_for = None
    customer.release_warned_for = None
    customer.save(update_fields=CUSTOMER_RESET_FIELDS)
    publish(topic="release", entity_id=release.pk)
    emit("customer.released", entity="customer", entity_id=customer.pk, data=customer_event_data(customer))
    return release


RELEASE_TITLES = {
    Release.Cause.MANUAL: gettext_lazy("{name} was released to the shared pool"),
    Release.Cause.OVERDUE: gettext_lazy("{name} returned to the shared pool: follow-up overdue"),
    Release.Cause.IDLE: gettext_lazy("{name} returned to the shared pool: no follow-up for too long"),
    Release.Cause.RETURN_DEADLINE: gettext_lazy("{name} returned to the shared pool: no return visit in time"),
}


def _notify_released(release: Release, customer: Customer) -> None:
    body = (
        format_lazy(gettext_lazy("Reason: {reason}"), reason=release.reason)
        if release.reason
        else format_lazy(gettext_lazy("The deadline was {deadline}."), deadline=_local_text(release.deadline))
        if release.deadline
        else ""
    )
    notify(
        recipients=[release.former_owner_id],
        kind="pool.released",
        title=format_lazy(RELEASE_TITLES[release.cause], name=customer.name),
        body=body,
        url=customer_url(customer.pk),
        data={"customer": customer.pk, "release": release.pk, "cause": release.cause},
    )


# --- manual release -------------------------------------------------------------------------------


def _may_release(*, by, owner_id: int, store: Store) -> bool:
    if by.pk == owner_id:
        return True
    access = resolve_store_access(user=by, store=store)
    if access is None or access.via_hq or not access.can("pool.release"):
        return False
    return access.role in (StoreRole.SUPERVISOR, StoreRole.ADMIN) and can_see_owner(access, owner_id)


def release_customer(*, customer_id, by, reason, at: datetime | None = None) -> Release:
    """The owner (or their supervisor, or an admin) puts a customer back into the pool."""
    at = at or timezone.now()
    reason = _clean_reason(reason, field="reason", max_length=RELEASE_REASON_MAX)
    store = _current_store()
    with transaction.atomic():
        customer = _lock_customer(customer_id)
        if customer.owner_id is None:
            raise InvalidTransition(_("This customer is already in the shared pool."))
        if not _may_release(by=by, owner_id=customer.owner_id, store=store):
            raise PermissionDenied(_("Only the owner, their supervisor or a store admin can release this customer."))
        release = _do_release(customer=customer, cause=Release.Cause.MANUAL, reason=reason, by=by, at=at)
        if release.former_owner_id != by.pk:
            _notify_released(release, customer)
    return release


# --- claims ---------------------------------------------------------------------------------------


def claim_create(*, customer_id, applicant, reason, at: datetime | None = None) -> Claim:
    """File a claim on a pool customer. Refused (409, nothing written) with the rule that stops it."""
    at = at or timezone.now()
    reason = _clean_reason(reason, field="reason", max_length=CLAIM_REASON_MAX)
    store = _current_store()
    with transaction.atomic():
        _lock_applicant(applicant.pk)
        customer = _lock_customer(customer_id)
        if customer.owner_id is not None:
            raise Conflict(
                _("This customer is not in the shared pool."),
                code=PoolErrorCode.NOT_IN_POOL,
                errors={"customer": [_("This customer is not in the shared pool.")]},
            )
        _require_member(store=store, user_id=applicant.pk)
        policy = pool_policy(grade=customer.grade)
        mine = Claim.objects.filter(applicant_id=applicant.pk)
        if mine.filter(customer=customer, status=Claim.Status.PENDING).exists():
            raise Conflict(_("You already have a pending claim on this customer."), code=PoolErrorCode.DUPLICATE_CLAIM)
        if policy.reclaim_cooldown_days:
            lost = (
                Release.objects.filter(
                    customer=customer,
                    former_owner_id=applicant.pk,
                    at__gt=at - timedelta(days=policy.reclaim_cooldown_days),
                )
                .order_by("-at")
                .first()
            )
            if lost is not None:
                until = lost.at + timedelta(days=policy.reclaim_cooldown_days)
                raise Conflict(
                    _(
                        "Re-claim cooldown: you lost this customer less than %(days)d days ago; "
                        "you may claim it again after %(until)s."
                    )
                    % {"days": policy.reclaim_cooldown_days, "until": _local_text(until)},
                    code=PoolErrorCode.RECLAIM_COOLDOWN,
                    extra={"cooldown_days": policy.reclaim_cooldown_days, "available_at": until.isoformat()},
                )
        if policy.daily_claim_limit:
            start, end = local_day_bounds(at, store)
            filed = mine.filter(created_at__gte=start, created_at__lt=end).count()
            if filed >= policy.daily_claim_limit:
                raise Conflict(
                    _("Daily claim limit reached: you filed %(filed)d claims today; the store allows %(limit)d.")
                    % {"filed": filed, "limit": policy.daily_claim_limit},
                    code=PoolErrorCode.DAILY_CLAIM_LIMIT,
                    extra={"limit": policy.daily_claim_limit, "filed": filed},
                )
        if policy.ownership_cap:
            owned = _owned_count(applicant.pk)
            pending = mine.filter(status=Claim.Status.PENDING).count()
            if owned + pending + 1 > policy.ownership_cap:
                raise _cap_error(cap=policy.ownership_cap, owned=owned, pending=pending)
        try:
            with transaction.atomic():
                claim = Claim.objects.create(customer=customer, applicant=applicant, reason=reason, created_at=at)
        except IntegrityError as exc:  # the partial unique constraint, as a backstop
            raise Conflict(
                _("You already have a pending claim on this customer."), code=PoolErrorCode.DUPLICATE_CLAIM
            ) from exc
        notify(
            recipients=_approvers_of(store=store, applicant_id=applicant.pk),
            kind="pool.claim_filed",
            title=format_lazy(
                gettext_lazy("{applicant} claims {name}"), applicant=applicant.display_name, name=customer.name
            ),
            body=format_lazy(gettext_lazy("Reason: {reason}"), reason=reason),
            url=_claims_url(),
            data={"claim": claim.pk, "customer": customer.pk},
        )
    return claim


def _decide(claim: Claim, *, status: str, by, at: datetime, reason: str = "") -> None:
    claim.status = status
    claim.decided_by = by
    claim.decided_at = at
    claim.decision_reason = reason
    claim.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])


def _notify_rejected(claim: Claim, customer: Customer) -> None:
    lost = claim.decision_reason == CLAIMED_BY_ANOTHER
    notify(
        recipients=[claim.applicant_id],
        kind="pool.claim_rejected",
        title=format_lazy(gettext_lazy("Your claim on {name} was rejected"), name=customer.name),
        body=format_lazy(
            gettext_lazy("Reason: {reason}"),
            reason=gettext_lazy("claimed by another") if lost else claim.decision_reason,
        ),
        url=_claims_url(),
        data={"claim": claim.pk, "customer": customer.pk},
    )


def _check_approver(*, store: Store, approver, ref: dict) -> None:
    access = resolve_store_access(user=approver, store=store)
    if access is None:
        raise PermissionDenied()
    check_approver(
        access=access,
        permission="claims.approve",
        applicant_ids=(ref["applicant_id"],),
        subject="claim",
        object_id=ref["pk"],
    )


def claim_approve(*, claim_id, approver, at: datetime | None = None) -> Claim:
    """Assign the customer to the applicant; every other pending claim on it is rejected.

    A customer owned meanwhile makes the claim rejected "claimed by another" (recorded) and the
    call answer 409 ``claimed_by_another``. A decided claim is 409 ``invalid_transition``.
    """
    at = at or timezone.now()
    ref = _claim_ref(claim_id)
    store = _current_store()
    _check_approver(store=store, approver=approver, ref=ref)
    lost_to_another = False
    with transaction.atomic():
        _lock_applicant(ref["applicant_id"])
        customer = _lock_customer(ref["customer_id"])
        claim = _lock_claim(ref["pk"], customer.pk)
        if claim.status != Claim.Status.PENDING:
            raise _already_decided(claim)
        if customer.owner_id is not None:
            _decide(claim, status=Claim.Status.REJECTED, by=approver, at=at, reason=CLAIMED_BY_ANOTHER)
            _notify_rejected(claim, customer)
            lost_to_another = True
        else:
            _require_member(store=store, user_id=claim.applicant_id)
            policy = pool_policy(grade=customer.grade)
            if policy.ownership_cap:
                owned = _owned_count(claim.applicant_id)
                if owned + 1 > policy.ownership_cap:
                    raise _cap_error(cap=policy.ownership_cap, owned=owned)
            customer.owner_id = claim.applicant_id
            customer.owner_since = at
            customer.return_visit_deadline = at + timedelta(days=policy.return_visit_days)
            customer.released_at = None
            customer.next_follow_up_at = None
            customer.reminded_for = None
            customer.release_warned_for = None
            customer.save(update_fields=CUSTOMER_RESET_FIELDS)
            publish(
                topic="customer",
                entity_id=customer.pk,
                event="customer.claimed",
                data=customer_event_data(customer),
            )
            _decide(claim, status=Claim.Status.APPROVED, by=approver, at=at)
            others = list(
                Claim.objects.select_for_update()
                .filter(customer=customer, status=Claim.Status.PENDING)
                .exclude(pk=claim.pk)
                .order_by("pk")
            )
            for other in others:
                _decide(other, status=Claim.Status.REJECTED, by=approver, at=at, reason=CLAIMED_BY_ANOTHER)
                _notify_rejected(other, customer)
            notify(
                recipients=[claim.applicant_id],
                kind="pool.claim_approved",
                title=format_lazy(gettext_lazy("Your claim on {name} was approved"), name=customer.name),
                body=format_lazy(
                    gettext_lazy("Record a return visit before {deadline}, or the customer returns to the pool."),
                    deadline=_local_text(customer.return_visit_deadline),
                ),
                url=customer_url(customer.pk),
                data={"claim": claim.pk, "customer": customer.pk},
            )
    if lost_to_another:
        raise Conflict(
            _("This customer was claimed by another; the claim was rejected."),
            code=PoolErrorCode.CLAIMED_BY_ANOTHER,
            extra={"claim": claim.pk, "claim_status": claim.status},
        )
    return claim


def claim_reject(*, claim_id, approver, reason, at: datetime | None = None) -> Claim:
    """Reject a pending claim with a reason; the applicant is told."""
    at = at or timezone.now()
    reason = _clean_reason(reason, field="reason", max_length=CLAIM_REASON_MAX)
    ref = _claim_ref(claim_id)
    _check_approver(store=_current_store(), approver=approver, ref=ref)
    with transaction.atomic():
        customer = _lock_customer(ref["customer_id"])
        claim = _lock_claim(ref["pk"], customer.pk)
        if claim.status != Claim.Status.PENDING:
            raise _already_decided(claim)
        _decide(claim, status=Claim.Status.REJECTED, by=approver, at=at, reason=reason)
        _notify_rejected(claim, customer)
    return claim


def claim_cancel(*, claim_id, by, at: datetime | None = None) -> Claim:
    """The applicant withdraws their pending claim."""
    at = at or timezone.now()
    ref = _claim_ref(claim_id)
    if ref["applicant_id"] != by.pk:
        raise NotFound(_("No such claim."))
    with transaction.atomic():
        customer = _lock_customer(ref["customer_id"])
        claim = _lock_claim(ref["pk"], customer.pk)
        if claim.status != Claim.Status.PENDING:
            raise _already_decided(claim)
        _decide(claim, status=Claim.Status.CANCELLED, by=by, at=at)
    return claim


def pool_reassign_customer(*, from_customer_id: int, to_customer_id: int) -> dict:
    """Move the releases and claims of a merged customer to the survivor (inside the merge's
    transaction). A pending claim the survivor already has from the same applicant is kept and the
    moved duplicate cancelled."""
    moved_releases = 0
    for release in Release.objects.filter(customer_id=from_customer_id).order_by("pk"):
        release.customer_id = to_customer_id
        try:
            with transaction.atomic():
                release.save(update_fields=["customer"])
        except IntegrityError:  # the survivor has a release for the very same deadline
            release.deadline = None
            release.save(update_fields=["customer", "deadline"])
        moved_releases += 1
    survivor_pending = set(
        Claim.objects.filter(customer_id=to_customer_id, status=Claim.Status.PENDING).values_list(
            "applicant_id", flat=True
        )
    )
    duplicates = Claim.objects.filter(
        customer_id=from_customer_id, status=Claim.Status.PENDING, applicant_id__in=survivor_pending
    )
    cancelled = duplicates.update(status=Claim.Status.CANCELLED, decided_at=timezone.now())
    moved_claims = Claim.objects.filter(customer_id=from_customer_id).update(customer_id=to_customer_id)
    return {"releases": moved_releases, "claims": moved_claims, "cancelled": cancelled}


# --- per-grade policies ---------------------------------------------------------------------------


def grade_policies_update(*, grades: dict) -> dict[str, dict[str, int | None]]:
    """Change per-grade overrides: ``{"A": {"max_idle_days": 60, "grace_days": None}}`` (None
    removes an override). Every value is checked first; on any error nothing is saved."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, dict[str, int | None]] = {}
    if not isinstance(grades, dict):
        raise ValidationFailed(_("Invalid input."), errors={"grades": [_("An object keyed by grade is expected.")]})
    for grade, values in grades.items():
        if grade not in GRADES:
            errors[f"grades.{grade}"] = [_("Unknown grade; use A, B, C or D.")]
            continue
        if not isinstance(values, dict):
            errors[f"grades.{grade}"] = [_("An object of overrides is expected.")]
            continue
        clean[grade] = {}
        for field, value in values.items():
            key = f"grades.{grade}.{field}"
            if field not in OVERRIDABLE_FIELDS:
                errors[key] = [_("Unknown rule.")]
                continue
            if value is None:
                clean[grade][field] = None
                continue
            low, high = SETTINGS_INT_LIMITS[OVERRIDABLE_FIELDS[field]]
            if isinstance(value, bool) or not isinstance(value, int):
                errors[key] = [_("Enter a whole number.")]
            elif not low <= value <= high:
                errors[key] = [_("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}]
            else:
                clean[grade][field] = value
    if errors:
        raise ValidationFailed(_("Invalid input."), errors=errors)
    with transaction.atomic():
        for grade, values in clean.items():
            if not values:
                continue
            row, _created = GradePolicy.objects.select_for_update().get_or_create(grade=grade)
            for field, value in values.items():
                setattr(row, field, value)
            if all(getattr(row, field) is None for field in OVERRIDABLE_FIELDS):
                row.delete()
            else:
                row.save()
    return grade_overrides()


# --- automatic release, return deadline, warnings -------------------------------------------------


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


# --- handover to the pool -------------------------------------------------------------------------


def release_many(*, customer_ids, by, reason: str, at: datetime) -> list[tuple[int, int]]:
    """Put owned customers back into the pool in a few statements (a handover to the pool), each
    release recorded like a manual one by ``by``. Returns ``[(customer id, former owner)]``."""
    ids = sorted(set(customer_ids))
    rows = list(
        Customer.objects.live()
        .filter(pk__in=ids, owner__isnull=False)
        .order_by("pk")
        .select_for_update()
        .values_list("pk", "owner_id")
    )
    releases = Release.objects.bulk_create(
        [
            Release(customer_id=pk, former_owner_id=owner_id, cause=Release.Cause.MANUAL, reason=reason, by=by, at=at)
            for pk, owner_id in rows
        ],
        batch_size=2000,
    )
    Customer.objects.filter(pk__in=[pk for pk, _owner in rows]).update(
        owner=None,
        owner_since=None,
        return_visit_deadline=None,
        released_at=at,
        next_follow_up_at=None,
        reminded_for=None,
        release_warned_for=None,
    )
    publish_many(topic="release", entity_ids=[release.pk for release in releases])
    for released in Customer.objects.filter(pk__in=[pk for pk, _owner in rows]).order_by("pk"):
        emit("customer.released", entity="customer", entity_id=released.pk, data=customer_event_data(released))
    return rows
