"""First-run guidance: the home page's checklist of a new store (channels, products, customers,
the team, the first quotation). Each step ticks itself from the store's own data, and the panel
leaves the home page once every step is done. Shown to store admins."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shared_apps.accounts.selectors import member_list
from tenant_apps.workspace.selectors import channel_list


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    hint: str
    url: str
    done: bool


def first_run_steps(request) -> list[Step]:
    from tenant_apps.customers.selectors import visible_customers
    from tenant_apps.sales.selectors import product_list, quotation_list

    access = request.store_access
    return [
        Step(
            "channels",
            _("Set up your channels"),
            _("The shops you sell in: orders and customers carry one."),
            reverse("workspace:channels"),
            channel_list(active_only=True).exists(),
        ),
        Step(
            "products",
            _("Add your products"),
            _("SKU, name and list price; quotations are made from them."),
            reverse("sales:product-create"),
            product_list().exists(),
        ),
        Step(
            "customers",
            _("Import your customers"),
            _("A CSV or Excel file; duplicates are found by mobile and chat id."),
            reverse("customers:import"),
            visible_customers(access=access).exists(),
        ),
        Step(
            "team",
            _("Invite your team"),
            _("Salespeople, supervisors, finance and warehouse, each with a one-time link."),
            reverse("workspace:member-invite"),
            member_list(store=request.tenant).filter(is_active=True).count() > 1,
        ),
        Step(
            "quotation",
            _("Make your first quotation"),
            _("With the discount rate and past prices beside each line."),
            reverse("sales:quotation-create"),
            quotation_list(access=access).exists(),
        ),
    ]


def first_run_panel(request) -> dict | None:
    """The checklist's context, or None (no panel) once every step is done."""
    steps = first_run_steps(request)
    done = sum(step.done for step in steps)
    if done == len(steps):
        return None
    return {"steps": steps, "done": done, "total": len(steps), "percent": round(100 * done / len(steps))}


def register() -> None:
    from shared_apps.platform.navigation import register_home_panel

    register_home_panel(
        key="first_run",
        template="workspace/_first_run.html",
        context=first_run_panel,
        permission="members.manage",
        order=1,
    )
