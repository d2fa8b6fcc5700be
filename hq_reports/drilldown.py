"""The audited drill-down from HQ into one store's figures.

This is the one place (besides the rollup job) where an HQ request enters a store schema: the
store's own Kanban is computed there by ``tenant_apps.kanban.reporting.kanban_body``, the very
function behind the store's ``/api/v1/kanban``, so HQ sees exactly what the store sees. Every
call is recorded in ``HqAccessLog`` (who, which store, what, when), allowed or not.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from shared_apps.accounts.models import User
from shared_apps.platform.audit import record_hq_access
from shared_apps.platform.errors import ValidationFailed
from shared_apps.reporting.periods import Period
from tenant_apps.kanban.reporting import kanban_body
from tenant_apps.workspace.selectors import channel_list
from tenants.models import Store
from tenants.storetime import store_zone


def _channel_id(value: str | int | None) -> int | None:
    """A channel of the active store named by id, code or platform; ``None`` for none."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    for channel in channel_list():
        if str(channel.pk) == text or channel.code == text:
            return channel.pk
    for channel in channel_list():
        if channel.platform == text:
            return channel.pk
    raise ValidationFailed(errors={"channel": [_("No such channel in this store.")]})


def store_kanban(
    *,
    store: Store,
    hq_user: User,
    path: str,
    period: Period,
    channel: str | int | None = None,
    salesperson_id: int | None = None,
    limit: int = 10,
) -> dict:
    """``store``'s Kanban body, computed in its schema over its own local days; the access is
    audited first."""
    record_hq_access(user=hq_user, store=store, method="GET", path=path, allowed=True)
    with schema_context(store.schema_name):
        channel_id = _channel_id(channel)
        body = kanban_body(
            period=period.in_zone(store_zone(store)),
            channel_id=channel_id,
            salesperson_id=salesperson_id,
            limit=limit,
        )
    return {**body, "store": {"id": store.pk, "name": store.name, "subdomain": store.subdomain}}
