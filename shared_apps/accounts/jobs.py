"""Periodic jobs of identity: token and lock-out housekeeping (registered in shared_apps.platform.jobs)."""

from __future__ import annotations

from datetime import datetime, timedelta

from axes.handlers.proxy import AxesProxyHandler
from celery.schedules import crontab
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shared_apps.accounts import idempotency
from shared_apps.accounts.models import ApiToken
from shared_apps.platform.jobs import job

TOKEN_RETENTION_DAYS = 30


@job(
    name="accounts.purge_expired_tokens",
    per_store=False,
    schedule=crontab(hour=4, minute=10),
    description=_("Delete API tokens expired or revoked more than 30 days ago."),
)
def purge_expired_tokens(*, at: datetime) -> dict:
    cutoff = at - timedelta(days=TOKEN_RETENTION_DAYS)
    deleted, _detail = ApiToken.objects.filter(Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)).delete()
    return {"deleted": deleted}


@job(
    name="axes.cleanup",
    per_store=False,
    schedule=timedelta(hours=1),
    description=_("Delete failed-login attempts whose lock-out period is over."),
)
def axes_cleanup(*, at: datetime) -> dict:
    handler = AxesProxyHandler.get_implementation()
    clean = getattr(handler, "clean_expired_user_attempts", None)
    if clean is None:  # a handler that keeps no attempts in the database
        return {"deleted": 0}
    # axes measures the cool-off from the request's attempt time: here, the job's "now".
    request = HttpRequest()
    request.axes_attempt_time = at
    return {"deleted": clean(request=request)}


@job(
    name="idempotency.purge",
    per_store=False,
    schedule=timedelta(hours=1),
    description=_("Delete the answers kept for Idempotency-Key once they are 24 hours old."),
)
def purge_idempotency_records(*, at: datetime) -> dict:
    return {"deleted": idempotency.purge(at=at)}
