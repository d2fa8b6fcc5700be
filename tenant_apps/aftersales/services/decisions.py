"""The decision on an application: approval, rejection, cancellation by the applicant."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.transitions import FourEyes, Transition, decide
from tenant_apps.aftersales import rules
from tenant_apps.aftersales.models import Case, CaseEvent
from tenant_apps.aftersales.services.common import (
    _approvers_for,
    _case_title,
    _check_amount,
    _emit,
    _event,
    _lock_case,
    _members_with_role,
    _notify,
    _order_event,
    _refuse_role,
    _wrong_state,
)

# --- decisions ------------------------------------------------------------------------------------

# Supervisors and admins decide, never on their own application (an admin when no one else may).
FOUR_EYES = FourEyes(permission="aftersales.approve", subject="aftersales_case", applicants=("applicant_id",))


def _decision(action: str, to_status: str, four_eyes: FourEyes | None = FOUR_EYES) -> Transition:
    return Transition(
        to_status=to_status,
        allowed=lambda case: rules.state_allows(case, action),
        refusal=lambda case: _wrong_state(case, action),
        four_eyes=four_eyes,
    )


APPROVE = _decision(rules.APPROVE, Case.Status.APPROVED)
REJECT = _decision(rules.REJECT, Case.Status.REJECTED)
# The applicant (or a supervisor) withdraws a case: no four eyes; the role rule is the check.
CANCEL = _decision(rules.CANCEL, Case.Status.CANCELLED, four_eyes=None)


def _on_timelines(order, case: Case, previous: str, *, kind: str, message, access: StoreAccess, at, comment: str):
    """The decision on the case's timeline (with its comment) and on the order's."""
    _event(case, kind=kind, actor=access.user, at=at, from_status=previous, message=comment)
    _order_event(
        order=order,
        actor=access.user,
        message=format_lazy(message, number=case.number),
        data={"case": case.pk, "status": case.status},
        at=at,
    )


def case_approve(*, access: StoreAccess, case_id: int, comment: str = "", at: datetime | None = None) -> Case:
    """A supervisor approves a pending case; its amount is checked again against what is refundable."""
    at = at or timezone.now()

    def check_refundable(order, case: Case) -> None:
        if case.amount:
            _check_amount(order=order, amount=case.amount, exclude_case_id=case.pk)

    with transaction.atomic():
        order, case = decide(
            APPROVE,
            lock=lambda: _lock_case(case_id),
            access=access,
            stamp={"decided_by": access.user, "decided_at": at, "decision_comment": comment},
            check=check_refundable,
            timeline=lambda order, case, previous: _on_timelines(
                order,
                case,
                previous,
                kind=CaseEvent.Kind.APPROVED,
                message=gettext_lazy("After-sales {number} approved"),
                access=access,
                at=at,
                comment=comment,
            ),
            publish=lambda order, case: _emit(case, "aftersales.approved"),
        )
        _notify(
            {case.applicant_id, order.owner_id} - {access.user.pk},
            kind="approved",
            title=_case_title(gettext_lazy("After-sales {number} on order {order} was approved"), case, order),
            body=comment,
            case=case,
        )
        _notify(
            set(_processors_for(case)) - {access.user.pk},
            kind="to_process",
            title=_case_title(gettext_lazy("After-sales {number} on order {order} is ready to process"), case, order),
            case=case,
        )
    return case


def _processors_for(case: Case) -> list[int]:
    """Who is told that an approved case waits to be processed."""
    if case.type in Case.DELIVERY_TYPES or case.type == Case.Type.RETURN_REFUND:
        return _members_with_role(StoreRole.WAREHOUSE)
    return _members_with_role(StoreRole.FINANCE)


def case_reject(*, access: StoreAccess, case_id: int, comment: str, at: datetime | None = None) -> Case:
    """A supervisor rejects a pending case with a comment (required)."""
    at = at or timezone.now()
    with transaction.atomic():
        order, case = decide(
            REJECT,
            lock=lambda: _lock_case(case_id),
            access=access,
            stamp={"decided_by": access.user, "decided_at": at, "decision_comment": comment},
            timeline=lambda order, case, previous: _on_timelines(
                order,
                case,
                previous,
                kind=CaseEvent.Kind.REJECTED,
                message=gettext_lazy("After-sales {number} rejected"),
                access=access,
                at=at,
                comment=comment,
            ),
        )
        _notify(
            {case.applicant_id, order.owner_id} - {access.user.pk},
            kind="rejected",
            title=_case_title(gettext_lazy("After-sales {number} on order {order} was rejected"), case, order),
            body=format_lazy(gettext_lazy("Reason: {reason}"), reason=comment),
            case=case,
        )
    return case


def case_cancel(*, access: StoreAccess, case_id: int, at: datetime | None = None) -> Case:
    """The applicant (or a supervisor) withdraws a case before it is processed."""
    at = at or timezone.now()
    was_pending = False

    def on_timelines(order, case: Case, previous: str) -> None:
        nonlocal was_pending
        was_pending = previous == Case.Status.PENDING_APPROVAL
        _event(case, kind=CaseEvent.Kind.CANCELLED, actor=access.user, at=at, from_status=previous)
        _order_event(
            order=order,
            actor=access.user,
            message=format_lazy(gettext_lazy("After-sales {number} cancelled"), number=case.number),
            data={"case": case.pk, "status": case.status},
            at=at,
        )

    with transaction.atomic():
        order, case = decide(
            CANCEL,
            lock=lambda: _lock_case(case_id),
            access=access,
            stamp={"cancelled_at": at, "cancelled_by": access.user},
            check=lambda order, case: _refuse_role(case, rules.CANCEL, access),
            timeline=on_timelines,
        )
        told = {case.applicant_id, case.decided_by_id}
        if was_pending:
            told |= set(_approvers_for(owner_id=order.owner_id))
        _notify(
            told - {access.user.pk, None},
            kind="cancelled",
            title=_case_title(gettext_lazy("After-sales {number} on order {order} was cancelled"), case, order),
            case=case,
        )
    return case
