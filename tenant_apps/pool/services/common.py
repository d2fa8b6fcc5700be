"""What every pool write uses: locks, approvers, the cap on owned customers, the release
itself and its notification."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_list
from shared_apps.platform.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tenant_apps.customers.models import Customer
from tenant_apps.customers.serializers import customer_event_data
from tenant_apps.notifications.services import notify
from tenant_apps.outbox.services import emit, publish
from tenant_apps.pool.error_codes import PoolErrorCode
from tenant_apps.pool.models import Claim, Release
from tenants.models import Store
from tenants.storetime import local_text

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
