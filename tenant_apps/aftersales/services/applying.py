"""Applying for after-sales on an order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import Conflict, PermissionDenied
from shared_apps.platform.fields import raise_errors
from tenant_apps.aftersales.error_codes import AftersalesErrorCode
from tenant_apps.aftersales.models import Case, CaseEvent, CaseItem
from tenant_apps.aftersales.services.common import (
    BEFORE_GOODS_LEFT,
    ORDER_CANCELLED,
    TYPE_LABELS,
    _approvers_for,
    _case_title,
    _check_amount,
    _check_items,
    _emit,
    _event,
    _lock_order,
    _notify,
    _order_event,
)
from tenant_apps.sales.selectors import order_get_for_user

# --- apply ----------------------------------------------------------------------------------------


def _check_goods_left(order) -> None:
    """After-sales is for an order whose goods left the warehouse (else it is cancelled, or to be)."""
    if order.status == ORDER_CANCELLED:
        raise Conflict(
            _("This order is cancelled: there is nothing to return or refund."),
            code=AftersalesErrorCode.ORDER_CANCELLED,
        )
    if order.status in BEFORE_GOODS_LEFT:
        raise Conflict(
            _(
                "The goods of this order have not left the warehouse yet: cancel the order instead "
                "of applying for after-sales."
            ),
            code=AftersalesErrorCode.CANCELLATION_REQUIRED,
            extra={"order_status": order.status},
        )


def _announce_application(case: Case, *, order, access: StoreAccess, at: datetime) -> None:
    """The case's and the order's timelines, the event, and the approvers and the order's owner told."""
    _event(case, kind=CaseEvent.Kind.APPLIED, actor=access.user, at=at, message=case.reason)
    _emit(case, "aftersales.created")
    _order_event(
        order=order,
        actor=access.user,
        message=format_lazy(
            gettext_lazy("After-sales {number} applied for: {type}"),
            number=case.number,
            type=TYPE_LABELS[case.type],
        ),
        data={"case": case.pk, "type": case.type, "status": case.status},
        at=at,
    )
    _notify(
        _approvers_for(owner_id=order.owner_id, exclude=access.user.pk),
        kind="applied",
        title=_case_title(gettext_lazy("After-sales {number} on order {order} waits for approval"), case, order),
        body=format_lazy(gettext_lazy("Reason: {reason}"), reason=case.reason),
        case=case,
    )
    if order.owner_id != access.user.pk:
        _notify(
            [order.owner_id],
            kind="applied_on_your_order",
            title=_case_title(gettext_lazy("After-sales {number} was applied for on your order {order}"), case, order),
            case=case,
        )


def case_apply(
    *,
    access: StoreAccess,
    order_id: int,
    type: str,
    reason: str,
    amount: Decimal | None = None,
    items: Sequence[tuple[int, int]] = (),
    reissue_invoice: bool = False,
    at: datetime | None = None,
) -> Case:
    """Apply for after-sales on a visible order whose goods have left the warehouse (``items``:
    order line and quantity pairs; ``amount``: the refund of a return and refund or a refund only).

    Refused with nothing written: a foreign or invisible order (404), a cancelled order (409
    ``order_cancelled``), an order still in the warehouse (409 ``cancellation_required``: cancel the
    order instead), an amount above what can be refunded (409 ``over_refund``), items not in the
    order or more units than are left (400).
    """
    at = at or timezone.now()
    if not access.can("aftersales.create") or access.read_only:
        raise PermissionDenied(_("Your role cannot apply for after-sales."))
    order = order_get_for_user(order_id=order_id, access=access)  # 404 when foreign or not visible
    with transaction.atomic():
        order = _lock_order(order.pk)
        _check_goods_left(order)
        errors: dict[str, list[str]] = {}
        _check_items(order=order, items=items, errors=errors)
        raise_errors(errors)
        if amount is not None and amount > 0:
            _check_amount(order=order, amount=amount)
        case = Case.objects.create(
            order=order,
            type=type,
            reason=reason,
            amount=amount,
            reissue_invoice=reissue_invoice,
            applicant=access.user,
            created_at=at,
        )
        CaseItem.objects.bulk_create(
            [CaseItem(case=case, order_line_id=line_id, quantity=quantity) for line_id, quantity in items]
        )
        _announce_application(case, order=order, access=access, at=at)
    return case
