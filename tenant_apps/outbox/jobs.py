"""Periodic jobs of the event log: the consumers' sweep (sent only to the stores with events a
consumer has not read for a few seconds: a commit wakes the consumers at once, the sweep catches a
wake-up that was lost) and retention."""

from __future__ import annotations

from datetime import datetime, timedelta

from celery.schedules import crontab
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from shared_apps.platform import runners
from shared_apps.platform.jobs import job
from tenant_apps.outbox import consumers, selectors, services


def _unread(schema: str, store) -> str:
    # Events newer than the grace have their consumers' wake-up on the way.
    return selectors.unread_sql(schema, consumers.names(), older_than_seconds=runners.WAKE_GRACE_SECONDS)


@job(
    name="outbox.consume",
    per_store=True,
    due=_unread,
    schedule=timedelta(seconds=10),
    description=_("Run the store's event consumers (webhooks, automation) over events not yet handled."),
)
def consume(*, at: datetime) -> dict:
    return consumers.run_all()


@job(
    name="outbox.purge",
    per_store=True,
    schedule=crontab(minute=20, hour=4),
    description=_("Delete events older than the retention period that HQ already holds."),
)
def purge(*, at: datetime) -> dict:
    return services.purge_expired(before=at - timedelta(days=settings.EVENT_RETENTION_DAYS))
