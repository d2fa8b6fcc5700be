"""Writes of after-sales: applications, decisions, processing, completion and cancellation.

Every write validates everything first and runs in one transaction. Lock order, the same
everywhere: the order row (``sales.services.order_lock``), then the case row. Holding the order
lock while checking makes the two rules that span cases safe against people acting at once:

* money: the refunds of an order (after-sales and direct, pending and confirmed) never exceed
  what was received for it (collected + supplemented). An application or an approval may not ask
  for more than the order's refundable amount (finance) minus what other open cases of the order
  have asked for and not yet turned into a refund record; the refund record itself is created by
  finance, which checks the same sum again under the same lock (409 ``over_refund``);
* quantities: the units of an order line in a case never exceed the units ordered minus those
  already returned, exchanged or re-sent by the order's other cases that are not rejected or
  cancelled (refund-only cases name the goods the money is for and take no units).

A wrong state, or a role that may not take the step, is 409 ``invalid_transition`` and changes
nothing. Notifications are written with the change; their emails go after commit.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.approvals import check_approver
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_list
from shared_apps.platform.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tenant_apps.aftersales import rules
from tenant_apps.aftersales.error_codes import AftersalesErrorCode
from tenant_apps.aftersales.models import Case, CaseEvent, CaseItem
from tenant_apps.finance import services as finance_services
from tenant_apps.finance.selectors import refundable_amount
from tenant_apps.notifications.services import notify
from tenant_apps.outbox.services import emit
from tenant_apps.sales import services as sales_services
from tenant_apps.sales.selectors import order_get_for_user
from tenants.storetime import current_store

logger = logging.getLogger(__name__)

STORE_URLCONF = settings.ROOT_URLCONF
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("999999999999.99")
MAX_ITEMS = 200
MAX_QUANTITY = 1_000_000
REASON_MAX = 500
COMMENT_MAX = 500
REFUND_METHODS = ("bank_transfer", "alipay", "wechat_pay", "cash", "platform")
DEFAULT_REFUND_METHOD = "bank_transfer"

# Order statuses (tenant_apps.sales) in which after-sales is the right action.
AFTER_GOODS_LEFT = ("pending_delivery", "pending_receipt", "awaiting_payment", "completed")
BEFORE_GOODS_LEFT = ("pending_collection", "pending_outbound")
ORDER_CANCELLED = "cancelled"
# Case types whose units count as taken from the order line (returned, exchanged or re-sent).
UNIT_TYPES = (Case.Type.RETURN_REFUND, Case.Type.EXCHANGE, Case.Type.REISSUE)
LIVE_STATUSES = (Case.Status.PENDING_APPROVAL, Case.Status.APPROVED, Case.Status.PROCESSING, Case.Status.COMPLETED)

TYPE_LABELS = dict(Case.Type.choices)


# --- helpers --------------------------------------------------------------------------------------


def case_url(case_id: int) -> str:
    """The case's page (store urlconf, also from signal handlers where no request chose it)."""
    return reverse("aftersales:detail", args=[case_id], urlconf=STORE_URLCONF)


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first if len(errors) == 1 else _("Invalid input."), errors=errors)


def _parse_id(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def parse_amount(value: Any, *, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    """A money amount ≥ 0 with at most 2 decimals, given as a decimal string or a number."""
    if value is None or value == "" or isinstance(value, (bool, dict, list)):
        errors.setdefault(field, []).append(_("An amount is required."))
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_("Not a valid amount."))
        return None
    if not amount.is_finite():
        errors.setdefault(field, []).append(_("Not a valid amount."))
        return None
    if amount < 0:
        errors.setdefault(field, []).append(_("The amount cannot be negative."))
        return None
    if amount > MAX_AMOUNT:
        errors.setdefault(field, []).append(_("The amount is too large."))
        return None
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        errors.setdefault(field, []).append(_("At most 2 decimal places."))
        return None
    return amount.quantize(CENT)


def _parse_quantity(value: Any, *, field: str, errors: dict[str, list[str]]) -> int | None:
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or number <= 0 or number > MAX_QUANTITY:
        errors.setdefault(field, []).append(_("A whole number from 1 to %(max)d.") % {"max": MAX_QUANTITY})
        return None
    return number


def _text(value: Any, *, field: str, errors: dict[str, list[str]], max_length: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.setdefault(field, []).append(_("Text is expected."))
        return ""
    text = value.strip()
    if required and not text:
        errors.setdefault(field, []).append(_("This field is required."))
    elif len(text) > max_length:
        errors.setdefault(field, []).append(_("At most %(max)d characters.") % {"max": max_length})
    return text


def _parse_items(value: Any, errors: dict[str, list[str]], *, required: bool) -> list[tuple[int, int]]:
    """``[{"order_line", "quantity"}]`` → ``[(order_line_id, quantity)]`` (shape only)."""
    if value in (None, ""):
        value = []
    if not isinstance(value, list):
        errors.setdefault("items", []).append(_("A list of items is expected."))
        return []
    if required and not value:
        errors.setdefault("items", []).append(_("Name at least one item of the order and its quantity."))
        return []
    if len(value) > MAX_ITEMS:
        errors.setdefault("items", []).append(_("At most %(max)d items.") % {"max": MAX_ITEMS})
        return []
    items: list[tuple[int, int]] = []
    seen: set[int] = set()
    for index, raw in enumerate(value):
        if not isinstance(raw, dict):
            errors.setdefault(f"items.{index}", []).append(_("An item is an object."))
            continue
        line_id = _parse_id(raw.get("order_line"))
        if line_id is None:
            errors.setdefault(f"items.{index}.order_line", []).append(_("This item is not in the order."))
        elif line_id in seen:
            errors.setdefault(f"items.{index}.order_line", []).append(_("This order line is named twice."))
        quantity = _parse_quantity(raw.get("quantity"), field=f"items.{index}.quantity", errors=errors)
        if line_id is not None and quantity is not None and line_id not in seen:
            items.append((line_id, quantity))
        if line_id is not None:
            seen.add(line_id)
    return items


def _members_with_role(*roles: str) -> list[int]:
    return list(
        member_list(store=current_store())
        .filter(is_active=True, user__is_active=True, role__in=list(roles))
        .values_list("user_id", flat=True)
    )


def _approvers_for(*, owner_id: int, exclude: int | None = None) -> list[int]:
    """Who decides a case on an order of ``owner_id``: the owner's team supervisor, else every
    supervisor and store admin."""
    members = member_list(store=current_store()).filter(is_active=True)
    own = members.filter(user_id=owner_id).first()
    ids: list[int] = []
    if own is not None and own.supervisor_id is not None and members.filter(user_id=own.supervisor_id).exists():
        ids = [own.supervisor_id]
    else:
        ids = list(members.filter(role__in=[StoreRole.SUPERVISOR, StoreRole.ADMIN]).values_list("user_id", flat=True))
    return [pk for pk in ids if pk != exclude]


def _lock_order(order_id: int):
    return sales_services.order_lock(order_id=order_id)


def _order_event(*, order, actor, message, data: dict, at: datetime) -> None:
    sales_services.order_event_add(order=order, kind="aftersales", actor=actor, message=message, data=data, at=at)


def _refundable(order) -> Decimal:
    """What finance may still refund on the order: collected + supplemented - pending and confirmed refunds."""
    return Decimal(refundable_amount(order=order))


def _reserved(*, order_id: int, exclude_case_id: int | None = None) -> Decimal:
    """Money asked for by open cases of the order that has no refund record yet."""
    qs = Case.objects.filter(
        order_id=order_id,
        type__in=Case.MONEY_TYPES,
        status__in=Case.OPEN_STATUSES,
        refund_payment_id__isnull=True,
    )
    if exclude_case_id is not None:
        qs = qs.exclude(pk=exclude_case_id)
    return qs.aggregate(total=Sum("amount"))["total"] or ZERO


def _check_amount(*, order, amount: Decimal, exclude_case_id: int | None = None) -> None:
    available = _refundable(order) - _reserved(order_id=order.pk, exclude_case_id=exclude_case_id)
    available = max(available, ZERO)
    if amount > available:
        message = _(
            "The amount %(amount)s exceeds what can still be refunded on this order (%(available)s): "
            "refunds never exceed what was received."
        ) % {"amount": f"{amount:.2f}", "available": f"{available:.2f}"}
        raise Conflict(
            message,
            code=AftersalesErrorCode.OVER_REFUND,
            errors={"amount": [message]},
            extra={"refundable": f"{available:.2f}"},
        )


def units_taken(*, order_id: int, exclude_case_id: int | None = None) -> dict[int, int]:
    """Units of each order line taken by the order's live (not rejected, not cancelled) cases."""
    qs = CaseItem.objects.filter(case__order_id=order_id, case__status__in=LIVE_STATUSES, case__type__in=UNIT_TYPES)
    if exclude_case_id is not None:
        qs = qs.exclude(case_id=exclude_case_id)
    return {row["order_line_id"]: row["n"] for row in qs.values("order_line_id").annotate(n=Sum("quantity"))}


def _check_items(*, order, items: list[tuple[int, int]], errors: dict[str, list[str]]) -> None:
    lines = {line.pk: line for line in order.lines.all()}
    taken = units_taken(order_id=order.pk)
    for index, (line_id, quantity) in enumerate(items):
        line = lines.get(line_id)
        if line is None:
            errors.setdefault(f"items.{index}.order_line", []).append(_("This item is not in the order."))
            continue
        left = line.quantity - taken.get(line_id, 0)
        if quantity > left:
            errors.setdefault(f"items.{index}.quantity", []).append(
                _(
                    "Only %(left)d of %(ordered)d units of %(sku)s are left "
                    "(the others are already returned or exchanged)."
                )
                % {"left": max(left, 0), "ordered": line.quantity, "sku": line.sku}
            )


def _event(case: Case, *, kind: str, actor, at: datetime, from_status: str = "", message: str = "", data=None):
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        from_status=from_status,
        to_status=case.status if from_status else "",
        actor=actor,
        message=str(message or "")[:500],
        data=data or {},
        at=at,
    )


def case_event_data(case: Case) -> dict:
    """An after-sales case for the event log, as the API returns it (without what depends on the reader)."""
    from tenant_apps.aftersales.api import CaseSerializer

    data = dict(CaseSerializer(Case.objects.get(pk=case.pk)).data)
    data.pop("actions", None)  # what the reader may do next: the reader's own
    return data


def _emit(case: Case, event: str) -> None:
    emit(event, entity="aftersales", entity_id=case.pk, data=case_event_data(case))


def _lock_case(case_id: int) -> tuple[Any, Case]:
    """The case's order row, then the case row, locked (404 when the case is missing)."""
    pk = _parse_id(case_id)
    ref = Case.objects.filter(pk=pk).values("order_id").first() if pk else None
    if ref is None:
        raise NotFound(_("No such after-sales case."))
    order = _lock_order(ref["order_id"])
    case = Case.objects.select_for_update(of=("self",)).get(pk=pk)
    return order, case


def _refuse(case: Case, action: str, access: StoreAccess | None) -> None:
    """409 ``invalid_transition`` when the state or the caller's role does not allow ``action``.

    Deciding (approve, reject) is checked first, before any state rule: 403 without the permission,
    403 ``four_eyes_required`` for one's own application (shared_apps.accounts.approvals)."""
    deciding = action in (rules.APPROVE, rules.REJECT)
    if access is not None and deciding:
        check_approver(
            access=access,
            permission="aftersales.approve",
            applicant_ids=(case.applicant_id,),
            subject="aftersales_case",
            object_id=case.pk,
        )
    if not rules.state_allows(case, action):
        raise InvalidTransition(
            _("This case is %(status)s: it cannot be %(action)s now.")
            % {"status": Case.Status(case.status).label, "action": ACTION_VERBS[action]},
            extra={"case_status": case.status},
        )
    if access is not None and not deciding and not rules.role_allows(case, action, access):
        detail = _("Your role cannot %(action)s this case.") % {"action": ACTION_INFINITIVES[action]}
        raise InvalidTransition(detail, extra={"case_status": case.status})


ACTION_VERBS = {
    rules.APPROVE: gettext_lazy("approved"),
    rules.REJECT: gettext_lazy("rejected"),
    rules.PROCESS: gettext_lazy("processed"),
    rules.RETURN_RECEIVED: gettext_lazy("marked as returned"),
    rules.COMPLETE: gettext_lazy("completed by hand"),
    rules.CANCEL: gettext_lazy("cancelled"),
}
ACTION_INFINITIVES = {
    rules.APPROVE: gettext_lazy("approve"),
    rules.REJECT: gettext_lazy("reject"),
    rules.PROCESS: gettext_lazy("process"),
    rules.RETURN_RECEIVED: gettext_lazy("record the returned goods of"),
    rules.COMPLETE: gettext_lazy("complete"),
    rules.CANCEL: gettext_lazy("cancel"),
}


def _notify(recipients, *, kind: str, title, case: Case, body: Any = "") -> None:
    notify(
        recipients=[pk for pk in recipients if pk is not None],
        kind=f"aftersales.{kind}",
        title=title,
        body=body,
        url=case_url(case.pk),
        data={"case": case.pk, "order": case.order_id},
    )


def _case_title(text, case: Case, order) -> Any:
    return format_lazy(text, number=case.number, order=order.number)


def _set(case: Case, fields: list[str]) -> None:
    case.save(update_fields=[*fields, "updated_at"])


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
    reason = _text(reason, field="reason", errors=errors, max_length=REASON_MAX, required=True)
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
    order_pk = _parse_id(order_id)
    if order_pk is None:
        errors.setdefault("order", []).append(_("No such order."))
    _raise(errors)

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
        _raise(errors)
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


# --- decisions ------------------------------------------------------------------------------------


def case_approve(*, case_id: Any, access: StoreAccess, comment: Any = "", at: datetime | None = None) -> Case:
    """A supervisor approves a pending case; its amount is checked again against what is refundable."""
    at = at or timezone.now()
    errors: dict[str, list[str]] = {}
    comment = _text(comment, field="comment", errors=errors, max_length=COMMENT_MAX, required=False)
    _raise(errors)
    with transaction.atomic():
        order, case = _lock_case(case_id)
        _refuse(case, rules.APPROVE, access)
        if case.amount:
            _check_amount(order=order, amount=case.amount, exclude_case_id=case.pk)
        previous = case.status
        case.status = Case.Status.APPROVED
        case.decided_by = access.user
        case.decided_at = at
        case.decision_comment = comment
        _set(case, ["status", "decided_by", "decided_at", "decision_comment"])
        _event(case, kind=CaseEvent.Kind.APPROVED, actor=access.user, at=at, from_status=previous, message=comment)
        _emit(case, "aftersales.approved")
        _order_event(
            order=order,
            actor=access.user,
            message=format_lazy(gettext_lazy("After-sales {number} approved"), number=case.number),
            data={"case": case.pk, "status": case.status},
            at=at,
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


def case_reject(*, case_id: Any, access: StoreAccess, comment: Any, at: datetime | None = None) -> Case:
    """A supervisor rejects a pending case with a comment (required)."""
    at = at or timezone.now()
    errors: dict[str, list[str]] = {}
    comment = _text(comment, field="comment", errors=errors, max_length=COMMENT_MAX, required=True)
    _raise(errors)
    with transaction.atomic():
        order, case = _lock_case(case_id)
        _refuse(case, rules.REJECT, access)
        previous = case.status
        case.status = Case.Status.REJECTED
        case.decided_by = access.user
        case.decided_at = at
        case.decision_comment = comment
        _set(case, ["status", "decided_by", "decided_at", "decision_comment"])
        _event(case, kind=CaseEvent.Kind.REJECTED, actor=access.user, at=at, from_status=previous, message=comment)
        _order_event(
            order=order,
            actor=access.user,
            message=format_lazy(gettext_lazy("After-sales {number} rejected"), number=case.number),
            data={"case": case.pk, "status": case.status},
            at=at,
        )
        _notify(
            {case.applicant_id, order.owner_id} - {access.user.pk},
            kind="rejected",
            title=_case_title(gettext_lazy("After-sales {number} on order {order} was rejected"), case, order),
            body=format_lazy(gettext_lazy("Reason: {reason}"), reason=comment),
            case=case,
        )
    return case


def case_cancel(*, case_id: Any, access: StoreAccess, at: datetime | None = None) -> Case:
    """The applicant (or a supervisor) withdraws a case before it is processed."""
    at = at or timezone.now()
    with transaction.atomic():
        order, case = _lock_case(case_id)
        _refuse(case, rules.CANCEL, access)
        previous = case.status
        case.status = Case.Status.CANCELLED
        case.cancelled_at = at
        case.cancelled_by = access.user
        _set(case, ["status", "cancelled_at", "cancelled_by"])
        _event(case, kind=CaseEvent.Kind.CANCELLED, actor=access.user, at=at, from_status=previous)
        _order_event(
            order=order,
            actor=access.user,
            message=format_lazy(gettext_lazy("After-sales {number} cancelled"), number=case.number),
            data={"case": case.pk, "status": case.status},
            at=at,
        )
        told = {case.applicant_id, case.decided_by_id}
        if previous == Case.Status.PENDING_APPROVAL:
            told |= set(_approvers_for(owner_id=order.owner_id))
        _notify(
            told - {access.user.pk, None},
            kind="cancelled",
            title=_case_title(gettext_lazy("After-sales {number} on order {order} was cancelled"), case, order),
            case=case,
        )
    return case


# --- processing -----------------------------------------------------------------------------------


def _create_refund(*, order, case: Case, actor, at: datetime) -> None:
    """The pending refund record for finance (finance refuses 409 ``over_refund`` under the order lock)."""
    payment = finance_services.refund_create(
        order=order,
        amount=case.amount,
        method=case.refund_method or DEFAULT_REFUND_METHOD,
        actor=actor,
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
            amount=f"{case.amount:.2f}",
        ),
        data={"case": case.pk, "payment": payment.pk},
        at=at,
    )
    _notify(
        _members_with_role(StoreRole.FINANCE),
        kind="refund_to_confirm",
        title=format_lazy(
            gettext_lazy("Refund of {amount} on order {order} to confirm (after-sales {number})"),
            amount=f"{case.amount:.2f}",
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


def case_process(*, case_id: Any, access: StoreAccess, method: Any = None, at: datetime | None = None) -> Case:
    """Start processing an approved case (→ processing).

    refund only: the pending refund record is created for finance (``method``: how the money goes
    back, default bank transfer); return and refund: the warehouse is told a return is expected;
    exchange and reissue: a new delivery is created for the warehouse.
    """
    at = at or timezone.now()
    errors: dict[str, list[str]] = {}
    if method not in (None, "") and method not in REFUND_METHODS:
        errors["method"] = [_("One of: %(values)s.") % {"values": ", ".join(REFUND_METHODS)}]
    _raise(errors)
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
            _create_refund(order=order, case=case, actor=access.user, at=at)
        elif case.type == Case.Type.RETURN_REFUND and case.return_received_at is not None:
            # Processed again after finance rejected the refund: the goods are back already.
            if case.amount:
                _create_refund(order=order, case=case, actor=access.user, at=at)
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


def case_return_received(*, case_id: Any, access: StoreAccess, at: datetime | None = None) -> Case:
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
            _create_refund(order=order, case=case, actor=access.user, at=at)
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


def case_complete(*, case_id: Any, access: StoreAccess, at: datetime | None = None) -> Case:
    """Complete by hand what completes with no money and no delivery: a return without a refund
    whose goods are back. Every other case completes by itself (refund confirmed, delivery received)."""
    at = at or timezone.now()
    with transaction.atomic():
        order, case = _lock_case(case_id)
        _refuse(case, rules.COMPLETE, access)
        _complete(case, order=order, actor=access.user, at=at, kind=CaseEvent.Kind.COMPLETED)
    return case


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
