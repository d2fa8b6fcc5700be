"""Periodic jobs of the tenancy layer (registered in shared_apps.platform.jobs)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

from shared_apps.platform.jobs import job
from tenants import provisioning


@job(
    name="tenants.refill_spares",
    per_store=False,
    batch=True,
    schedule=timedelta(minutes=15),
    description=_("Keep the pool of pre-cloned spare schemas full, so that new stores are a rename."),
)
def refill_spares(*, at: datetime) -> dict:
    return {"made": provisioning.refill_spares()}


@job(
    name="tenants.redispatch_stale_provisioning",
    per_store=False,
    schedule=timedelta(minutes=5),
    description=_("Send again the store provisionings a dead worker left waiting."),
)
def redispatch_stale_provisioning(*, at: datetime) -> dict:
    return {"redispatched": provisioning.redispatch_stale(at=at)}
