"""A store's end of life, and its export.

- **Close**: the store becomes read-only at once (the same status billing uses for an unpaid
  store: every write answers 423), a final backup is taken, and the schema is kept for the grace
  period (``STORE_CLOSE_GRACE_DAYS``, 30 by default). Until then the store can be reopened.
- **Drop**: the job ``stores.drop_closed`` drops the schema and the store's files once the grace
  period is over; the store is suspended (no longer routed, no jobs). The final backup stays.
- **Export**: one archive (tar) of the store's data (PostgreSQL custom-format dump), its files and
  the manifest, made like a backup and downloaded from HQ.
"""

from __future__ import annotations

import logging
import tarfile
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_exists

from hq_console import backups
from hq_console.models import StoreBackup, StoreClosure
from shared_apps.accounts.models import User
from shared_apps.platform.errors import Conflict, InvalidTransition
from tenants.models import Domain, Store

logger = logging.getLogger(__name__)


def current_closure(*, store: Store) -> StoreClosure | None:
    return store.closures.filter(stage=StoreClosure.Stage.CLOSED).first()


def close_store(*, store: Store, hq_user: User | None = None, at: datetime | None = None) -> StoreClosure:
    """Make the store read-only now, take its final backup, and schedule the drop of its schema."""
    at = at or timezone.now()
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store.pk)
        if current_closure(store=store) is not None:
            raise InvalidTransition(_("The store is already closed."))
        if store.status == Store.Status.SUSPENDED:
            raise InvalidTransition(_("A suspended store cannot be closed."))
        closure = StoreClosure.objects.create(
            store=store,
            previous_status=store.status,
            closed_at=at,
            drop_after=at + timedelta(days=settings.STORE_CLOSE_GRACE_DAYS),
            closed_by=hq_user,
        )
        store.status = Store.Status.READ_ONLY
        store.save(update_fields=["status"])
    try:
        final = backups.take_backup(store=store, kind=StoreBackup.Kind.FINAL, at=at)
    except Exception:
        # Without a final backup the store is not closed: it goes back to what it was.
        with transaction.atomic():
            Store.objects.filter(pk=store.pk).update(status=closure.previous_status)
            closure.delete()
        raise
    StoreClosure.objects.filter(pk=closure.pk).update(final_backup=final)
    closure.refresh_from_db()
    return closure


def reopen_store(*, store: Store, at: datetime | None = None) -> StoreClosure:
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store.pk)
        closure = current_closure(store=store)
        if closure is None:
            raise InvalidTransition(_("The store is not closed, or its schema is already dropped."))
        closure.stage = StoreClosure.Stage.REOPENED
        closure.finished_at = at or timezone.now()
        closure.save(update_fields=["stage", "finished_at"])
        if store.status == Store.Status.READ_ONLY:
            store.status = closure.previous_status
            store.save(update_fields=["status"])
    return closure


def drop_closed(*, at: datetime) -> int:
    """Drop the schema and files of every store whose grace period is over. Returns how many."""
    dropped = 0
    for closure in StoreClosure.objects.filter(stage=StoreClosure.Stage.CLOSED, drop_after__lte=at).select_related(
        "store"
    ):
        store = closure.store
        if closure.final_backup_id is None or closure.final_backup.status != StoreBackup.Status.READY:
            logger.warning("closed store %s has no final backup; its schema is kept", store.subdomain)
            continue
        with transaction.atomic():
            Store.objects.select_for_update().filter(pk=store.pk).update(status=Store.Status.SUSPENDED)
            Domain.objects.filter(tenant=store).delete()
            if schema_exists(store.schema_name):
                with connection.cursor() as cursor:
                    cursor.execute(f'DROP SCHEMA "{store.schema_name}" CASCADE')
            closure.stage = StoreClosure.Stage.DROPPED
            closure.finished_at = at
            closure.save(update_fields=["stage", "finished_at"])
        for name in backups.media_files(store.schema_name):
            backups.default_storage.delete(name)
        dropped += 1
        logger.info("closed store %s: schema %s dropped", store.subdomain, store.schema_name)
    return dropped


# --- export ----------------------------------------------------------------------------------


def export_start(*, store: Store) -> StoreBackup:
    from hq_console.tasks import run_backup_task

    if not schema_exists(store.schema_name):
        raise Conflict(_("The store's schema no longer exists."))
    export = backups.backup_request(store=store, kind=StoreBackup.Kind.EXPORT)
    transaction.on_commit(lambda: run_backup_task.delay(str(export.pk)))
    return export


def export_archive(*, export: StoreBackup) -> Path:
    """One tar file of the export's dump, files and manifest (in a temporary folder)."""
    if export.status != StoreBackup.Status.READY:
        raise Conflict(_("The export is not ready yet."))
    storage = backups.backup_storage()
    folder = Path(tempfile.mkdtemp(prefix="crm-export-"))
    path = folder / f"{export.subdomain}-{export.taken_at:%Y%m%d%H%M%S}.tar"
    with tarfile.open(path, "w") as archive:
        for name in (backups.MANIFEST, backups.DUMP, backups.MEDIA):
            with storage.open(f"{export.location}/{name}", "rb") as handle:
                info = tarfile.TarInfo(name)
                info.size = storage.size(f"{export.location}/{name}")
                archive.addfile(info, handle)
    return path
