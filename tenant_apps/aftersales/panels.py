"""What after-sales adds to other pages: the order page's after-sales section and the customer
360° summary's after-sales cases (registered in ``AppConfig.ready()``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tenant_apps.aftersales import selectors, services
from tenant_apps.aftersales.models import Case


def order_panel(*, order, access) -> dict[str, Any] | None:
    """The order's after-sales history and whether the caller may apply (the order is visible)."""
    if access is None or not access.can("aftersales.view"):
        return None
    cases = list(selectors.order_cases(order_id=order.pk))
    may_apply = access.can("aftersales.create") and not access.read_only and order.status in services.AFTER_GOODS_LEFT
    return {
        "title": _("After-sales"),
        "count": len(cases),
        "can_apply": may_apply,
        "apply_url": reverse("aftersales:apply", args=[order.pk]) if may_apply else "",
        "before_goods_left": order.status in services.BEFORE_GOODS_LEFT,
        "cases": [
            {
                "id": case.pk,
                "number": case.number,
                "url": reverse("aftersales:detail", args=[case.pk]),
                "type": case.type,
                "type_label": str(Case.Type(case.type).label),
                "status": case.status,
                "status_label": str(Case.Status(case.status).label),
                "amount": f"{case.amount:.2f}" if case.amount is not None else None,
                "items": [
                    {"order_line": item.order_line_id, "sku": item.order_line.sku, "quantity": item.quantity}
                    for item in case.items.all()
                ],
                "applicant": case.applicant_id,
                "applicant_name": case.applicant.display_name if case.applicant_id else "",
                "created_at": timezone.localtime(case.created_at).isoformat(),
                "completed_at": timezone.localtime(case.completed_at).isoformat() if case.completed_at else None,
            }
            for case in cases
        ],
    }


def customer_panel(*, customer) -> dict[str, Any] | None:
    """The customer's after-sales cases: how many, how many open, and the latest ones."""
    data = selectors.customer_cases_panel(customer_id=customer.pk)
    latest = "; ".join(
        f"{row['number']} {Case.Type(row['type']).label} ({Case.Status(row['status']).label})" for row in data["latest"]
    )
    return {
        "title": _("After-sales cases"),
        "count": data["count"],
        "open": data["open"],
        "completed": data["completed"],
        "latest": latest,
        "case_rows": [
            {
                **row,
                "type_label": str(Case.Type(row["type"]).label),
                "status_label": str(Case.Status(row["status"]).label),
            }
            for row in data["latest"]
        ],
    }
