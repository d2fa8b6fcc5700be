"""Roles and what each may do. Later modules ask ``has_permission(access, "claims.approve")``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StoreRole(models.TextChoices):
    SALESPERSON = "salesperson", _("Salesperson")
    SUPERVISOR = "supervisor", _("Supervisor")
    FINANCE = "finance", _("Finance")
    WAREHOUSE = "warehouse", _("Warehouse")
    ADMIN = "admin", _("Store admin")


class HQRole(models.TextChoices):
    NONE = "", _("None")
    EXECUTIVE = "hq_executive", _("HQ executive")
    ADMIN = "hq_admin", _("HQ admin")


class Scope(models.TextChoices):
    """How far a role sees records that have an owner (customers, orders...)."""

    OWN = "own", _("Own records")
    TEAM = "team", _("Team records")
    STORE = "store", _("Whole store")


ROLE_SCOPE: dict[str, Scope] = {
    StoreRole.SALESPERSON: Scope.OWN,
    StoreRole.SUPERVISOR: Scope.TEAM,
    StoreRole.FINANCE: Scope.STORE,
    StoreRole.WAREHOUSE: Scope.STORE,
    StoreRole.ADMIN: Scope.STORE,
}

# Permission codes per store role. Modules add their codes here when they are built; a code not
# listed for a role is refused. HQ read-only access gets only the ``*.view`` codes.
_BASE = frozenset({"store.view", "notifications.view", "channels.view", "settings.view", "members.view"})
_CUSTOMER_WORK = frozenset(
    {
        "customers.view",
        "customers.create",
        "customers.edit",
        "customers.import",
        "customers.export",
        "followups.create",
        "pool.view",
        "pool.release",
        "claims.view",
        "claims.create",
        "leads.view",
        "leads.create",
        "leads.work",
    }
)

_SALES_WORK = frozenset(
    {
        "products.view",
        "quotations.view",
        "quotations.create",
        "orders.view",
        "orders.create",
        "orders.cancel",
        "orders.receive",
        "orders.feedback",
        "payments.view",
        "payments.create",
        "invoices.view",
        "invoices.request",
        "aftersales.view",
        "aftersales.create",
        "enquiries.view",
        "enquiries.contacts.create",
        "kanban.view",
        "insights.view",
        "insights.act",
    }
)
# Everyone in a store reads announcements, their tasks and writes daily reports.
_TEAM_WORK = frozenset({"announcements.view", "tasks.view", "reports.view", "reports.create"})
_LEAD_WORK = frozenset(
    {
        "products.manage",
        "quotations.approve",
        "orders.export",
        "aftersales.approve",
        "aftersales.process",
        "announcements.manage",
        "tasks.assign",
        "reports.team.view",
        "insights.score",
        "leads.assign",
        "customers.transfer",
        "costs.view",
        "costs.manage",
    }
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    StoreRole.SALESPERSON: _BASE | _CUSTOMER_WORK | _SALES_WORK | _TEAM_WORK,
    StoreRole.SUPERVISOR: _BASE
    | _CUSTOMER_WORK
    | _SALES_WORK
    | _TEAM_WORK
    | _LEAD_WORK
    | frozenset({"customers.merge", "tags.manage", "claims.approve", "automation.view"}),
    StoreRole.FINANCE: _BASE
    | _TEAM_WORK
    | frozenset(
        {
            "customers.view",
            "products.view",
            "quotations.view",
            "orders.view",
            "orders.export",
            "payments.view",
            "payments.create",
            "payments.confirm",
            "invoices.view",
            "invoices.request",
            "invoices.issue",
            "aftersales.view",
            "aftersales.process",
            "enquiries.view",
            "kanban.view",
            "costs.view",
            "costs.manage",
        }
    ),
    StoreRole.WAREHOUSE: _BASE
    | _TEAM_WORK
    | frozenset(
        {
            "customers.view",
            "products.view",
            "orders.view",
            "orders.outbound",
            "orders.ship",
            "orders.receive",
            "aftersales.view",
            "aftersales.process",
        }
    ),
    StoreRole.ADMIN: _BASE
    | (_CUSTOMER_WORK - {"claims.create"})
    | (_SALES_WORK - {"enquiries.contacts.create"})
    | _TEAM_WORK
    | _LEAD_WORK
    | frozenset(
        {
            "channels.manage",
            "settings.manage",
            "members.manage",
            "api_keys.manage",
            "webhooks.manage",
            "customers.merge",
            "tags.manage",
            "claims.approve",
            "pool.policies.manage",
            "orders.outbound",
            "orders.ship",
            "orders.import",
            "enquiries.daily.manage",
            "billing.manage",
            "leads.rules.manage",
            "audit.view",
            "customers.personal_data",
            "automation.view",
            "automation.manage",
        }
    ),
}

# What an HQ user opening a store (read-only, audited) may do there.
HQ_READ_PERMISSIONS = frozenset(
    {
        "store.view",
        "channels.view",
        "settings.view",
        "members.view",
        "customers.view",
        "pool.view",
        "claims.view",
        "leads.view",
        "products.view",
        "quotations.view",
        "orders.view",
        "payments.view",
        "invoices.view",
        "aftersales.view",
        "enquiries.view",
        "kanban.view",
        "insights.view",
        "announcements.view",
        "tasks.view",
        "reports.view",
        "reports.team.view",
        "automation.view",
        "costs.view",
    }
)
