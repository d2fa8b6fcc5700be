"""Backups and restores asked for from HQ run on the worker (the request answers 202 at once)."""

import logging

from celery import shared_task
from django.conf import settings
from django_tenants.utils import schema_context

from hq_console import backups
from hq_console.models import StoreBackup, StoreRestore

logger = logging.getLogger(__name__)


@shared_task(name="hq_console.run_backup", acks_late=True)
def run_backup_task(backup_id: str) -> str:
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        backup = StoreBackup.objects.get(pk=backup_id)
        try:
            backups.run_backup(backup=backup)
        except Exception as exc:  # noqa: BLE001 - recorded on the backup for HQ to see
            logger.warning("backup %s failed: %s", backup_id, exc)
        backup.refresh_from_db()
        return backup.status


@shared_task(name="hq_console.run_restore", acks_late=True)
def run_restore_task(restore_id: str) -> str:
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        restore = StoreRestore.objects.get(pk=restore_id)
        try:
            backups.run_restore(restore=restore)
        except Exception as exc:  # noqa: BLE001 - recorded on the restore for HQ to see
            logger.warning("restore %s failed: %s", restore_id, exc)
        restore.refresh_from_db()
        return restore.status
