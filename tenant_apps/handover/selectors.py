"""Reads of handovers: a handover is seen by whoever made it and the store's admins (and HQ);
a customer's handovers are part of its page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.models import User
from shared_apps.accounts.roles import Scope
from shared_apps.platform.errors import NotFound
from tenant_apps.handover.models import CustomerTransfer, Handover


def handover_list(*, access: StoreAccess):
    qs = Handover.objects.all()
    if access.scope != Scope.STORE:
        qs = qs.filter(by_id=access.user.pk)
    return qs.select_related("from_owner", "to_owner", "by")


def handover_get_for_user(*, handover_id: Any, access: StoreAccess) -> Handover:
    try:
        pk = int(handover_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such handover.")) from None
    found = handover_list(access=access).filter(pk=pk).first() if 0 < pk < 2**63 else None
    if found is None:
        raise NotFound(_("No such handover."))
    return found


def customer_handover_panel(*, customer) -> dict | None:
    """The handovers that moved this customer, newest first (the customer's page and API)."""
    rows = list(CustomerTransfer.objects.filter(customer_id=customer.pk).select_related("handover")[:20])
    if not rows:
        return None
    names = {
        u.pk: u.name or u.email
        for u in User.objects.filter(pk__in={r.from_owner_id for r in rows} | {r.to_owner_id for r in rows})
    }
    return {
        "transfers": [
            {
                "handover": row.handover_id,
                "at": row.at.isoformat(),
                "from_owner": row.from_owner_id,
                "from_owner_name": names.get(row.from_owner_id, ""),
                "to_owner": row.to_owner_id,
                "to_owner_name": names.get(row.to_owner_id, ""),
                "reason": row.handover.reason,
            }
            for row in rows
        ]
    }


def stale_sql(schema: str, *, stale_after: timedelta) -> str:
    """A SQL expression over the store schema ``schema`` (quoted), true while a handover has been
    waiting since, or running since, ``stale_after`` before ``%(at)s`` or earlier (the
    ``handover_pending`` and ``handover_running`` indexes): what ``services.redispatch_stale`` sends
    again, as its probe in beat's dispatch."""
    table, seconds = Handover._meta.db_table, int(stale_after.total_seconds())
    before = f"%(at)s::timestamptz - make_interval(secs => {seconds})"
    return f"""(EXISTS (SELECT 1 FROM {schema}.{table}
                  WHERE status = '{Handover.Status.PENDING}' AND created_at <= {before})
             OR EXISTS (SELECT 1 FROM {schema}.{table}
                  WHERE status = '{Handover.Status.RUNNING}' AND started_at <= {before}))"""
