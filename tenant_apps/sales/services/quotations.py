"""Quotations: drafting, submitting, the supervisor's decision, sending, accepting, expiry."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Unpack

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess, can_see_owner
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_list
from shared_apps.accounts.transitions import FourEyes, Transition, decide
from shared_apps.platform.errors import ApprovalRequired, InvalidTransition, NotFound, ValidationFailed
from shared_apps.platform.fields import Errors, raise_errors
from shared_apps.platform.money_display import money_full
from tenant_apps.notifications.services import notify
from tenant_apps.outbox.services import emit
from tenant_apps.sales.inputs import LineInput, QuotationFields
from tenant_apps.sales.models import Quotation, QuotationLine
from tenant_apps.sales.serializers import quotation_event_data
from tenant_apps.sales.services.common import (
    DEFAULT_VALIDITY_DAYS,
    PricedLine,
    _next_number,
    _price_lines,
    _resolve_channel,
    _resolve_customer,
    discount_rate,
    discount_threshold,
    local_today,
    needs_approval,
    quotation_url,
)
from tenants.storetime import current_store

# --- quotations -----------------------------------------------------------------------------------

QUOTATION_EDITABLE = (Quotation.Status.DRAFT, Quotation.Status.REJECTED)
QUOTATION_EXPIRABLE = (
    Quotation.Status.DRAFT,
    Quotation.Status.PENDING_APPROVAL,
    Quotation.Status.APPROVED,
    Quotation.Status.REJECTED,
    Quotation.Status.SENT,
)
ORDERABLE_QUOTATION = (Quotation.Status.APPROVED, Quotation.Status.SENT, Quotation.Status.ACCEPTED)


def _visible_quotation_for_update(quotation_id: int, access: StoreAccess) -> Quotation:
    quotation = (
        Quotation.objects.select_for_update(of=("self",)).select_related("customer").filter(pk=quotation_id).first()
    )
    if quotation is None or not can_see_owner(access, quotation.owner_id):
        raise NotFound(_("No such quotation."))
    return quotation


def _quotation_values(given: QuotationFields, errors: Errors, *, access: StoreAccess) -> dict[str, Any]:
    """The records the given fields name (a customer ``access`` sees, a channel) and a validity
    date that has not passed; ``lines`` is left to ``_price_lines``."""
    values: dict[str, Any] = {}
    if "customer_id" in given:
        values["customer"] = _resolve_customer(given["customer_id"], access, errors)
    if "channel" in given:
        channel = given["channel"]
        values["channel"] = _resolve_channel(channel, errors) if channel is not None else None
    if "valid_until" in given:
        if given["valid_until"] < local_today():
            errors.setdefault("valid_until", []).append(_("The validity date has passed."))
        values["valid_until"] = given["valid_until"]
    if "notes" in given:
        values["notes"] = given["notes"]
    return values


def _write_quotation_lines(quotation: Quotation, lines: list[PricedLine]) -> None:
    QuotationLine.objects.filter(quotation=quotation).delete()
    QuotationLine.objects.bulk_create(
        QuotationLine(
            quotation=quotation,
            position=index,
            product=line.product,
            sku=line.product.sku,
            product_name=line.product.name,
            unit=line.product.unit,
            quantity=line.quantity,
            unit_price=line.unit_price,
            list_price=line.list_price,
            amount=line.amount,
        )
        for index, line in enumerate(lines)
    )
    quotation.amount = sum((line.amount for line in lines), Decimal("0.00"))
    quotation.list_amount = sum((line.list_amount for line in lines), Decimal("0.00"))
    quotation.discount_rate = discount_rate(quotation.amount, quotation.list_amount)
    quotation.requires_approval = needs_approval(quotation.discount_rate)


def quotation_preview(*, lines: list[LineInput]) -> dict:
    """The live figures of a line editor: amount, list amount, discount rate, approval needed."""
    errors: Errors = {}
    priced = _price_lines(lines, errors)
    raise_errors(errors)
    amount = sum((line.amount for line in priced), Decimal("0.00"))
    list_amount = sum((line.list_amount for line in priced), Decimal("0.00"))
    rate = discount_rate(amount, list_amount)
    return {
        "amount": amount,
        "list_amount": list_amount,
        "discount_rate": rate,
        "requires_approval": needs_approval(rate),
        "threshold": discount_threshold(),
    }


@transaction.atomic
def quotation_create(*, access: StoreAccess, at: datetime | None = None, **given: Unpack[QuotationFields]) -> Quotation:
    """A draft quotation for a customer ``access`` sees (``customer_id`` and ``lines`` required),
    valid for ``DEFAULT_VALIDITY_DAYS`` unless ``valid_until`` says otherwise, in the customer's
    channel unless ``channel`` (None: none) is given."""
    at = at or timezone.now()
    errors: Errors = {}
    values = _quotation_values(given, errors, access=access)
    lines = _price_lines(given["lines"], errors)
    raise_errors(errors)
    customer = values["customer"]
    values.setdefault("valid_until", local_today() + timedelta(days=DEFAULT_VALIDITY_DAYS))
    if "channel" not in values:
        values["channel"] = customer.channel if customer.channel_id else None
    quotation = Quotation(
        number=_next_number("Q", Quotation, at),
        owner_id=customer.owner_id or access.user.pk,
        created_by_id=access.user.pk,
        **values,
    )
    quotation.save()
    _write_quotation_lines(quotation, lines)
    quotation.save(update_fields=["amount", "list_amount", "discount_rate", "requires_approval", "updated_at"])
    return quotation


@transaction.atomic
def quotation_update(*, quotation_id: int, access: StoreAccess, **given: Unpack[QuotationFields]) -> Quotation:
    """Change the given fields of a draft or rejected quotation (a rejected one returns to draft)."""
    quotation = _visible_quotation_for_update(quotation_id, access)
    if quotation.status not in QUOTATION_EDITABLE:
        raise InvalidTransition(_("Only a draft or rejected quotation can be changed."))
    errors: Errors = {}
    values = _quotation_values(given, errors, access=access)
    lines = _price_lines(given["lines"], errors) if "lines" in given else None
    raise_errors(errors)
    for key, value in values.items():
        setattr(quotation, key, value)
    if "customer" in values:
        quotation.owner_id = values["customer"].owner_id or quotation.owner_id
    if lines is not None:
        _write_quotation_lines(quotation, lines)
    else:
        quotation.requires_approval = needs_approval(quotation.discount_rate)
    quotation.status = Quotation.Status.DRAFT
    quotation.save()
    return quotation


def _approvers_of(owner_id: int) -> list[int]:
    """Who decides a salesperson's quotations: their team supervisor, else supervisors and admins."""
    members = member_list(store=current_store()).filter(is_active=True)
    own = members.filter(user_id=owner_id).first()
    if own is not None and own.supervisor_id is not None and members.filter(user_id=own.supervisor_id).exists():
        return [own.supervisor_id]
    return list(
        members.filter(role__in=[StoreRole.SUPERVISOR, StoreRole.ADMIN])
        .exclude(user_id=owner_id)
        .values_list("user_id", flat=True)
    )


@transaction.atomic
def quotation_submit(*, quotation_id: int, access: StoreAccess, at: datetime | None = None) -> Quotation:
    """Draft/rejected → approved when the discount is within the threshold, else pending approval."""
    at = at or timezone.now()
    quotation = _visible_quotation_for_update(quotation_id, access)
    if quotation.status not in QUOTATION_EDITABLE:
        raise InvalidTransition(_("Only a draft or rejected quotation can be submitted."))
    if not quotation.lines.exists():
        raise ValidationFailed(
            _("The quotation has no lines."), errors={"lines": [_("At least one line is required.")]}
        )
    quotation.requires_approval = needs_approval(quotation.discount_rate)
    quotation.decided_by_id = None
    quotation.decided_at = None
    quotation.decision_comment = ""
    if quotation.requires_approval:
        quotation.status = Quotation.Status.PENDING_APPROVAL
        quotation.submitted_at = at
        quotation.save()
        notify(
            recipients=[uid for uid in _approvers_of(quotation.owner_id) if uid != access.user.pk]
            or _approvers_of(quotation.owner_id),
            kind="sales.quotation_submitted",
            title=format_lazy(gettext_lazy("Quotation {number} needs your approval"), number=quotation.number),
            body=format_lazy(
                gettext_lazy("{customer}: {amount}, discount rate {rate}"),
                customer=quotation.customer.name,
                amount=money_full(quotation.amount),
                rate=quotation.discount_rate,
            ),
            url=quotation_url(quotation.pk),
            data={"quotation": quotation.pk},
        )
    else:
        quotation.status = Quotation.Status.APPROVED
        quotation.save()
    return quotation


def _is_pending(quotation: Quotation) -> bool:
    return quotation.status == Quotation.Status.PENDING_APPROVAL


def _not_pending(quotation: Quotation) -> InvalidTransition:
    return InvalidTransition(_("Only a quotation pending approval can be decided."))


# Supervisors and admins decide, never on a quotation they own or created (an admin when no one else may).
FOUR_EYES = FourEyes(permission="quotations.approve", subject="quotation", applicants=("owner_id", "created_by_id"))
APPROVE = Transition(
    to_status=Quotation.Status.APPROVED, allowed=_is_pending, refusal=_not_pending, four_eyes=FOUR_EYES
)
REJECT = Transition(to_status=Quotation.Status.REJECTED, allowed=_is_pending, refusal=_not_pending, four_eyes=FOUR_EYES)


def _publish_approved(_parent: None, quotation: Quotation) -> None:
    emit("quotation.approved", entity="quotation", entity_id=quotation.pk, data=quotation_event_data(quotation))


def _decide(quotation_id: int, access: StoreAccess, *, approve: bool, comment: str, at: datetime | None) -> Quotation:
    """The supervisor's decision on a quotation pending approval (in the caller's transaction); the
    owner is told."""
    at = at or timezone.now()
    _parent, quotation = decide(
        APPROVE if approve else REJECT,
        lock=lambda: (None, _visible_quotation_for_update(quotation_id, access)),
        access=access,
        stamp={"decided_by": access.user, "decided_at": at, "decision_comment": comment},
        publish=_publish_approved if approve else None,
    )
    title = (
        gettext_lazy("Quotation {number} was approved") if approve else gettext_lazy("Quotation {number} was rejected")
    )
    notify(
        recipients=[quotation.owner_id],
        kind="sales.quotation_decided",
        title=format_lazy(title, number=quotation.number),
        body=comment,
        url=quotation_url(quotation.pk),
        data={"quotation": quotation.pk, "approved": approve},
    )
    return quotation


@transaction.atomic
def quotation_approve(
    *, quotation_id: int, access: StoreAccess, comment: str = "", at: datetime | None = None
) -> Quotation:
    return _decide(quotation_id, access, approve=True, comment=comment, at=at)


@transaction.atomic
def quotation_reject(
    *, quotation_id: int, access: StoreAccess, comment: str = "", at: datetime | None = None
) -> Quotation:
    return _decide(quotation_id, access, approve=False, comment=comment, at=at)


@transaction.atomic
def quotation_send(*, quotation_id: int, access: StoreAccess, at: datetime | None = None) -> Quotation:
    quotation = _visible_quotation_for_update(quotation_id, access)
    if quotation.status == Quotation.Status.PENDING_APPROVAL or (
        quotation.status in QUOTATION_EDITABLE and needs_approval(quotation.discount_rate)
    ):
        raise ApprovalRequired(_("This quotation must be approved by a supervisor before it is sent."))
    if quotation.status != Quotation.Status.APPROVED:
        raise InvalidTransition(_("Only an approved quotation can be sent."))
    quotation.status = Quotation.Status.SENT
    quotation.sent_at = at or timezone.now()
    quotation.save()
    return quotation


@transaction.atomic
def quotation_accept(*, quotation_id: int, access: StoreAccess, at: datetime | None = None) -> Quotation:
    quotation = _visible_quotation_for_update(quotation_id, access)
    if quotation.status != Quotation.Status.SENT:
        raise InvalidTransition(_("Only a sent quotation can be accepted."))
    quotation.status = Quotation.Status.ACCEPTED
    quotation.accepted_at = at or timezone.now()
    quotation.save()
    return quotation


def quotations_expire(*, at: datetime | None = None) -> int:
    """Quotations whose validity date has passed (store's local date) become expired."""
    today = local_today(at)
    with transaction.atomic():
        return Quotation.objects.filter(status__in=QUOTATION_EXPIRABLE, valid_until__lt=today).update(
            status=Quotation.Status.EXPIRED, updated_at=at or timezone.now()
        )
