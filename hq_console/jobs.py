"""Backup jobs: each store's daily backup, spread over the night, and the public schema's."""

from __future__ import annotations

from datetime import datetime, timedelta

from celery.schedules import crontab
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hq_console import backups
from hq_console.models import StoreBackup
from shared_apps.platform.jobs import job
from tenants.models import Store


def _window_hours() -> str:
    start, hours = settings.BACKUP_WINDOW_START_HOUR, max(settings.BACKUP_WINDOW_HOURS, 1)
    return ",".join(str((start + i) % 24) for i in range(hours))


@job(
    name="backups.daily",
    per_store=True,
    batch=True,
    schedule=crontab(minute=5, hour=_window_hours()),
    description=_("Back up the store (data and files) once a night, in its own hour of the window; drop old backups."),
)
def daily(*, at: datetime) -> dict:
    store = Store.objects.get(schema_name=connection.schema_name)
    connection.set_schema_to_public()
    local = timezone.localtime(at)
    hours = max(settings.BACKUP_WINDOW_HOURS, 1)
    offset = (local.hour - settings.BACKUP_WINDOW_START_HOUR) % 24
    slot = backups.night_slot(store.subdomain, hours)
    purged = backups.purge_backups(store=store, at=at)
    if offset < hours and offset < slot:
        return {"skipped": f"waits for hour {slot} of the window", "purged": purged}
    since = at - timedelta(hours=20)
    if StoreBackup.objects.filter(
        store=store, kind=StoreBackup.Kind.DAILY, status=StoreBackup.Status.READY, taken_at__gt=since, taken_at__lte=at
    ).exists():
        return {"skipped": "taken already", "purged": purged}
    backup = backups.take_backup(store=store, kind=StoreBackup.Kind.DAILY, at=at)
    return {"size": backup.size, "purged": purged}


@job(
    name="backups.public",
    per_store=False,
    batch=True,
    schedule=crontab(minute=30, hour=0),
    description=_("Back up the public schema (HQ, users, memberships) on its own; drop old backups."),
)
def public(*, at: datetime) -> dict:
    backup = backups.take_backup(store=None, kind=StoreBackup.Kind.DAILY, at=at)
    return {"size": backup.size, "purged": backups.purge_backups(store=None, at=at)}


@job(
    name="stores.drop_closed",
    per_store=False,
    batch=True,
    schedule=crontab(minute=15, hour=5),
    description=_("Drop the schema and files of closed stores whose grace period is over (their final backup stays)."),
)
def drop_closed(*, at: datetime) -> dict:
    from hq_console import lifecycle

    return {"dropped": lifecycle.drop_closed(at=at)}


@job(
    name="audit.purge_hq",
    per_store=False,
    schedule=crontab(hour=4, minute=20),
    description=_("Delete sign-ins to the HQ host older than the retention (AUDIT_RETENTION_DAYS)."),
)
def purge_hq_sign_ins(*, at: datetime) -> dict:
    from hq_console import services

    return {"sign_ins": services.purge_hq_sign_ins(before=at - timedelta(days=settings.AUDIT_RETENTION_DAYS))}
