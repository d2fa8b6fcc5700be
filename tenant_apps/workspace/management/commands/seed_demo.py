"""``manage.py seed_demo``: demo stores, accounts and records (see tenant_apps.workspace.demo)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shared_apps.platform.errors import DomainError
from tenant_apps.workspace import demo
from tenants.provisioning import ProvisioningError


def _non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Create demo stores, accounts for every role and demo records; reproducible with --seed."

    def add_arguments(self, parser):
        parser.add_argument("--stores", type=_non_negative, default=demo.DEFAULT_STORES, help="demo stores (3)")
        parser.add_argument(
            "--customers", type=_non_negative, default=demo.DEFAULT_CUSTOMERS, help="customers per store"
        )
        parser.add_argument("--orders", type=_non_negative, default=demo.DEFAULT_ORDERS, help="orders per store")
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="random seed (same seed, same data)")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when demo data exists already (for `make run`)"
        )

    def handle(self, *args, **options):
        plan = demo.demo_plan(stores=options["stores"], seed=options["seed"])
        if demo.demo_data_exists(plan):
            if options["if_empty"]:
                self.stdout.write(_("Demo data exists already; nothing seeded."))
                return
            raise CommandError(_("Demo data exists already. Use --if-empty to skip seeding when it does."))
        try:
            summary = demo.seed_demo(
                stores=options["stores"],
                customers=options["customers"],
                orders=options["orders"],
                seed=options["seed"],
            )
        except (DomainError, ProvisioningError) as exc:
            detail = getattr(exc, "detail", None) or str(exc)
            raise CommandError(_("Seeding failed, nothing was kept: %(detail)s") % {"detail": detail}) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo data seeded in %(seconds).1f s (seed %(seed)d).")
                % {"seconds": summary.seconds, "seed": summary.seed}
            )
        )
        self.stdout.write(_("  Subsidiaries: %(list)s") % {"list": ", ".join(summary.subsidiaries)})
        self.stdout.write(_("  HQ accounts: %(list)s") % {"list": ", ".join(summary.hq_accounts)})
        self.stdout.write(
            _("  Stores: %(list)s (%(accounts)d store accounts)")
            % {"list": ", ".join(summary.stores) or "-", "accounts": summary.store_accounts}
        )
        for subdomain, lines in summary.seeded.items():
            for line in lines:
                self.stdout.write(f"  {subdomain}: {line}")
        self.stdout.write(
            _("  Every demo account's password: %(password)s  (manage.py demo_banner lists them)")
            % {"password": demo.DEMO_PASSWORD}
        )
