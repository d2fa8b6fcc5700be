"""Per-store backups and restores, built on PostgreSQL's own tools.

A backup is a folder in the backup storage (``<subdomain>/<time>-<kind>-<id>/``) holding:

- ``schema.dump``: ``pg_dump --schema=<store schema> --format=custom`` (the public schema alone
  for a backup of the public schema);
- ``media.tar``: every file under the store's media prefix (``<schema>/...``), names relative to it;
- ``manifest.json``: the store, its schema, the migrations applied in the schema per app, the
  row count of every table (read in the dump's own snapshot, ``pg_dump --snapshot``), and the
  SHA-256 and size of the two files.

The backup storage is a local folder (``BACKUP_ROOT``) unless ``STORAGES["backups"]`` names
another Django storage (an S3-compatible bucket through django-storages, see settings).

A restore reads the archive back and checks it completely (checksums, sizes, ``pg_restore
--list``, the target, the migration level) before it touches anything. In place, it is atomic
(``_restore_in_place``): with the store's writes held and a safety backup taken, the dump is
replayed into a scratch schema and checked against the manifest, then one transaction swaps it
with the live schema; migrations, files and HQ facts follow, and a failure in any of them swaps
the old schema back and puts the old files back. Into a new subdomain it makes a sandbox store.
Either way the store's HQ facts are rebuilt by reconciliation and its memberships are kept (copied
for a sandbox). No other schema and no other store's files are read or written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage, storages
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_exists, tenant_context

from hq_console.models import StoreBackup, StoreRestore
from shared_apps.accounts.models import User
from shared_apps.platform import pgtools
from shared_apps.platform.errors import Conflict, NotFound, ValidationFailed
from tenants.models import Domain, Store
from tenants.routing import schema_name_for, store_host

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
DUMP = "schema.dump"
MEDIA = "media.tar"
FORMAT_VERSION = 1
PUBLIC_FOLDER = "_public"


class BackupRefused(ValidationFailed):
    """A backup that cannot be restored here; nothing was touched."""

    code = "backup_refused"


class BackupMismatch(Conflict):
    code = "backup_store_mismatch"


class BackupMigrationLevel(Conflict):
    code = "backup_migration_level"


# --- storage ---------------------------------------------------------------------------------


def backup_storage() -> Storage:
    configured = settings.STORAGES.get("backups")
    if configured:
        return storages.create_storage(configured)
    return FileSystemStorage(location=str(settings.BACKUP_ROOT))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    try:
        dirs, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in sorted(files):
        yield f"{folder}/{name}"
    for sub in sorted(dirs):
        yield from _walk(storage, f"{folder}/{sub}")


def media_files(schema: str) -> list[str]:
    """Every file under the store's media prefix (storage names)."""
    return list(_walk(default_storage, schema))


# --- migration state -------------------------------------------------------------------------


def _tenant_app_labels() -> set[str]:
    from django.apps import apps

    names = set(settings.TENANT_APPS)
    return {config.label for config in apps.get_app_configs() if config.name in names}


def applied_migrations(schema: str, *, cursor=None) -> dict[str, list[str]]:
    labels = _tenant_app_labels() if schema != settings.PUBLIC_SCHEMA_NAME else None
    with _cursor(cursor) as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY app, name')
        rows = cursor.fetchall()
    applied: dict[str, list[str]] = {}
    for app, name in rows:
        if labels is None or app in labels:
            applied.setdefault(app, []).append(name)
    return applied


def code_migrations() -> dict[str, set[str]]:
    known: dict[str, set[str]] = {}
    for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations:
        known.setdefault(app, set()).add(name)
    return known


def migration_gap(applied: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """``(unknown, missing)``: migrations in the backup this code does not have (the backup is
    newer: refused), and this code's migrations the backup lacks (migrated after the restore)."""
    known = code_migrations()
    unknown = sorted(
        f"{app}.{name}" for app, names in applied.items() for name in names if name not in known.get(app, ())
    )
    missing = sorted(
        f"{app}.{name}"
        for app in _tenant_app_labels()
        for name in known.get(app, ())
        if name not in set(applied.get(app, ()))
    )
    return unknown, missing


def table_rows(schema: str, *, cursor=None) -> dict[str, int]:
    with _cursor(cursor) as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE' "
            "ORDER BY table_name",
            [schema],
        )
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


@contextlib.contextmanager
def _cursor(given=None):
    if given is not None:
        yield given
    else:
        with connection.cursor() as cursor:
            yield cursor


@contextlib.contextmanager
def exported_snapshot() -> Iterator[tuple[object, str]]:
    """A read-only repeatable-read transaction on a connection of its own, and the id of its
    snapshot, for ``pg_dump --snapshot``: what the manifest counts is exactly what the dump holds,
    whatever the store writes meanwhile."""
    import psycopg

    params = connection.settings_dict
    conninfo = {
        "dbname": params.get("NAME"),
        "host": params.get("HOST"),
        "port": params.get("PORT"),
        "user": params.get("USER"),
        "password": params.get("PASSWORD"),
    }
    conn = psycopg.connect(**{k: str(v) for k, v in conninfo.items() if v})
    try:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            yield cursor, cursor.fetchone()[0]
    finally:
        conn.rollback()
        conn.close()


# --- taking a backup -------------------------------------------------------------------------


def backup_request(
    *, store: Store | None, kind: str = StoreBackup.Kind.MANUAL, at: datetime | None = None
) -> StoreBackup:
    """Record a backup to take (status running). ``store`` None: the public schema."""
    if store is not None and not schema_exists(store.schema_name):
        raise Conflict(_("The store's schema no longer exists."))
    return StoreBackup.objects.create(
        store=store,
        subdomain=store.subdomain if store is not None else "",
        schema_name=store.schema_name if store is not None else settings.PUBLIC_SCHEMA_NAME,
        kind=kind,
        taken_at=at or timezone.now(),
        step="queued",
    )


def _step(record, step: str) -> None:
    record.step = step
    type(record).objects.filter(pk=record.pk).update(step=step)


def take_backup(*, store: Store | None, kind: str = StoreBackup.Kind.MANUAL, at: datetime | None = None) -> StoreBackup:
    """Take a backup now, in this process. Raises on failure (the record says failed)."""
    return run_backup(backup=backup_request(store=store, kind=kind, at=at))


def run_backup(*, backup: StoreBackup) -> StoreBackup:
    if backup.status != StoreBackup.Status.RUNNING:
        return backup
    schema = backup.schema_name
    try:
        with tempfile.TemporaryDirectory(prefix="crm-backup-") as tmp:
            folder = Path(tmp)
            tools = pgtools.find_tools()
            _step(backup, "dumping")
            with exported_snapshot() as (cursor, snapshot):
                manifest = {
                    "format": FORMAT_VERSION,
                    "id": str(backup.pk),
                    "kind": backup.kind,
                    "taken_at": backup.taken_at.isoformat(),
                    "store": {
                        "id": backup.store_id,
                        "subdomain": backup.subdomain,
                        "name": backup.store.name if backup.store_id else "",
                        "schema": schema,
                    },
                    "server_major": tools.major,
                    "migrations": applied_migrations(schema, cursor=cursor),
                    "tables": table_rows(schema, cursor=cursor),
                    # The counts above are of the dump's own snapshot: a restore checks them.
                    "tables_of_dump": True,
                }
                _run(
                    [
                        tools.path("pg_dump"),
                        f"--schema={schema}",
                        f"--snapshot={snapshot}",
                        "--format=custom",
                        "--no-owner",
                        "--no-privileges",
                        f"--file={folder / DUMP}",
                    ]
                )
            _step(backup, "files")
            public = schema == settings.PUBLIC_SCHEMA_NAME
            count = _archive_files(schema, into=folder / MEDIA, names=[] if public else None)
            manifest["media"] = {"count": count}
            manifest["files"] = {
                name: {"sha256": _sha256(folder / name), "size": (folder / name).stat().st_size}
                for name in (DUMP, MEDIA)
            }
            (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
            _step(backup, "storing")
            storage = backup_storage()
            location = (
                f"{backup.subdomain or PUBLIC_FOLDER}/"
                f"{backup.taken_at.astimezone(UTC):%Y%m%dT%H%M%SZ}-{backup.kind}-{backup.pk.hex[:8]}"
            )
            for name in (DUMP, MEDIA, MANIFEST):
                with (folder / name).open("rb") as handle:
                    saved = storage.save(f"{location}/{name}", File(handle))
                if saved != f"{location}/{name}":
                    raise RuntimeError(f"backup storage renamed {name} to {saved}")
            size = sum(item["size"] for item in manifest["files"].values())
    except Exception as exc:
        logger.exception("backup of %s failed", schema)
        StoreBackup.objects.filter(pk=backup.pk).update(
            status=StoreBackup.Status.FAILED, step="failed", error=str(exc)[:2000], finished_at=timezone.now()
        )
        backup.refresh_from_db()
        raise
    StoreBackup.objects.filter(pk=backup.pk).update(
        status=StoreBackup.Status.READY,
        step="ready",
        location=location,
        size=size,
        manifest=manifest,
        finished_at=timezone.now(),
    )
    backup.refresh_from_db()
    logger.info("backup of %s taken: %s (%d bytes)", schema, location, size)
    return backup


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    # The program comes from pgtools (a fixed bin folder); the arguments are ours, never user input.
    result = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, env=pgtools.connection_env(), **kwargs
    )
    if result.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-1500:]}")
    return result


# --- retention -------------------------------------------------------------------------------


def delete_backup(backup: StoreBackup) -> None:
    storage = backup_storage()
    if backup.location:
        for name in (DUMP, MEDIA, MANIFEST):
            storage.delete(f"{backup.location}/{name}")
        if isinstance(storage, FileSystemStorage):
            shutil.rmtree(storage.path(backup.location), ignore_errors=True)
    backup.delete()


def purge_backups(*, store: Store | None, at: datetime, days: int | None = None) -> int:
    """Delete the store's backups older than the retention (final backups are kept)."""
    days = settings.BACKUP_RETENTION_DAYS if days is None else days
    old = StoreBackup.objects.filter(taken_at__lt=at - timedelta(days=days)).exclude(kind=StoreBackup.Kind.FINAL)
    old = old.filter(store=store) if store is not None else old.filter(schema_name=settings.PUBLIC_SCHEMA_NAME)
    count = 0
    for backup in old:
        delete_backup(backup)
        count += 1
    return count


def night_slot(subdomain: str, hours: int) -> int:
    """The hour of the backup window (0-based) a store's daily backup waits for: stable per store,
    so that the stores' backups spread over the window."""
    return zlib.crc32(subdomain.encode()) % max(hours, 1)


# --- reading a backup back -------------------------------------------------------------------


def backup_get(*, reference: str) -> StoreBackup:
    """A ready backup by id, or by its folder (a storage location or a local path)."""
    reference = (reference or "").strip().rstrip("/")
    if reference.endswith(MANIFEST):
        reference = reference[: -len(MANIFEST)].rstrip("/")
    found = None
    try:
        found = StoreBackup.objects.filter(pk=reference).first()
    except Exception:  # noqa: BLE001 - not a UUID
        found = None
    if found is None:
        storage = backup_storage()
        location = reference
        if isinstance(storage, FileSystemStorage) and os.path.isabs(reference):
            location = os.path.relpath(reference, storage.location)
        found = StoreBackup.objects.filter(location=location).first()
    if found is None or found.status != StoreBackup.Status.READY:
        raise NotFound(_("No such backup."))
    return found


def fetch_verified(*, backup: StoreBackup, into: Path) -> dict:
    """Copy the backup's files into ``into`` and check them; the manifest, or BackupRefused."""
    storage = backup_storage()
    for name in (MANIFEST, DUMP, MEDIA):
        try:
            with storage.open(f"{backup.location}/{name}", "rb") as source, (into / name).open("wb") as target:
                shutil.copyfileobj(source, target, 1 << 20)
        except (FileNotFoundError, OSError) as exc:
            raise BackupRefused(_("The backup is incomplete: %(name)s is missing.") % {"name": name}) from exc
    try:
        manifest = json.loads((into / MANIFEST).read_text())
    except ValueError as exc:
        raise BackupRefused(_("The backup's manifest is unreadable.")) from exc
    if manifest.get("format") != FORMAT_VERSION or manifest.get("store", {}).get("schema") != backup.schema_name:
        raise BackupRefused(_("The backup's manifest does not describe this backup."))
    for name in (DUMP, MEDIA):
        expected = manifest.get("files", {}).get(name, {})
        path = into / name
        if path.stat().st_size != expected.get("size") or _sha256(path) != expected.get("sha256"):
            raise BackupRefused(
                _("The backup is corrupt or truncated: %(name)s does not match its checksum.") % {"name": name}
            )
    tools = pgtools.find_tools()
    try:
        _run([tools.path("pg_restore"), "--list", str(into / DUMP)])
    except RuntimeError as exc:
        raise BackupRefused(_("The backup's dump cannot be read: %(reason)s") % {"reason": exc}) from exc
    try:
        with tarfile.open(into / MEDIA) as archive:
            for member in archive.getmembers():
                if member.name.startswith("/") or ".." in Path(member.name).parts or not member.isfile():
                    raise BackupRefused(_("The backup's file archive holds an unsafe entry."))
    except tarfile.TarError as exc:
        raise BackupRefused(_("The backup's file archive cannot be read.")) from exc
    return manifest


# --- restoring -------------------------------------------------------------------------------


def restore_request(
    *, backup: StoreBackup, store: Store, as_subdomain: str = "", hq_user: User | None = None
) -> StoreRestore:
    """Check what can be checked without reading the archive, and record the restore."""
    if backup.status != StoreBackup.Status.READY or backup.schema_name == settings.PUBLIC_SCHEMA_NAME:
        raise BackupRefused(_("This backup cannot be restored into a store."))
    as_subdomain = (as_subdomain or "").strip().lower()
    if not as_subdomain and backup.schema_name != store.schema_name:
        raise BackupMismatch(
            _(
                "This backup is of the store '%(source)s', not of '%(target)s'; restore it into a new "
                "store with a new subdomain instead."
            )
            % {"source": backup.subdomain or backup.schema_name, "target": store.subdomain},
            errors={"backup": [_("The backup belongs to another store.")]},
        )
    if as_subdomain:
        from tenants.provisioning import check_subdomain_available

        check_subdomain_available(as_subdomain)
    return StoreRestore.objects.create(
        backup=backup,
        store=store,
        as_subdomain=as_subdomain,
        requested_by=hq_user,
        started_at=timezone.now(),
        step="queued",
    )


def restore_backup(
    *, backup: StoreBackup, store: Store, as_subdomain: str = "", hq_user: User | None = None
) -> StoreRestore:
    """Restore now, in this process. Raises on refusal or failure (the record says why)."""
    return run_restore(restore=restore_request(backup=backup, store=store, as_subdomain=as_subdomain, hq_user=hq_user))


def run_restore(*, restore: StoreRestore) -> StoreRestore:
    if restore.status != StoreRestore.Status.RUNNING:
        return restore
    try:
        target = _run_restore(restore)
    except Exception as exc:
        logger.warning("restore %s failed: %s", restore.pk, exc)
        connection.set_schema_to_public()
        StoreRestore.objects.filter(pk=restore.pk).update(
            status=StoreRestore.Status.FAILED,
            step="failed",
            error=str(getattr(exc, "detail", exc))[:2000],
            finished_at=timezone.now(),
        )
        restore.refresh_from_db()
        raise
    StoreRestore.objects.filter(pk=restore.pk).update(
        status=StoreRestore.Status.DONE, step="done", store=target, finished_at=timezone.now()
    )
    restore.refresh_from_db()
    return restore


def _run_restore(restore: StoreRestore) -> Store:
    backup = restore.backup
    store = restore.store
    with tempfile.TemporaryDirectory(prefix="crm-restore-") as tmp:
        folder = Path(tmp)
        _step(restore, "verifying")
        manifest = fetch_verified(backup=backup, into=folder)
        unknown, missing = migration_gap(manifest.get("migrations", {}))
        if unknown:
            raise BackupMigrationLevel(
                _("The backup was taken at a newer migration level than this version knows: %(names)s.")
                % {"names": ", ".join(unknown[:10])}
            )
        if not restore.as_subdomain:
            return _restore_in_place(restore, folder=folder, manifest=manifest, store=store, migrate=bool(missing))
        return _restore_as_sandbox(
            restore, folder=folder, manifest=manifest, source=backup.store or store, migrate=bool(missing)
        )


def _migrate(schema: str) -> None:
    call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=0)
    connection.set_schema_to_public()


def _restore_in_place(restore: StoreRestore, *, folder: Path, manifest: dict, store: Store, migrate: bool) -> Store:
    """Restore over the live store so that it ends either wholly restored or exactly as it was.

    1. The store is made read-only (writes answer 423 ``tenant_read_only``, so nothing written
       after the safety backup can be lost) and a safety backup is taken.
    2. The dump is replayed into a scratch schema (``<schema>__restoring``) by one ``psql
       --single-transaction`` (``stage_script``); the live schema is not changed by it.
    3. The scratch schema is checked against the manifest: the same tables, and the same row
       counts where the manifest counted the dump's own snapshot.
    4. The store's current files are kept aside (a local archive), then one transaction renames
       the live schema to ``<schema>__before_restore`` and the scratch one to the store's name:
       readers see the old schema or the restored one, never none.
    5. Migrations the backup lacks, the files and the HQ facts (reconciliation, one transaction)
       follow. If any of them fails, one transaction renames the old schema back into place and
       the kept files are put back: the store is as it was.
    6. The old schema is dropped, and the store gets its status back.

    A failure at any step leaves the store's tables, files, facts and status as they were."""
    schema = store.schema_name
    scratch = f"{schema}__restoring"[:63]
    aside = f"{schema}__before_restore"[:63]
    previous = _hold_writes(store)
    try:
        _step(restore, "safety backup")
        safety = take_backup(store=store, kind=StoreBackup.Kind.SAFETY)
        _step(restore, "restoring")
        _stage_into_scratch(folder, schema=schema, scratch=scratch, aside=aside)
        _step(restore, "checking")
        check_restored(scratch, manifest=manifest)
        kept = folder / "current-media.tar"
        _archive_files(schema, into=kept)
        _step(restore, "swapping")
        _rename_schemas((schema, aside), (scratch, schema))
        _complete_or_roll_back(
            restore, folder=folder, store=store, migrate=migrate, scratch=scratch, aside=aside, kept=kept, safety=safety
        )
        try:
            _drop_schema(aside)
        except Exception:  # the restore is done; the next one drops what is left
            logger.exception("restore %s: the old schema %s could not be dropped", restore.pk, aside)
    finally:
        connection.set_schema_to_public()
        try:
            _drop_schema(scratch)
        finally:
            _release_writes(store, previous)
    return store


def _dump_as_sql(tools: pgtools.PgTools, folder: Path) -> Path:
    """The backup's dump as a plain SQL script (``restore.sql`` beside it)."""
    script = folder / "restore.sql"
    _run([tools.path("pg_restore"), "--no-owner", "--no-privileges", f"--file={script}", str(folder / DUMP)])
    return script


def _run_sql_file(tools: pgtools.PgTools, path: Path) -> None:
    """Run a psql script against Django's database in one transaction, stopping at the first error."""
    _run(
        [
            tools.path("psql"),
            "--no-psqlrc",
            "--quiet",
            "--set=ON_ERROR_STOP=1",
            "--single-transaction",
            f"--dbname={connection.settings_dict['NAME']}",
            f"--file={path}",
        ]
    )


def _stage_into_scratch(folder: Path, *, schema: str, scratch: str, aside: str) -> None:
    """Step 2: replay the dump into ``scratch``, leaving the live schema as it is."""
    _drop_schema(scratch)  # what an interrupted restore may have left
    _drop_schema(aside)
    tools = pgtools.find_tools()
    script = _dump_as_sql(tools, folder)
    stage = folder / "stage.sql"
    stage.write_text(stage_script(schema=schema, scratch=scratch, hold=aside, script=script), encoding="utf-8")
    _run_sql_file(tools, stage)


def _complete_or_roll_back(
    restore: StoreRestore,
    *,
    folder: Path,
    store: Store,
    migrate: bool,
    scratch: str,
    aside: str,
    kept: Path,
    safety: StoreBackup,
) -> None:
    """Step 5, after the swap: migrations, files and HQ facts; on a failure, the old schema and the
    kept files go back into place (and the facts are rebuilt from them) before the error is raised."""
    schema = store.schema_name
    reconciled = False
    try:
        if migrate:
            _step(restore, "migrating")
            _migrate(schema)
        _step(restore, "files")
        _restore_files(folder / MEDIA, prefix=schema)
        _step(restore, "reconciling")
        reconciled = True  # from here on, the facts may have been rebuilt
        _reconcile(store)
    except Exception:
        connection.set_schema_to_public()
        _step(restore, "rolling back")
        _rename_schemas((schema, scratch), (aside, schema))
        _put_back(restore, store=store, kept=kept, safety=safety, reconciled=reconciled)
        raise


def _put_back(restore: StoreRestore, *, store: Store, kept: Path, safety: StoreBackup, reconciled: bool) -> None:
    """The store's kept files back in place and, when they were rebuilt from the restored copy, its
    facts rebuilt again; failures are logged, so that the restore's own error is the one raised."""
    try:
        _restore_files(kept, prefix=store.schema_name)
    except Exception:
        logger.exception(
            "restore %s: the store's files could not be put back; they are in the safety backup %s",
            restore.pk,
            safety.pk,
        )
    if reconciled:
        # The facts were rebuilt from the restored copy before the failure: from the store's
        # own schema again.
        try:
            _reconcile(store)
        except Exception:
            logger.exception("restore %s: the store's HQ facts could not be rebuilt", restore.pk)


def stage_script(*, schema: str, scratch: str, hold: str, script: Path) -> str:
    """The psql script (run in one transaction) that replays a store's dump into ``scratch``.

    The dump names the store's schema in every statement, so the live schema steps aside under
    ``hold`` while the dump makes the schema again under its own name; that copy is then renamed
    to ``scratch`` and the live schema given its name back. No text of the dump is rewritten (a
    customer's note that happens to spell the schema's name stays as it is), and other sessions,
    which see nothing of the transaction before it commits, read the live schema throughout."""
    quoted = str(script).replace("'", "''")
    return (
        f'ALTER SCHEMA "{schema}" RENAME TO "{hold}";\n'
        f"\\i '{quoted}'\n"
        f'ALTER SCHEMA "{schema}" RENAME TO "{scratch}";\n'
        f'ALTER SCHEMA "{hold}" RENAME TO "{schema}";\n'
    )


def check_restored(schema: str, *, manifest: dict) -> None:
    """BackupRefused unless ``schema`` holds the manifest's tables (and, when the manifest counted
    the dump's own snapshot, the same number of rows in each)."""
    expected: dict[str, int] = manifest.get("tables") or {}
    found = table_rows(schema)
    if set(found) != set(expected):
        names = sorted(set(found) ^ set(expected))
        raise BackupRefused(
            _("The restored copy does not have the backup's tables: %(names)s.") % {"names": ", ".join(names[:10])}
        )
    if manifest.get("tables_of_dump"):
        differing = sorted(name for name, rows in expected.items() if found[name] != rows)
        if differing:
            raise BackupRefused(
                _("The restored copy does not have the backup's rows in: %(names)s.")
                % {"names": ", ".join(differing[:10])}
            )


def _rename_schemas(*renames: tuple[str, str]) -> None:
    """Rename schemas in one transaction (``(old, new)`` in order)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for old, new in renames:
            cursor.execute(f'ALTER SCHEMA "{old}" RENAME TO "{new}"')


def _drop_schema(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def _hold_writes(store: Store) -> str | None:
    """Make an active store read-only for the restore; the status to give back (None: unchanged)."""
    with transaction.atomic():
        locked = Store.objects.select_for_update().get(pk=store.pk)
        if locked.status != Store.Status.ACTIVE:
            return None
        locked.status = Store.Status.READ_ONLY
        locked.save(update_fields=["status"])
    return Store.Status.ACTIVE


def _release_writes(store: Store, previous: str | None) -> None:
    """Give the store its status back, unless something else (billing, a closure) changed it since."""
    if previous is not None:
        Store.objects.filter(pk=store.pk, status=Store.Status.READ_ONLY).update(status=previous)
        store.refresh_from_db(fields=["status"])


class SandboxRestoreFailed(RuntimeError):
    """A restore as a new store failed at ``step``; nothing of the new store was kept."""

    def __init__(self, *, subdomain: str, step: str, cause: BaseException) -> None:
        self.step = step
        reason = str(getattr(cause, "detail", cause)) or type(cause).__name__
        self.detail = _(
            "The restore as the new store %(subdomain)s failed at the step %(step)s: %(cause)s. Nothing of the "
            "new store was kept (no store, schema, files or HQ figures) and the source store was not touched; "
            "the same restore can be run again."
        ) % {"subdomain": subdomain, "step": step, "cause": reason}
        super().__init__(self.detail)


def _restore_as_sandbox(restore: StoreRestore, *, folder: Path, manifest: dict, source: Store, migrate: bool) -> Store:
    """Restore the backup as a new store on ``restore.as_subdomain``, built first and then made
    visible, so that it ends either whole or not at all.

    1. The dump, its schema name replaced, is replayed by one ``psql --single-transaction`` into
       the new schema. No store row points at that schema yet: no host reaches it, no job sees it.
    2. The migrations the backup lacks run in that schema, and the files are written under its
       media prefix.
    3. One transaction makes the store row, its domain and the source store's memberships, and
       builds its HQ facts (the reconciliation): the store appears whole or not at all.

    A failure at any step drops the new schema and its files (the transaction of step 3 leaves no
    row) and raises ``SandboxRestoreFailed`` naming the step and the cause. The source store is
    only read (its memberships). A process killed between steps 1 and 3 leaves the schema without
    a store, which keeps the subdomain taken until it is dropped."""
    from hq_console.selectors import store_members
    from shared_apps.accounts.services import membership_create
    from tenants.provisioning import check_subdomain_available

    _step(restore, "restoring")
    subdomain = restore.as_subdomain
    check_subdomain_available(subdomain)
    old, new = manifest["store"]["schema"], schema_name_for(subdomain)
    tools = pgtools.find_tools()
    script = _dump_as_sql(tools, folder)
    # The schema's name is an identifier in the DDL and the media prefix of stored file names.
    pattern = re.compile(rf"(?<![A-Za-z0-9_$]){re.escape(old)}(?![A-Za-z0-9_$])")
    rewritten = folder / "restore-as.sql"
    with script.open(encoding="utf-8") as source_sql, rewritten.open("w", encoding="utf-8") as target_sql:
        for line in source_sql:
            target_sql.write(pattern.sub(new, line))
    try:
        _run_sql_file(tools, rewritten)
        if migrate:
            _step(restore, "migrating")
            _migrate(new)
        _step(restore, "files")
        _restore_files(folder / MEDIA, prefix=new)
        _step(restore, "reconciling")
        with transaction.atomic():
            sandbox = Store.objects.create(
                schema_name=new,
                name=f"{manifest['store'].get('name') or source.name} ({subdomain})"[:120],
                subdomain=subdomain,
                subsidiary=source.subsidiary,
                timezone=source.timezone,
                currency=source.currency,
            )
            Domain.objects.create(domain=store_host(subdomain), tenant=sandbox, is_primary=True)
            for member in store_members(store=source):
                membership_create(user=member.user, store=sandbox, role=member.role, supervisor=member.supervisor)
            _reconcile(sandbox)
    except Exception as exc:
        connection.set_schema_to_public()
        try:
            _discard_unowned(new)
        except Exception:  # logged for an operator to drop; the failure itself is what is raised
            logger.exception("restore %s: the new schema %s could not be discarded", restore.pk, new)
        raise SandboxRestoreFailed(subdomain=subdomain, step=restore.step, cause=exc) from exc
    return sandbox


def _discard_unowned(schema: str) -> None:
    """Drop ``schema`` and delete the files under its media prefix, unless a store owns it."""
    connection.set_schema_to_public()
    if Store.objects.filter(schema_name=schema).exists():
        return
    for name in media_files(schema):
        default_storage.delete(name)
    _drop_schema(schema)


def _archive_files(prefix: str, *, into: Path, names: list[str] | None = None) -> int:
    """Every file under the media prefix (or ``names`` of them) into one tar archive, names
    relative to the prefix; how many."""
    names = media_files(prefix) if names is None else names
    with tarfile.open(into, "w") as archive:
        for name in names:
            with default_storage.open(name, "rb") as handle:
                info = tarfile.TarInfo(name[len(prefix) + 1 :])
                info.size = default_storage.size(name)
                info.mtime = 0
                archive.addfile(info, handle)
    return len(names)


def _restore_files(archive_path: Path, *, prefix: str) -> None:
    for name in media_files(prefix):
        default_storage.delete(name)
    with tarfile.open(archive_path) as archive:
        for member in archive.getmembers():
            handle = archive.extractfile(member)
            if handle is None:
                continue
            name = f"{prefix}/{member.name}"
            saved = default_storage.save(name, File(handle, name=member.name))
            if saved != name:
                raise RuntimeError(f"file storage renamed {name} to {saved}")


def _reconcile(store: Store) -> None:
    from hq_reports import rollups

    with tenant_context(store):
        rollups.reconcile()
    connection.set_schema_to_public()


# --- backups and restores ---------------------------------------------------------------------


def backup_start(*, store: Store):
    """Record a manual backup of ``store`` and take it on the worker after commit."""
    from hq_console.tasks import run_backup_task

    backup = backup_request(store=store, kind=StoreBackup.Kind.MANUAL)
    transaction.on_commit(lambda: run_backup_task.delay(str(backup.pk)))
    return backup


def restore_start(*, store: Store, backup_id, as_subdomain: str = "", hq_user: User | None = None):
    """Check and record a restore of one of ``store``'s backups; run it on the worker after commit."""
    from hq_console.tasks import run_restore_task

    backup = StoreBackup.objects.filter(pk=backup_id, status=StoreBackup.Status.READY).first()
    if backup is None:
        raise ValidationFailed(_("No such backup."), errors={"backup": [_("Choose one of the store's backups.")]})
    restore = restore_request(backup=backup, store=store, as_subdomain=as_subdomain, hq_user=hq_user)
    transaction.on_commit(lambda: run_restore_task.delay(str(restore.pk)))
    return restore
