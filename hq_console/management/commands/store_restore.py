"""``manage.py store_restore --store <subdomain> --backup <file or id> [--as <new subdomain>]``.

Without ``--as`` the backup is restored into the store's own schema, after a safety backup; it
must be a backup of that store. With ``--as`` it becomes a new sandbox store on that subdomain.
The archive is checked completely before anything is touched.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from hq_console import backups
from shared_apps.platform.errors import DomainError
from tenants.models import Store


class Command(BaseCommand):
    help = "Restore a store from a backup (in place, or into a new store with --as)."

    def add_arguments(self, parser):
        parser.add_argument("--store", metavar="SUBDOMAIN", required=True)
        parser.add_argument("--backup", metavar="ID_OR_PATH", required=True, help="a backup id or its folder")
        parser.add_argument("--as", dest="as_subdomain", metavar="SUBDOMAIN", default="", help="restore as a new store")

    def handle(self, *args, **options):
        store = Store.objects.stores().filter(subdomain=options["store"].strip().lower()).first()
        if store is None:
            raise CommandError(f"Unknown store {options['store']!r} (give the store's subdomain).")
        try:
            backup = backups.backup_get(reference=options["backup"])
            restore = backups.restore_backup(backup=backup, store=store, as_subdomain=options["as_subdomain"])
        except DomainError as exc:
            raise CommandError(f"refused: {exc.detail}") from None
        except Exception as exc:  # noqa: BLE001 - the reason, not a traceback
            raise CommandError(f"restore failed: {exc}") from None
        target = Store.objects.get(pk=restore.store_id)
        self.stdout.write(f"restored backup {backup.pk} into {target.subdomain} (schema {target.schema_name})")
