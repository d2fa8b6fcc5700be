"""The finance section of the order page (registered with ``sales.panels.register_order_panel``):
the money summary, the payment records with their vouchers, and the invoice requests."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from tenant_apps.finance import selectors


def order_finance_panel(*, order, access: StoreAccess) -> dict[str, Any] | None:
    if not access.can("payments.view"):
        return None
    payments = [
        {
            "id": p.pk,
            "kind": p.kind,
            "kind_label": str(p.get_kind_display()),
            "amount": f"{p.amount:.2f}",
            "method": p.method,
            "method_label": str(p.get_method_display()),
            "status": p.status,
            "status_label": str(p.get_status_display()),
            "note": p.note,
            "reject_reason": p.reject_reason,
            "created_at": timezone.localtime(p.created_at).isoformat(),
            "created_by": (p.created_by.name or p.created_by.email) if p.created_by_id and p.created_by else "",
            "confirmed_at": timezone.localtime(p.confirmed_at).isoformat() if p.confirmed_at else None,
            "vouchers": [
                {
                    "id": v.pk,
                    "name": v.original_name,
                    "url": reverse("finance:voucher", args=[p.pk, v.pk]),
                }
                for v in p.vouchers.all()
            ],
        }
        for p in selectors.order_payments(order=order)
    ]
    invoices = []
    if access.can("invoices.view"):
        invoices = [
            {
                "id": i.pk,
                "status": i.status,
                "status_label": str(i.get_status_display()),
                "title": i.title,
                "amount": f"{i.amount:.2f}",
                "number": i.number,
                "url": reverse("finance:invoice", args=[i.pk]),
            }
            for i in selectors.order_invoices(order=order)
        ]
    return {
        "title": _("Finance"),
        "money": selectors.order_money(order=order),
        "payments": payments,
        "invoices": invoices,
        "can_add_payment": access.can("payments.create") and not access.read_only,
        "can_confirm": access.can("payments.confirm") and not access.read_only,
        "can_request_invoice": access.can("invoices.request") and not access.read_only,
        "add_payment_url": reverse("finance:order-payment-add", args=[order.pk]),
        "request_invoice_url": reverse("finance:order-invoice-add", args=[order.pk]),
    }
