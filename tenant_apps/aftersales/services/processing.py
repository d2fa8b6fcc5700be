"""Processing an approved case: the refund record or the delivery, the return, completion."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.roles import StoreRole
from shared_apps.platform.money_display import money_full
from tenant_apps.aftersales import rules
from tenant_apps.aftersales.models import Case, CaseEvent
from tenant_apps.aftersales.services.common import (
    DEFAULT_REFUND_METHOD,
    TYPE_LABELS,
    _case_title,
    _emit,
    _event,
    _lock_case,
    _members_with_role,
    _notify,
    _order_event,
    _refuse,
    _set,
)
from tenant_apps.finance import services as finance_services
from tenant_apps.sales import services as sales_services

# --- processing -----------------------------------------------------------------------------------


def _create_refund(*, order, case: Case, access: StoreAccess, at: datetime) -> None:
    """The pending refund record for finance (finance refuses 409 ``over_refund`` under the order lock)."""
    actor = access.user
    payment = finance_services.refund_create(
        access=access,
        order=order,
        amount=case.amount,
        method=case.refund_method or DEFAULT_REFUND_METHOD,
        aftersales_case_id=case.pk,
        note=str(format_lazy(gettext_lazy("After-sales {number}: {reason}"), number=case.number, reason=case.reason))[
            :300
        ],
    )
    case.refund_payment_id = payment.pk
    _set(case, ["refund_payment_id"])
    _event(
        case,
        kind=CaseEvent.Kind.REFUND_CREATED,
        actor=actor,
        at=at,
        data={"payment": payment.pk, "amount": f"{case.amount:.2f}"},
    )
    _order_event(
        order=order,
        actor=actor,
        message=format_lazy(
            gettext_lazy("After-sales {number}: refund of {amount} recorded for finance"),
            number=case.number,
            amount=money_full(case.amount),
        ),
        data={"case": case.pk, "payment": payment.pk},
        at=at,
    )
    _notify(
        _members_with_role(StoreRole.FINANCE),
        kind="refund_to_confirm",
        title=format_lazy(
            gettext_lazy("Refund of {amount} on order {order} to confirm (after-sales {number})"),
            amount=money_full(case.amount),
            order=order.number,
            number=case.number,
        ),
        case=case,
    )


def _create_delivery(*, order, case: Case, actor, at: datetime) -> None:
    items = [{"order_line": item.order_line_id, "quantity": item.quantity} for item in case.items.all()]
    delivery = sales_services.delivery_create(order=order, kind=case.type, items=items, case_id=case.pk, actor=actor)
    case.delivery_id = delivery.pk
    _set(case, ["delivery_id"])
    _event(case, kind=CaseEvent.Kind.DELIVERY_CREATED, actor=actor, at=at, data={"delivery": delivery.pk})
    _order_event(
        order=order,
        actor=actor,
        message=format_lazy(
            gettext_lazy("After-sales {number}: a new delivery ({type}) waits for the warehouse"),
            number=case.number,
            type=TYPE_LABELS[case.type],
        ),
        data={"case": case.pk, "delivery": delivery.pk},
        at=at,
    )
    # sales tells the warehouse about the new delivery itself.


def case_process(*, access: StoreAccess, case_id: int, method: str | None = None, at: datetime | None = None) -> Case:
    """Start processing an approved case (→ processing).

    refund only: the pending refund record is created for finance (``method``: one of
    ``REFUND_METHODS``, how the money goes back, default bank transfer); return and refund: the
    warehouse is told a return is expected; exchange and reissue: a new delivery is created for
    the warehouse.
    """
    at = at or timezone.now()
    with transaction.atomic():
        order, case = _lock_case(case_id)
        _refuse(case, rules.PROCESS, access)
        if method and case.moves_money:
            case.refund_method = method
        previous = case.status
        case.status = Case.Status.PROCESSING
        case.processed_by = access.user
        case.processed_at = at
        case.note = ""
        _set(case, ["status", "processed_by", "processed_at", "refund_method", "note"])
        _event(case, kind=CaseEvent.Kind.PROCESSING, actor=access.user, at=at, from_status=previous)
        if case.type == Case.Type.REFUND_ONLY:
            _create_refund(order=order, case=case, access=access, at=at)
        elif case.type == Case.Type.RETURN_REFUND and case.return_received_at is not None:
            # Processed again after finance rejected the refund: the goods are back already.
            if case.amount:
                _create_refund(order=order, case=case, access=access, at=at)
        elif case.type == Case.Type.RETURN_REFUND:
            _order_event(
                order=order,
                actor=access.user,
                message=format_lazy(
                    gettext_lazy("After-sales {number}: waiting for the goods to come back"), number=case.number
                ),
                data={"case": case.pk, "status": case.status},
                at=at,
            )
            _notify(
                _members_with_role(StoreRole.WAREHOUSE),
                kind="return_expected",
                title=_case_title(
                    gettext_lazy("Goods of order {order} are coming back (after-sales {number})"), case, order
                ),
                case=case,
            )
        else:
            _create_delivery(order=order, case=case, actor=access.user, at=at)
        _notify(
            {case.applicant_id} - {access.user.pk},
            kind="processing",
            title=_case_title(gettext_lazy("After-sales {number} on order {order} is being processed"), case, order),
            case=case,
        )
    return case


def case_return_received(*, access: StoreAccess, case_id: int, at: datetime | None = None) -> Case:
    """The warehouse records the returned goods of a return and refund; the refund is then
    created for finance (a return without money waits to be completed by hand)."""
    at = at or timezone.now()
    with transaction.atomic():
        order, case = _lock_case(case_id)
        _refuse(case, rules.RETURN_RECEIVED, access)
        case.return_received_at = at
        case.return_received_by = access.user
        _set(case, ["return_received_at", "return_received_by"])
        _event(case, kind=CaseEvent.Kind.RETURN_RECEIVED, actor=access.user, at=at)
        _order_event(
            order=order,
            actor=access.user,
            message=format_lazy(gettext_lazy("After-sales {number}: returned goods received"), number=case.number),
            data={"case": case.pk},
            at=at,
        )
        if case.amount:
            _create_refund(order=order, case=case, access=access, at=at)
        _notify(
            {case.applicant_id} - {access.user.pk},
            kind="return_received",
            title=_case_title(gettext_lazy("The goods of after-sales {number} (order {order}) are back"), case, order),
            case=case,
        )
    return case


def _complete(case: Case, *, order, actor, at: datetime, kind: str, message: Any = "") -> None:
    previous = case.status
    case.status = Case.Status.COMPLETED
    case.completed_at = at
    _set(case, ["status", "completed_at", "note"])
    _event(case, kind=kind, actor=actor, at=at, from_status=previous, message=str(message))
    _emit(case, "aftersales.completed")
    _order_event(
        order=order,
        actor=actor,
        message=format_lazy(gettext_lazy("After-sales {number} completed"), number=case.number),
        data={"case": case.pk, "status": case.status},
        at=at,
    )
    _notify(
        {case.applicant_id, order.owner_id} - {getattr(actor, "pk", None)},
        kind="completed",
        title=_case_title(gettext_lazy("After-sales {number} on order {order} is completed"), case, order),
        case=case,
    )
    if case.reissue_invoice:
        _notify(
            _members_with_role(StoreRole.FINANCE),
            kind="reissue_invoice",
            title=_case_title(
                gettext_lazy("Re-issue the invoice of order {order} (after-sales {number} is completed)"), case, order
            ),
            case=case,
        )


def case_complete(*, access: StoreAccess, case_id: int, at: datetime | None = None) -> Case:
    """Complete by hand what completes with no money and no delivery: a return without a refund
    whose goods are back. Every other case completes by itself (refund confirmed, delivery received)."""
    at = at or timezone.now()
    with transaction.atomic():
        order, case = _lock_case(case_id)
        _refuse(case, rules.COMPLETE, access)
        _complete(case, order=order, actor=access.user, at=at, kind=CaseEvent.Kind.COMPLETED)
    return case
