"""Per-store backup and restore with PostgreSQL's own tools, against the server the tests run on.

A store of its own (``gamma``) is made with committed rows and files; the session's stores are
the neighbours whose tables and files must stay identical, byte for byte.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django_tenants.utils import tenant_context

from hq_console import backups
from hq_console.models import StoreBackup, StoreRestore
from shared_apps.accounts.models import User
from shared_apps.accounts.services import membership_create
from shared_apps.platform import pgtools
from tenant_apps.customers import services as customer_services
from tenants.models import Domain, Store
from tenants.provisioning import create_store_now
from tenants.routing import schema_name_for, store_host
from tests.conftest import STORE_A, STORE_B, user_email
from tests.factories import access_of

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def table_checksums(schema: str) -> dict[str, tuple[int, str]]:
    """Every table of ``schema``: its row count and the MD5 of its rows in a stable order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            [schema],
        )
        tables = sorted(row[0] for row in cursor.fetchall())
        sums = {}
        for table in tables:
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                f'FROM "{schema}"."{table}" t'
            )
            sums[table] = tuple(cursor.fetchone())
    return sums


def file_checksums(prefix: str) -> dict[str, str]:
    out = {}
    for name in backups.media_files(prefix):
        with default_storage.open(name, "rb") as handle:
            out[name[len(prefix) + 1 :]] = hashlib.sha256(handle.read()).hexdigest()
    return out


def neighbours() -> dict:
    out = {}
    for spec in (STORE_A, STORE_B):
        store = Store.objects.get(subdomain=spec["subdomain"])
        out[store.subdomain] = (table_checksums(store.schema_name), file_checksums(store.schema_name))
    return out


def _drop_store(subdomain: str) -> None:
    connection.set_schema_to_public()
    for store in Store.objects.filter(subdomain=subdomain):
        for name in backups.media_files(store.schema_name):
            default_storage.delete(name)
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{store.schema_name}" CASCADE')
        store.delete()


@pytest.fixture
def backup_root(tmp_path, settings):
    settings.BACKUP_ROOT = tmp_path / "backups"
    return settings.BACKUP_ROOT


@pytest.fixture
def gamma(committed_db, backup_root):
    """A committed store with customers and files, removed afterwards with its sandbox copies."""
    admin = User.objects.get(email=user_email("a_admin"))
    store = create_store_now(name="Gamma", subdomain="gamma", channels=["tmall"])
    membership_create(user=admin, store=store, role="admin")
    with tenant_context(store):
        for i in range(3):
            customer_services.customer_create(
                data={"name": f"顾客 {i}", "mobile": f"1370013700{i}"}, access=access_of(admin)
            )
    default_storage.save(f"{store.schema_name}/vouchers/one.png", ContentFile(PNG))
    default_storage.save(f"{store.schema_name}/screenshots/2026/two.png", ContentFile(PNG[::-1]))
    connection.set_schema_to_public()
    yield store
    StoreRestore.objects.all().delete()
    StoreBackup.objects.all().delete()
    for subdomain in ("gamma", "gamma-copy"):
        _drop_store(subdomain)


def test_tools_match_the_server_version(db):
    tools = pgtools.find_tools()
    assert tools.major == pgtools.server_major()
    assert pgtools.program_major(tools.bin_dir) == tools.major


def test_restore_in_place_gives_back_every_table_and_file_and_leaves_other_stores_untouched(gamma):
    admin = User.objects.get(email=user_email("a_admin"))
    schema = gamma.schema_name
    before_tables, before_files = table_checksums(schema), file_checksums(schema)
    before_neighbours = neighbours()
    assert before_tables["customers_customer"][0] == 3 and len(before_files) == 2

    backup = backups.take_backup(store=gamma)
    assert backup.status == StoreBackup.Status.READY and backup.size > 0
    assert backup.manifest["store"]["schema"] == schema
    assert backup.manifest["tables"]["customers_customer"] == 3
    assert backup.manifest["media"]["count"] == 2

    # Changes after the backup: a customer more, a file gone, a file added.
    with tenant_context(gamma):
        customer_services.customer_create(data={"name": "后来的", "mobile": "13700137009"}, access=access_of(admin))
    connection.set_schema_to_public()
    default_storage.delete(f"{schema}/vouchers/one.png")
    default_storage.save(f"{schema}/vouchers/three.png", ContentFile(PNG + b"x"))
    assert table_checksums(schema) != before_tables
    assert file_checksums(schema) != before_files

    restore = backups.restore_backup(backup=backup, store=gamma)

    assert restore.status == StoreRestore.Status.DONE
    assert table_checksums(schema) == before_tables
    assert file_checksums(schema) == before_files
    assert neighbours() == before_neighbours
    safety = StoreBackup.objects.get(store=gamma, kind=StoreBackup.Kind.SAFETY)
    assert safety.manifest["tables"]["customers_customer"] == 4
    assert gamma.memberships.filter(user=admin, is_active=True).exists()


def test_restore_as_a_new_store_copies_data_files_and_members_without_touching_the_source(gamma):
    schema = gamma.schema_name
    before_tables, before_files = table_checksums(schema), file_checksums(schema)
    backup = backups.take_backup(store=gamma)

    restore = backups.restore_backup(backup=backup, store=gamma, as_subdomain="gamma-copy")

    copy = Store.objects.get(subdomain="gamma-copy")
    assert restore.store_id == copy.pk and copy.schema_name != schema
    assert table_checksums(schema) == before_tables
    assert file_checksums(schema) == before_files
    copied = table_checksums(copy.schema_name)
    assert {t: n for t, (n, _s) in copied.items()} == {t: n for t, (n, _s) in before_tables.items()}
    assert file_checksums(copy.schema_name) == before_files
    assert set(copy.memberships.values_list("user_id", flat=True)) == set(
        gamma.memberships.values_list("user_id", flat=True)
    )


def test_a_backup_of_one_store_is_refused_for_another_without_a_new_subdomain(gamma):
    alpha = Store.objects.get(subdomain=STORE_A["subdomain"])
    backup = backups.take_backup(store=gamma)
    before = neighbours()

    with pytest.raises(backups.BackupMismatch):
        backups.restore_backup(backup=backup, store=alpha)

    assert neighbours() == before
    assert not StoreBackup.objects.filter(kind=StoreBackup.Kind.SAFETY).exists()


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_corrupt_or_truncated_backup_is_refused_before_anything_is_touched(gamma, backup_root, damage):
    schema = gamma.schema_name
    backup = backups.take_backup(store=gamma)
    default_storage.delete(f"{schema}/vouchers/one.png")  # a change the refused restore must not undo
    before_tables, before_files = table_checksums(schema), file_checksums(schema)
    dump = backup_root / backup.location / backups.DUMP
    data = dump.read_bytes()
    if damage == "truncate":
        dump.write_bytes(data[: len(data) // 2])
    else:
        dump.write_bytes(data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])

    with pytest.raises(backups.BackupRefused):
        backups.restore_backup(backup=backup, store=gamma)

    assert table_checksums(schema) == before_tables
    assert file_checksums(schema) == before_files
    assert not StoreBackup.objects.filter(kind=StoreBackup.Kind.SAFETY).exists()
    assert StoreRestore.objects.get().status == StoreRestore.Status.FAILED


def test_a_backup_from_a_newer_migration_level_is_refused_with_the_reason(gamma, backup_root):
    backup = backups.take_backup(store=gamma)
    manifest_path = backup_root / backup.location / backups.MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["migrations"].setdefault("customers", []).append("9999_from_the_future")
    manifest_path.write_text(json.dumps(manifest))
    before = table_checksums(gamma.schema_name)

    with pytest.raises(backups.BackupMigrationLevel) as refused:
        backups.restore_backup(backup=backup, store=gamma)

    assert "customers.9999_from_the_future" in refused.value.detail
    assert table_checksums(gamma.schema_name) == before


def test_an_older_backup_lists_the_migrations_it_will_be_brought_up_to(db):
    alpha = Store.objects.get(subdomain=STORE_A["subdomain"])
    applied = backups.applied_migrations(alpha.schema_name)
    assert backups.migration_gap(applied) == ([], [])
    app = sorted(applied)[0]
    last = applied[app][-1]
    older = {**applied, app: applied[app][:-1]}
    assert backups.migration_gap(older) == ([], [f"{app}.{last}"])


def test_an_in_place_restore_swaps_in_one_transaction_while_the_store_reads_its_old_data(gamma, monkeypatch):
    """Midway through the restore (the psql transaction that replays the dump held open on an
    advisory lock the test owns), another session still reads the store's old schema whole, and the
    store refuses writes; at the end the restored data is there and the store is writable again."""
    import threading

    import psycopg

    admin = User.objects.get(email=user_email("a_admin"))
    schema = gamma.schema_name
    backup = backups.take_backup(store=gamma)
    with tenant_context(gamma):
        customer_services.customer_create(data={"name": "后来的", "mobile": "13700137009"}, access=access_of(admin))
    connection.set_schema_to_public()
    lock_key = 815_2026

    original = backups.stage_script
    monkeypatch.setattr(
        backups, "stage_script", lambda **kw: original(**kw) + f"SELECT pg_advisory_lock({lock_key});\n"
    )

    settings_dict = connection.settings_dict
    conninfo = psycopg.conninfo.make_conninfo(
        dbname=settings_dict["NAME"],
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
    )
    holder = psycopg.connect(conninfo, autocommit=True)
    reader = psycopg.connect(conninfo, autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s)", [lock_key])
    outcome: dict = {}

    def run() -> None:
        from django.db import connections

        try:
            outcome["restore"] = backups.restore_backup(backup=backup, store=Store.objects.get(pk=gamma.pk))
        except Exception as exc:  # noqa: BLE001 - the main thread reports it
            outcome["error"] = exc
        finally:
            connections.close_all()

    worker = threading.Thread(target=run)
    worker.start()
    try:
        waiting = 0
        for _ in range(600):
            waiting = reader.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND NOT granted", [lock_key]
            ).fetchone()[0]
            if waiting or not worker.is_alive():
                break
            worker.join(0.1)
        assert waiting == 1, outcome
        # The dump is replayed but not committed: the old schema is what everyone else reads.
        assert reader.execute(f'SELECT count(*) FROM "{schema}".customers_customer').fetchone()[0] == 4
        assert reader.execute("SELECT status FROM tenants_store WHERE id = %s", [gamma.pk]).fetchone()[0] == (
            Store.Status.READ_ONLY
        )
    finally:
        holder.execute("SELECT pg_advisory_unlock(%s)", [lock_key])
        worker.join(120)
        holder.close()
    assert "error" not in outcome, outcome
    assert outcome["restore"].status == StoreRestore.Status.DONE
    assert reader.execute(f'SELECT count(*) FROM "{schema}".customers_customer').fetchone()[0] == 3
    assert (
        reader.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = ANY(%s)",
            [[f"{schema}__before_restore", f"{schema}__restoring"]],
        ).fetchone()[0]
        == 0
    )
    reader.close()
    gamma.refresh_from_db()
    assert gamma.status == Store.Status.ACTIVE


def test_a_failing_in_place_restore_leaves_the_live_schema_and_its_status_as_they_were(gamma, monkeypatch):
    admin = User.objects.get(email=user_email("a_admin"))
    schema = gamma.schema_name
    backup = backups.take_backup(store=gamma)
    with tenant_context(gamma):
        customer_services.customer_create(data={"name": "后来的", "mobile": "13700137009"}, access=access_of(admin))
    connection.set_schema_to_public()
    before = table_checksums(schema)
    original = backups.stage_script
    # A statement that fails after the whole dump has been replayed inside the transaction.
    monkeypatch.setattr(backups, "stage_script", lambda **kw: original(**kw) + "SELECT 1 / 0;\n")

    with pytest.raises(RuntimeError, match="division by zero"):
        backups.restore_backup(backup=backup, store=gamma)

    assert table_checksums(schema) == before
    gamma.refresh_from_db()
    assert gamma.status == Store.Status.ACTIVE
    assert StoreRestore.objects.get(store=gamma).status == StoreRestore.Status.FAILED


def _schemas_like(schema: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s ORDER BY 1", [f"{schema}%"])
        return [row[0] for row in cursor.fetchall()]


def _fail_on_second_save(monkeypatch):
    """The file storage fails once, midway through writing the restored files (one written, one not)."""
    original = default_storage.save
    calls = []

    def save(name, content, *args, **kwargs):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return original(name, content, *args, **kwargs)

    monkeypatch.setattr(default_storage, "save", save)


@pytest.mark.parametrize("step", ["check", "migrating", "files", "reconciling"])
def test_a_restore_failing_at_any_step_leaves_the_store_exactly_as_it_was(gamma, backup_root, monkeypatch, step):
    """A failure after the dump is replayed (a copy that does not match its manifest, a migration,
    the file storage, the HQ facts) leaves every table and file of the store byte for byte as it
    was, its facts, its status and no schema but its own; the other stores are untouched."""
    from hq_reports.models import CustomerFact

    admin = User.objects.get(email=user_email("a_admin"))
    schema = gamma.schema_name
    backup = backups.take_backup(store=gamma)
    # Changes since the backup, that a restore would undo.
    with tenant_context(gamma):
        customer_services.customer_create(data={"name": "后来的", "mobile": "13700137009"}, access=access_of(admin))
    connection.set_schema_to_public()
    backups._reconcile(gamma)
    default_storage.delete(f"{schema}/vouchers/one.png")
    default_storage.save(f"{schema}/vouchers/three.png", ContentFile(PNG + b"x"))
    if step == "check":
        # The dump replays without an error but holds other rows than the backup counted.
        manifest_path = backup_root / backup.location / backups.MANIFEST
        manifest = json.loads(manifest_path.read_text())
        manifest["tables"]["customers_customer"] += 1
        manifest_path.write_text(json.dumps(manifest))
    elif step == "migrating":
        # A backup one migration behind: the restored copy is migrated, and the migration fails.
        manifest_path = backup_root / backup.location / backups.MANIFEST
        manifest = json.loads(manifest_path.read_text())
        manifest["migrations"]["customers"] = manifest["migrations"]["customers"][:-1]
        manifest_path.write_text(json.dumps(manifest))

        def migrate(*args, **kwargs):
            raise RuntimeError("migration failed")

        monkeypatch.setattr(backups, "call_command", migrate)
    elif step == "files":
        _fail_on_second_save(monkeypatch)
    else:
        from hq_reports import rollups

        original = rollups.reconcile

        def reconcile(**kwargs):
            original(**kwargs)  # the facts are rebuilt, then the transaction fails
            raise RuntimeError("reconciliation failed")

        monkeypatch.setattr(rollups, "reconcile", reconcile)
    before_tables, before_files = table_checksums(schema), file_checksums(schema)
    before_facts = sorted(CustomerFact.objects.filter(store=gamma).values_list("customer_id", "created_at"))
    before_neighbours = neighbours()
    assert len(before_facts) == 4

    with pytest.raises((backups.BackupRefused, RuntimeError, OSError)):
        backups.restore_backup(backup=backup, store=gamma)

    monkeypatch.undo()
    assert table_checksums(schema) == before_tables
    assert file_checksums(schema) == before_files
    assert sorted(CustomerFact.objects.filter(store=gamma).values_list("customer_id", "created_at")) == before_facts
    assert neighbours() == before_neighbours
    assert _schemas_like(schema) == [schema]
    gamma.refresh_from_db()
    assert gamma.status == Store.Status.ACTIVE
    failed = StoreRestore.objects.get(store=gamma)
    assert failed.status == StoreRestore.Status.FAILED and failed.error
    # The store is whole: the backup still restores (but one that does not match its manifest), and
    # the store takes writes.
    if step != "check":
        assert backups.restore_backup(backup=backup, store=gamma).status == StoreRestore.Status.DONE
        assert table_checksums(schema)["customers_customer"][0] == 3
    with tenant_context(gamma):
        customer_services.customer_create(data={"name": "再来的", "mobile": "13700137008"}, access=access_of(admin))
    connection.set_schema_to_public()


def test_the_manifest_counts_the_rows_of_the_dump_while_the_store_writes(gamma, monkeypatch):
    """A customer committed between the manifest's counts and pg_dump is in neither: the counts are
    read in the dump's own snapshot, so the restore's check of the copy passes."""
    admin = User.objects.get(email=user_email("a_admin"))
    original = backups._run

    def run(command, **kwargs):
        if command[0].endswith("pg_dump"):
            with tenant_context(gamma):
                customer_services.customer_create(
                    data={"name": "同时的", "mobile": "13700137007"}, access=access_of(admin)
                )
            connection.set_schema_to_public()
        return original(command, **kwargs)

    monkeypatch.setattr(backups, "_run", run)
    backup = backups.take_backup(store=gamma)
    monkeypatch.undo()

    assert backup.manifest["tables_of_dump"] is True
    assert backup.manifest["tables"]["customers_customer"] == 3
    assert table_checksums(gamma.schema_name)["customers_customer"][0] == 4
    assert backups.restore_backup(backup=backup, store=gamma).status == StoreRestore.Status.DONE
    assert table_checksums(gamma.schema_name)["customers_customer"][0] == 3


@pytest.fixture
def no_copy_left():
    """Whatever a failed restore as ``gamma-copy`` may have left (a schema without a store, files)
    is removed afterwards, so that one failing test does not fail the next."""
    yield
    connection.set_schema_to_public()
    schema = schema_name_for("gamma-copy")
    for name in backups.media_files(schema):
        default_storage.delete(name)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.mark.parametrize("step", ["restoring", "migrating", "files", "reconciling"])
def test_a_restore_as_a_new_store_failing_at_any_step_leaves_nothing_of_it(
    gamma, backup_root, monkeypatch, no_copy_left, step
):
    """A failure after the dump is replayed into the new schema (psql's commit, a migration, the
    file storage midway, the store's rows and HQ facts) leaves no store, domain, membership, schema,
    file or fact of the new store, and the source store untouched; the restore's error names the
    step and the cause, and the same restore then succeeds."""
    from hq_reports.models import CustomerFact
    from shared_apps.accounts.models import Membership

    backup = backups.take_backup(store=gamma)
    schema, copy_schema = gamma.schema_name, schema_name_for("gamma-copy")
    if step == "restoring":
        replay = backups._run_sql_file

        def run_sql_file(*args, **kwargs):
            replay(*args, **kwargs)  # psql has committed the new schema
            raise RuntimeError("connection lost after the replay")

        monkeypatch.setattr(backups, "_run_sql_file", run_sql_file)
        cause = "connection lost after the replay"
    elif step == "migrating":
        manifest_path = backup_root / backup.location / backups.MANIFEST
        manifest = json.loads(manifest_path.read_text())
        manifest["migrations"]["customers"] = manifest["migrations"]["customers"][:-1]
        manifest_path.write_text(json.dumps(manifest))

        def migrate(*args, **kwargs):
            raise RuntimeError("migration failed")

        monkeypatch.setattr(backups, "call_command", migrate)
        cause = "migration failed"
    elif step == "files":
        _fail_on_second_save(monkeypatch)
        cause = "disk full"
    else:
        from hq_reports import rollups

        original = rollups.reconcile

        def reconcile(**kwargs):
            original(**kwargs)  # the new store's facts are built, then the transaction fails
            raise RuntimeError("reconciliation failed")

        monkeypatch.setattr(rollups, "reconcile", reconcile)
        cause = "reconciliation failed"
    before_source = (table_checksums(schema), file_checksums(schema))
    before_neighbours = neighbours()
    before_facts = sorted(CustomerFact.objects.values_list("store_id", "customer_id"))
    before_memberships = sorted(Membership.objects.values_list("store_id", "user_id"))

    with pytest.raises((RuntimeError, OSError), match=cause):
        backups.restore_backup(backup=backup, store=gamma, as_subdomain="gamma-copy")

    monkeypatch.undo()
    assert not Store.objects.filter(subdomain="gamma-copy").exists()
    assert not Domain.objects.filter(domain=store_host("gamma-copy")).exists()
    assert _schemas_like(copy_schema) == []
    assert backups.media_files(copy_schema) == []
    assert sorted(CustomerFact.objects.values_list("store_id", "customer_id")) == before_facts
    assert sorted(Membership.objects.values_list("store_id", "user_id")) == before_memberships
    assert (table_checksums(schema), file_checksums(schema)) == before_source
    assert neighbours() == before_neighbours
    gamma.refresh_from_db()
    assert gamma.status == Store.Status.ACTIVE
    failed = StoreRestore.objects.get(as_subdomain="gamma-copy")
    assert failed.status == StoreRestore.Status.FAILED and failed.store_id == gamma.pk
    assert step in failed.error and cause in failed.error and "gamma-copy" in failed.error
    # nothing is in the way of the same restore
    done = backups.restore_backup(backup=backup, store=gamma, as_subdomain="gamma-copy")
    assert done.status == StoreRestore.Status.DONE
    assert table_checksums(copy_schema)["customers_customer"][0] == 3
    assert file_checksums(copy_schema) == before_source[1]
