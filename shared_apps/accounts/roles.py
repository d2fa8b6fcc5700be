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
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    StoreRole.SALESPERSON: frozenset(
        {
            "store.view",
            "notifications.view",
            "channels.view",
            "settings.view",
            "members.view",
        }
    ),
    StoreRole.SUPERVISOR: frozenset(
        {"store.view", "notifications.view", "channels.view", "settings.view", "members.view"}
    ),
    StoreRole.FINANCE: frozenset(
        {"store.view", "notifications.view", "channels.view", "settings.view", "members.view"}
    ),
    StoreRole.WAREHOUSE: frozenset(
        {"store.view", "notifications.view", "channels.view", "settings.view", "members.view"}
    ),
    StoreRole.ADMIN: frozenset(
        {
            "store.view",
            "notifications.view",
            "channels.view",
            "channels.manage",
            "settings.view",
            "settings.manage",
            "members.view",
            "members.manage",
        }
    ),
}

# What an HQ user opening a store (read-only, audited) may do there.
HQ_READ_PERMISSIONS = frozenset({"store.view", "channels.view", "settings.view", "members.view"})
