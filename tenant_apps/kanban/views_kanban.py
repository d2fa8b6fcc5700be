"""The Data Kanban page: headline cards and ECharts charts fed by ``GET /api/v1/kanban``."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from shared_apps.accounts.access import StoreRole
from shared_apps.accounts.views import store_page
from tenant_apps.workspace.selectors import channel_list

METRIC_CARDS = (
    ("gmv", _("Transaction amount"), "money"),
    ("orders", _("Orders"), "count"),
    ("aov", _("Average order value"), "money"),
    ("paying_customers", _("Paying customers"), "count"),
    ("repurchase_rate", _("Repurchase rate"), "rate"),
    ("new_customers", _("New customers"), "count"),
    ("entry_rate", _("Customer entry rate"), "rate"),
    ("conversion_rate", _("Conversion rate"), "rate"),
    ("positive_feedback_rate", _("Positive feedback rate"), "rate"),
    ("return_visit_rate", _("Return visit rate"), "rate"),
    ("lost_rate", _("Lost rate"), "rate"),
    ("net_revenue", _("Net revenue"), "money"),
    ("receivable_overdue", _("Overdue receivables"), "money"),
)


def _labels() -> dict:
    return {
        "previous": str(_("Previous period")),
        "gmv": str(_("Transaction amount")),
        "orders": str(_("Orders")),
        "new": str(_("New")),
        "returning": str(_("Returning")),
        "amount": str(_("Amount")),
        "none": str(_("No data")),
        "unknown_province": str(_("Unknown")),
        "devices": {"pc": str(_("PC")), "mobile": str(_("Mobile")), "app": str(_("App")), "unknown": str(_("Unknown"))},
        "error": str(_("The figures could not be loaded.")),
    }


def _salespeople(request) -> list[tuple[int, str]]:
    from shared_apps.accounts.models import Membership

    members = (
        Membership.objects.filter(store=request.tenant, role=StoreRole.SALESPERSON, is_active=True)
        .select_related("user")
        .order_by("user__name", "user__email")
    )
    return [(m.user_id, m.user.display_name) for m in members]


@store_page("kanban.view")
def dashboard(request):
    access = request.store_access
    own_only = access.role == StoreRole.SALESPERSON
    context = {
        "channels": channel_list(),
        "salespeople": [] if own_only else _salespeople(request),
        "own_only": own_only,
        "metric_cards": METRIC_CARDS,
        "labels": _labels(),
    }
    return render(request, "kanban/dashboard.html", context)
