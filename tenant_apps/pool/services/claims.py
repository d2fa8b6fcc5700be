"""Claims on pool customers: applying, the decision, cancelling, and claims following a merge."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.approvals import check_approver
from shared_apps.accounts.transitions import Transition, decide
from shared_apps.platform.errors import Conflict, NotFound, PermissionDenied
from tenant_apps.customers.models import Customer
from tenant_apps.customers.serializers import customer_event_data
from tenant_apps.notifications.services import notify
from tenant_apps.outbox.services import publish
from tenant_apps.pool.error_codes import PoolErrorCode
from tenant_apps.pool.models import Claim, Release
from tenant_apps.pool.policies import pool_policy
from tenant_apps.pool.services.common import (
    CLAIM_REASON_MAX,
    CLAIMED_BY_ANOTHER,
    CUSTOMER_RESET_FIELDS,
    _already_decided,
    _approvers_of,
    _cap_error,
    _claim_ref,
    _claims_url,
    _clean_reason,
    _local_text,
    _lock_applicant,
    _lock_claim,
    _lock_customer,
    _owned_count,
    _require_member,
    customer_url,
)
from tenants.storetime import current_store, local_day_bounds

# --- claims ---------------------------------------------------------------------------------------


def claim_create(*, customer_id, access: StoreAccess, reason, at: datetime | None = None) -> Claim:
    """File a claim on a pool customer. Refused (409, nothing written) with the rule that stops it."""
    applicant = access.user
    at = at or timezone.now()
    reason = _clean_reason(reason, field="reason", max_length=CLAIM_REASON_MAX)
    store = current_store()
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


def _is_pending(claim: Claim) -> bool:
    return claim.status == Claim.Status.PENDING


# A pending claim is approved, rejected (by a supervisor, or because another claim on its customer
# won) or withdrawn by its applicant; a decided one answers 409 ``invalid_transition``. Whether the
# caller may approve or reject (four eyes) is checked first, from the claim as read before any lock
# (``_check_approver``): a caller who may not decide takes no lock, not even the applicant's.
APPROVE = Transition(to_status=Claim.Status.APPROVED, allowed=_is_pending, refusal=_already_decided)
REJECT = Transition(to_status=Claim.Status.REJECTED, allowed=_is_pending, refusal=_already_decided)
CANCEL = Transition(to_status=Claim.Status.CANCELLED, allowed=_is_pending, refusal=_already_decided)


def _lock_decision(ref: dict) -> tuple[Customer, Claim]:
    """The claim's customer, then the claim, both locked."""
    customer = _lock_customer(ref["customer_id"])
    return customer, _lock_claim(ref["pk"], customer.pk)


def _stamp(access: StoreAccess, at: datetime, reason: str = "") -> dict:
    return {"decided_by": access.user, "decided_at": at, "decision_reason": reason}


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


def _check_approver(*, access: StoreAccess, ref: dict) -> None:
    if access is None:
        raise PermissionDenied()
    check_approver(
        access=access,
        permission="claims.approve",
        applicant_ids=(ref["applicant_id"],),
        subject="claim",
        object_id=ref["pk"],
    )


def _give_customer(customer: Customer, claim: Claim, *, store, at: datetime) -> None:
    """The approved claim's applicant owns the (locked) customer from ``at``, within the store's cap."""
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


def claim_approve(*, claim_id, access: StoreAccess, at: datetime | None = None) -> Claim:
    """Assign the customer to the applicant; every other pending claim on it is rejected.

    A customer owned meanwhile makes the claim rejected "claimed by another" (recorded) and the
    call answer 409 ``claimed_by_another``. A decided claim is 409 ``invalid_transition``.
    """
    at = at or timezone.now()
    ref = _claim_ref(claim_id)
    store = current_store()
    _check_approver(access=access, ref=ref)
    lost_to_another = False
    with transaction.atomic():
        _lock_applicant(ref["applicant_id"])
        # The locked customer tells which decision this is: approved, or rejected "claimed by another".
        locked = _lock_decision(ref)
        if locked[0].owner_id is not None:
            customer, claim = decide(
                REJECT, lock=lambda: locked, access=access, stamp=_stamp(access, at, CLAIMED_BY_ANOTHER)
            )
            _notify_rejected(claim, customer)
            lost_to_another = True
        else:
            customer, claim = decide(
                APPROVE,
                lock=lambda: locked,
                access=access,
                stamp=_stamp(access, at),
                check=lambda customer, claim: _give_customer(customer, claim, store=store, at=at),
            )
            others = list(
                Claim.objects.select_for_update()
                .filter(customer=customer, status=Claim.Status.PENDING)
                .exclude(pk=claim.pk)
                .order_by("pk")
            )
            for other in others:
                decide(
                    REJECT,
                    lock=lambda other=other: (customer, other),
                    access=access,
                    stamp=_stamp(access, at, CLAIMED_BY_ANOTHER),
                )
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


def claim_reject(*, claim_id, access: StoreAccess, reason, at: datetime | None = None) -> Claim:
    """Reject a pending claim with a reason; the applicant is told."""
    at = at or timezone.now()
    reason = _clean_reason(reason, field="reason", max_length=CLAIM_REASON_MAX)
    ref = _claim_ref(claim_id)
    _check_approver(access=access, ref=ref)
    with transaction.atomic():
        customer, claim = decide(
            REJECT, lock=lambda: _lock_decision(ref), access=access, stamp=_stamp(access, at, reason)
        )
        _notify_rejected(claim, customer)
    return claim


def claim_cancel(*, claim_id, access: StoreAccess, at: datetime | None = None) -> Claim:
    """The applicant withdraws their pending claim."""
    at = at or timezone.now()
    ref = _claim_ref(claim_id)
    if ref["applicant_id"] != access.user.pk:
        raise NotFound(_("No such claim."))
    with transaction.atomic():
        _customer, claim = decide(CANCEL, lock=lambda: _lock_decision(ref), access=access, stamp=_stamp(access, at))
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
