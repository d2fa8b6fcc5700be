"""Applying for after-sales on an order."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import Conflict, PermissionDenied
from shared_apps.platform.fields import parse_id, parse_text, raise_errors
from tenant_apps.aftersales.error_codes import AftersalesErrorCode
from tenant_apps.aftersales.models import Case, CaseEvent, CaseItem
from tenant_apps.aftersales.services.common import (
    BEFORE_GOODS_LEFT,
    ORDER_CANCELLED,
    REASON_MAX,
    TYPE_LABELS,
    UNIT_TYPES,
    _approvers_for,
    _case_title,
    _check_amount,
    _check_items,
    _emit,
    _event,
    _lock_order,
    _notify,
    _order_event,
    _parse_items,
    parse_amount,
)
from tenant_apps.sales.selectors import order_get_for_user

# --- apply ----------------------------------------------------------------------------------------


def case_apply(
    *,
    access: StoreAccess,
    order_id: Any,
    type: Any,
    reason: Any,
    amount: Any = None,
    items: Any = None,
    reissue_invoice: Any = False,
    at: datetime | None = None,
) -> Case:
    """Apply for after-sales on a visible order whose goods have left the warehouse.

    Refused with nothing written: a foreign or invisible order (404), a cancelled order (409
    ``order_cancelled``), an order still in the warehouse (409 ``cancellation_required``: cancel the
    order instead), an amount above what can be refunded (409 ``over_refund``), items not in the
    order or more units than are left (400), and any malformed field (400).
    """
    at = at or timezone.now()
    if not access.can("aftersales.create") or access.read_only:
        raise PermissionDenied(_("Your role cannot apply for after-sales."))
    errors: dict[str, list[str]] = {}
    if type not in Case.Type.values:
        errors["type"] = [_("One of: %(values)s.") % {"values": ", ".join(Case.Type.values)}]
        case_type = None
    else:
        case_type = Case.Type(type)
    reason = parse_text(reason, field="reason", errors=errors, max_length=REASON_MAX, required=True)
    if not isinstance(reissue_invoice, bool):
        if reissue_invoice in (None, ""):
            reissue_invoice = False
        else:
            errors["reissue_invoice"] = [_("true or false.")]
    money: Decimal | None = None
    if case_type in Case.MONEY_TYPES:
        money = parse_amount(amount, field="amount", errors=errors)
        if money is not None and money == 0 and case_type == Case.Type.REFUND_ONLY:
            errors.setdefault("amount", []).append(_("A refund must be greater than zero."))
    elif case_type in Case.DELIVERY_TYPES and amount not in (None, ""):
        check: dict[str, list[str]] = {}
        value = parse_amount(amount, field="amount", errors=check)
        if check or value != 0:
            errors["amount"] = [_("No money moves in an exchange or a reissue: leave the amount empty.")]
    parsed_items = _parse_items(items, errors, required=case_type in UNIT_TYPES)
    order_pk = parse_id(order_id, whole_floats=True)
    if order_pk is None:
        errors.setdefault("order", []).append(_("No such order."))
    raise_errors(errors)

    order = order_get_for_user(order_id=order_pk, access=access)  # 404 when foreign or not visible
    with transaction.atomic():
        order = _lock_order(order.pk)
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
        _check_items(order=order, items=parsed_items, errors=errors)
        raise_errors(errors)
        if money is not None and money > 0:
            _check_amount(order=order, amount=money)
        case = Case.objects.create(
            order=order,
            type=case_type,
            reason=reason,
            amount=money,
            reissue_invoice=reissue_invoice,
            applicant=access.user,
            created_at=at,
        )
        CaseItem.objects.bulk_create(
            [CaseItem(case=case, order_line_id=line_id, quantity=quantity) for line_id, quantity in parsed_items]
        )
        _event(case, kind=CaseEvent.Kind.APPLIED, actor=access.user, at=at, message=reason)
        _emit(case, "aftersales.created")
        _order_event(
            order=order,
            actor=access.user,
            message=format_lazy(
                gettext_lazy("After-sales {number} applied for: {type}"),
                number=case.number,
                type=TYPE_LABELS[case_type],
            ),
            data={"case": case.pk, "type": case_type, "status": case.status},
            at=at,
        )
        _notify(
            _approvers_for(owner_id=order.owner_id, exclude=access.user.pk),
            kind="applied",
            title=_case_title(gettext_lazy("After-sales {number} on order {order} waits for approval"), case, order),
            body=format_lazy(gettext_lazy("Reason: {reason}"), reason=reason),
            case=case,
        )
        if order.owner_id != access.user.pk:
            _notify(
                [order.owner_id],
                kind="applied_on_your_order",
                title=_case_title(
                    gettext_lazy("After-sales {number} was applied for on your order {order}"), case, order
                ),
                case=case,
            )
    return case
