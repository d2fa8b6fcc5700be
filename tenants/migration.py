"""Migrating many store schemas quickly.

``migrate_schemas`` (django-tenants) calls ``get_executor`` (settings.GET_EXECUTOR_FUNCTION). The
executor here:

* adds the template schema and the spare schemas to every all-stores tenant run, so clones are
  always current;
* finds in ONE query which schemas already have exactly the migrations on disk and skips them
  (an all-up-to-date run over 1,000 stores costs one query instead of 1,000 ``migrate`` runs);
* migrates what is left with django-tenants' multiprocessing executor when there is more than
  one schema, the standard executor otherwise.
"""

from __future__ import annotations

import hashlib
import sys

from django.conf import settings
from django.db import connection
from django_tenants.migration_executors.base import MigrationExecutor
from django_tenants.migration_executors.multiproc import MultiprocessingExecutor
from django_tenants.migration_executors.standard import StandardExecutor


def expected_migrations_digest() -> str:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    names = sorted(f"{app}.{name}" for app, name in loader.disk_migrations)
    return hashlib.md5(",".join(names).encode()).hexdigest()  # noqa: S324 - a fingerprint, not security


def schemas_needing_migration(schemas: list[str]) -> list[str]:
    """The schemas whose django_migrations differ from the migrations on disk, in one query."""
    if not schemas:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid "
            "WHERE c.relname = 'django_migrations' AND n.nspname = ANY(%s)",
            [schemas],
        )
        with_table = {row[0] for row in cursor.fetchall()}
        digests: dict[str, str] = {}
        present = [s for s in schemas if s in with_table]
        if present:
            parts = [
                f"SELECT %s AS s, md5(string_agg(app || '.' || name, ',' ORDER BY app || '.' || name)) AS d "
                f"FROM {connection.ops.quote_name(s)}.django_migrations"
                for s in present
            ]
            cursor.execute(" UNION ALL ".join(parts), present)
            digests = dict(cursor.fetchall())
    expected = expected_migrations_digest()
    return [s for s in schemas if digests.get(s) != expected]


def _extra_schemas() -> list[str]:
    from tenants.models import SpareSchema

    return [settings.TENANT_TEMPLATE_SCHEMA, *SpareSchema.objects.values_list("schema_name", flat=True)]


class SkippingExecutor(MigrationExecutor):
    codename = "skipping"

    def run_migrations(self, tenants=None):
        tenants = list(tenants or [])
        public = self.PUBLIC_SCHEMA_NAME
        if public in tenants:
            # django-tenants migrates the public schema in a call of its own.
            StandardExecutor(self.args, self.options).run_migrations([public])
            tenants.remove(public)
            if not self.options.get("fake") and not self.options.get("app_label"):
                # The HQ host (base domain → public schema) exists from the first migration on.
                from tenants.provisioning import ensure_public_tenant

                ensure_public_tenant()
            if not tenants:
                return
        if not self.options.get("schema_name"):
            # An all-stores run: the template and the spares are migrated with the stores.
            self._ensure_template()
            tenants = list(dict.fromkeys([*_extra_schemas(), *tenants]))
        targeted = bool(self.options.get("app_label")) or bool(self.options.get("fake"))
        todo = tenants if targeted else schemas_needing_migration(tenants)
        if int(self.options.get("verbosity", 1)) >= 1:
            sys.stdout.write(f"[skipping] {len(tenants) - len(todo)} schema(s) up to date, {len(todo)} to migrate\n")
        if not todo:
            return
        executor = MultiprocessingExecutor if len(todo) > 1 else StandardExecutor
        executor(self.args, self.options).run_migrations(todo)

    def run_multi_type_migrations(self, tenants):  # pragma: no cover - one tenant type here
        raise NotImplementedError

    def _ensure_template(self) -> None:
        from django_tenants.utils import schema_exists

        name = settings.TENANT_TEMPLATE_SCHEMA
        if not schema_exists(name):
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA {connection.ops.quote_name(name)}")


def get_executor(codename=None):
    """Ours by default; ``--executor standard|multiprocessing`` still picks django-tenants' own."""
    if codename and codename != SkippingExecutor.codename:
        from django_tenants.migration_executors import get_executor as stock_executor

        return stock_executor(codename)
    return SkippingExecutor
