"""What every after-sales write uses: the order-wide money and quantity checks, the case's lock,
timeline, events and notifications (the fields come parsed: ``aftersales.inputs``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_list
from shared_apps.platform.errors import Conflict, InvalidTransition, NotFound
from tenant_apps.aftersales import rules
from tenant_apps.aftersales.error_codes import AftersalesErrorCode
from tenant_apps.aftersales.models import Case, CaseEvent, CaseItem
from tenant_apps.finance.selectors import refundable_amount
from tenant_apps.notifications.services import notify
from tenant_apps.outbox.services import emit
from tenant_apps.sales import services as sales_services
from tenants.storetime import current_store

STORE_URLCONF = settings.ROOT_URLCONF
ZERO = Decimal("0.00")
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


def _check_items(*, order, items: Sequence[tuple[int, int]], errors: dict[str, list[str]]) -> None:
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
    return CaseEvent.record(
        case,
        kind=kind,
        from_status=from_status,
        to_status=case.status if from_status else "",
        actor=actor,
        message=message,
        data=data,
        at=at,
    )


def case_event_data(case: Case) -> dict:
    """An after-sales case for the event log, as the API returns it (without what depends on the reader)."""
    from tenant_apps.aftersales.serializers import CaseSerializer

    data = dict(CaseSerializer(Case.objects.get(pk=case.pk)).data)
    data.pop("actions", None)  # what the reader may do next: the reader's own
    return data


def _emit(case: Case, event: str) -> None:
    emit(event, entity="aftersales", entity_id=case.pk, data=case_event_data(case))


def _lock_case(case_id: int) -> tuple[Any, Case]:
    """The case's order row, then the case row, locked (404 when the case is missing)."""
    ref = Case.objects.filter(pk=case_id).values("order_id").first()
    if ref is None:
        raise NotFound(_("No such after-sales case."))
    order = _lock_order(ref["order_id"])
    case = Case.objects.select_for_update(of=("self",)).get(pk=case_id)
    return order, case


def _wrong_state(case: Case, action: str) -> InvalidTransition:
    """409 ``invalid_transition``: the case's state does not allow ``action``."""
    return InvalidTransition(
        _("This case is %(status)s: it cannot be %(action)s now.")
        % {"status": Case.Status(case.status).label, "action": ACTION_VERBS[action]},
        extra={"case_status": case.status},
    )


def _refuse(case: Case, action: str, access: StoreAccess) -> None:
    """409 ``invalid_transition`` when the state or the caller's role does not allow ``action``.
    Approving and rejecting do not come here: ``decisions.APPROVE`` and ``decisions.REJECT`` check
    four eyes (403) before the state rule."""
    if not rules.state_allows(case, action):
        raise _wrong_state(case, action)
    _refuse_role(case, action, access)


def _refuse_role(case: Case, action: str, access: StoreAccess) -> None:
    """409 ``invalid_transition`` when the caller's role does not allow ``action`` on the case."""
    if not rules.role_allows(case, action, access):
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
