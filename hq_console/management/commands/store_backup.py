"""``manage.py store_backup --store <subdomain>`` (or ``--all``, and ``--public`` for the public
schema): take backups now, into the backup storage (``BACKUP_ROOT`` by default)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from hq_console import backups
from hq_console.models import StoreBackup
from shared_apps.platform import pgtools
from tenants.models import Store


class Command(BaseCommand):
    help = "Back up one store (--store), every store (--all) and/or the public schema (--public)."

    def add_arguments(self, parser):
        parser.add_argument("--store", metavar="SUBDOMAIN")
        parser.add_argument("--all", action="store_true", help="every store that is not suspended")
        parser.add_argument("--public", action="store_true", help="the public schema on its own")

    def handle(self, *args, **options):
        targets: list[Store | None] = []
        if options["store"]:
            store = Store.objects.stores().filter(subdomain=options["store"].strip().lower()).first()
            if store is None:
                raise CommandError(f"Unknown store {options['store']!r} (give the store's subdomain).")
            targets.append(store)
        if options["all"]:
            targets.extend(s for s in Store.objects.active().order_by("subdomain") if s not in targets)
        if options["public"]:
            targets.append(None)
        if not targets:
            raise CommandError("Name what to back up: --store <subdomain>, --all and/or --public.")
        try:
            tools = pgtools.find_tools()
        except pgtools.ToolsNotFound as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"pg_dump of PostgreSQL {tools.major} from {tools.bin_dir}")
        failed = 0
        for store in targets:
            label = store.subdomain if store is not None else "(public)"
            try:
                backup = backups.take_backup(store=store, kind=StoreBackup.Kind.MANUAL)
            except Exception as exc:  # noqa: BLE001 - one failing store must not stop the others
                failed += 1
                self.stderr.write(f"{label}: failed: {exc}")
                continue
            self.stdout.write(f"{label}: {backup.pk} {backup.location} {backup.size} bytes")
        if failed:
            raise CommandError(f"{failed} of {len(targets)} backups failed.")
