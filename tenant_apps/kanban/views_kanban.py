"""The Data Kanban page: headline cards and ECharts charts fed by ``GET /api/v1/kanban``.

The cards are the metric catalogue's headline figures; each change is coloured by the ``trend``
the API gives it (good or bad news for that figure), its arrow shows the direction."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from shared_apps.accounts.access import StoreRole
from shared_apps.accounts.views import store_page
from shared_apps.reporting.catalogue import KANBAN, visible
from shared_apps.reporting.display import page_labels
from tenant_apps.kanban.panels import kanban_panels_for
from tenant_apps.workspace.selectors import channel_list


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
        **page_labels(),
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
        "metrics": visible(KANBAN, costs=access.can("costs.view")),
        "labels": _labels(),
        "panels": kanban_panels_for(request),
    }
    return render(request, "kanban/dashboard.html", context)
