"""Role labels in pages: ``{{ access.role|store_role_label }}``, ``{{ user.hq_role|hq_role_label }}``.

Load with ``{% load roles %}``.
"""

from __future__ import annotations

from django import template

from shared_apps.accounts.roles import HQRole, StoreRole

register = template.Library()


@register.filter
def store_role_label(role) -> str:
    if not role:
        return ""
    try:
        return str(StoreRole(role).label)
    except ValueError:
        return str(role)


@register.filter
def hq_role_label(role) -> str:
    if not role:
        return ""
    try:
        return str(HQRole(role).label)
    except ValueError:
        return str(role)
