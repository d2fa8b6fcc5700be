"""What finance and the warehouse report back: a refund confirmed or rejected, goods received."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from shared_apps.platform.errors import NotFound
from tenant_apps.aftersales.models import Case, CaseEvent
from tenant_apps.aftersales.services.common import _case_title, _event, _lock_case, _notify, _order_event, _set
from tenant_apps.aftersales.services.processing import _complete

# --- what finance and the warehouse report back ---------------------------------------------------


def refund_confirmed(*, payment_id: int, case_id: int, at: datetime | None = None) -> Case | None:
    """Finance confirmed the case's refund: the case completes (once; anything else is ignored)."""
    at = at or timezone.now()
    with transaction.atomic():
        try:
            order, case = _lock_case(case_id)
        except NotFound:
            return None
        if case.status != Case.Status.PROCESSING or case.refund_payment_id != payment_id:
            return None
        _complete(case, order=order, actor=None, at=at, kind=CaseEvent.Kind.REFUND_CONFIRMED, message="")
    return case


def refund_rejected(*, payment_id: int, case_id: int, reason: str = "", at: datetime | None = None) -> Case | None:
    """Finance rejected the case's refund: the case goes back to approved with a note, to be
    processed again (or cancelled)."""
    at = at or timezone.now()
    with transaction.atomic():
        try:
            order, case = _lock_case(case_id)
        except NotFound:
            return None
        if case.status != Case.Status.PROCESSING or case.refund_payment_id != payment_id:
            return None
        previous = case.status
        note = str(format_lazy(gettext_lazy("Finance rejected the refund: {reason}"), reason=reason or "—"))[:500]
        case.status = Case.Status.APPROVED
        case.refund_payment_id = None
        case.note = note
        _set(case, ["status", "refund_payment_id", "note"])
        _event(
            case,
            kind=CaseEvent.Kind.REFUND_REJECTED,
            actor=None,
            at=at,
            from_status=previous,
            message=note,
            data={"payment": payment_id},
        )
        _order_event(
            order=order,
            actor=None,
            message=format_lazy(
                gettext_lazy("After-sales {number}: finance rejected the refund; back to approved"),
                number=case.number,
            ),
            data={"case": case.pk, "payment": payment_id},
            at=at,
        )
        _notify(
            {case.applicant_id, case.decided_by_id, case.processed_by_id},
            kind="refund_rejected",
            title=_case_title(
                gettext_lazy("The refund of after-sales {number} (order {order}) was rejected"), case, order
            ),
            body=note,
            case=case,
        )
    return case


def delivery_received(*, delivery_id: int, case_id: int, at: datetime | None = None) -> Case | None:
    """The exchange or reissue delivery of the case was received: the case completes."""
    at = at or timezone.now()
    with transaction.atomic():
        try:
            order, case = _lock_case(case_id)
        except NotFound:
            return None
        if case.status != Case.Status.PROCESSING or case.delivery_id != delivery_id:
            return None
        _complete(
            case,
            order=order,
            actor=None,
            at=at,
            kind=CaseEvent.Kind.DELIVERY_RECEIVED,
            message="",
        )
    return case
