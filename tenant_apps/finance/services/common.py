"""What every finance write uses: the money checks under the order's lock, vouchers, the
payment's lock and the signals after commit (the fields come parsed: ``finance.inputs``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_list
from shared_apps.platform.commits import after_commit
from shared_apps.platform.errors import Conflict, InvalidTransition, NotFound
from shared_apps.platform.money_display import money_full
from tenant_apps.finance import files
from tenant_apps.finance.error_codes import FinanceErrorCode
from tenant_apps.finance.models import Payment, PaymentVoucher
from tenant_apps.sales import services as sales_services
from tenant_apps.sales.models import Order
from tenants.storetime import current_store

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")

KIND_LABELS = {
    Payment.Kind.COLLECTION: gettext_lazy("Collection"),
    Payment.Kind.SUPPLEMENT: gettext_lazy("Supplement"),
    Payment.Kind.REFUND: gettext_lazy("Refund"),
}


# --- helpers --------------------------------------------------------------------------------------


def payment_event_data(payment: Payment) -> dict:
    """A payment record for the event log, as the API returns it."""
    from tenant_apps.finance.serializers import PaymentSerializer

    return dict(PaymentSerializer(Payment.objects.get(pk=payment.pk)).data)


def finance_member_ids() -> list[int]:
    """Active finance members of the current store (they confirm records and issue invoices)."""
    return list(
        member_list(store=current_store())
        .filter(is_active=True, role=StoreRole.FINANCE)
        .values_list("user_id", flat=True)
    )


def order_url(order_id: int) -> str:
    return sales_services.order_url(order_id)


def invoice_url(invoice_id: int) -> str:
    return f"/finance/invoices/{invoice_id}/"


def _money_text(amount: Decimal) -> str:
    """An amount as the API and event data write it: ``35579.00``."""
    return f"{amount:.2f}"


def _money_shown(amount: Decimal) -> str:
    """An amount in a sentence people read (an order's timeline, a notification): ``¥35,579.00``."""
    return money_full(amount)


def _pending_sum(order_id: int, kind: str) -> Decimal:
    total = Payment.objects.filter(order_id=order_id, kind=kind, status=Payment.Status.PENDING).aggregate(
        total=Sum("amount")
    )["total"]
    return total or ZERO


def _over_collection(order: Order, *, counted: Decimal, amount: Decimal) -> Conflict:
    return Conflict(
        _(
            "This collection of %(amount)s would bring the collections of order %(number)s to %(total)s, "
            "more than its amount %(order_amount)s."
        )
        % {
            "amount": _money_text(amount),
            "number": order.number,
            "total": _money_text(counted + amount),
            "order_amount": _money_text(order.amount),
        },
        code=FinanceErrorCode.OVER_COLLECTION,
        extra={"collectable": _money_text(max(order.amount - counted, ZERO))},
    )


def _over_refund(order: Order, *, counted: Decimal, amount: Decimal) -> Conflict:
    ceiling = order.collected + order.supplemented
    return Conflict(
        _(
            "This refund of %(amount)s would bring the refunds of order %(number)s to %(total)s, "
            "more than the %(ceiling)s collected and supplemented."
        )
        % {
            "amount": _money_text(amount),
            "number": order.number,
            "total": _money_text(counted + amount),
            "ceiling": _money_text(ceiling),
        },
        code=FinanceErrorCode.OVER_REFUND,
        extra={"refundable": _money_text(max(ceiling - counted, ZERO))},
    )


def _order_cancelled(order: Order, kind: str) -> Conflict:
    return Conflict(
        _("Order %(number)s is cancelled: no %(kind)s can be recorded or confirmed on it.")
        % {"number": order.number, "kind": str(KIND_LABELS[kind]).lower()},
        code=FinanceErrorCode.ORDER_CANCELLED,
    )


def _check_new_record(order: Order, *, kind: str, amount: Decimal) -> None:
    """The rules for a new pending record on the locked ``order`` (pending records count)."""
    if kind != Payment.Kind.REFUND and order.status == Order.Status.CANCELLED:
        raise _order_cancelled(order, kind)
    if kind == Payment.Kind.COLLECTION:
        counted = order.collected + _pending_sum(order.pk, kind)
        if counted + amount > order.amount:
            raise _over_collection(order, counted=counted, amount=amount)
    elif kind == Payment.Kind.REFUND:
        counted = order.refunded + _pending_sum(order.pk, kind)
        if counted + amount > order.collected + order.supplemented:
            raise _over_refund(order, counted=counted, amount=amount)


def _check_confirmation(order: Order, payment: Payment) -> None:
    """The rules for confirming ``payment`` on the locked ``order`` (confirmed records count)."""
    kind, amount = payment.kind, payment.amount
    if kind != Payment.Kind.REFUND and order.status == Order.Status.CANCELLED:
        raise _order_cancelled(order, kind)
    if kind == Payment.Kind.COLLECTION and order.collected + amount > order.amount:
        raise _over_collection(order, counted=order.collected, amount=amount)
    if kind == Payment.Kind.REFUND and order.refunded + amount > order.collected + order.supplemented:
        raise _over_refund(order, counted=order.refunded, amount=amount)


def _save_file(record, checked: files.CheckedFile) -> None:
    files.save_checked_file(record, checked)


def _add_vouchers(payment: Payment, checked: Iterable[files.CheckedFile], access: StoreAccess) -> list[PaymentVoucher]:
    return [PaymentVoucher.upload(item, payment=payment, uploaded_by=access.user) for item in checked]


def _lock_payment(payment_id: int) -> tuple[Order, Payment]:
    """The order, then the payment record, both locked (the order first, as everywhere)."""
    ref = Payment.objects.filter(pk=payment_id).values("pk", "order_id").first()
    if ref is None:
        raise NotFound(_("No such payment record."))
    order = sales_services.order_lock(order_id=ref["order_id"])
    payment = Payment.objects.select_for_update().get(pk=ref["pk"])
    return order, payment


def _already_decided(payment: Payment) -> InvalidTransition:
    return InvalidTransition(
        _("This payment record was already decided (%(status)s).") % {"status": Payment.Status(payment.status).label},
        extra={"payment_status": payment.status},
    )


def _send_after_commit(signal, payment: Payment) -> None:
    """Send ``signal`` once the transaction commits, in this store's schema (the commit may come
    after the caller moved on to another schema, as the demo seeding of several stores does)."""

    def dispatch() -> None:
        for receiver, response in signal.send_robust(sender=Payment, payment=payment):
            if isinstance(response, Exception):
                logger.error(
                    "finance signal receiver %r failed for payment %s", receiver, payment.pk, exc_info=response
                )

    after_commit(dispatch)
