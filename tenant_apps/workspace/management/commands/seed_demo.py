"""``manage.py seed_demo``: demo stores, accounts and records (see tenant_apps.workspace.demo).

It speaks English, the language of the console (``make run`` prints it with the banner); the demo
records themselves are made in the product's default language, as the stores would make them.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from shared_apps.platform import jobs
from shared_apps.platform.errors import DomainError
from tenant_apps.workspace import demo
from tenants.provisioning import ProvisioningError


def _non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


CONSOLE_LANGUAGE = "en"


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
        with translation.override(CONSOLE_LANGUAGE):
            self._handle(**options)

    def _handle(self, **options):
        plan = demo.demo_plan(stores=options["stores"], seed=options["seed"])
        if demo.demo_data_exists(plan):
            if options["if_empty"]:
                self.stdout.write(_("Demo data exists already; nothing seeded."))
                return
            raise CommandError(_("Demo data exists already. Use --if-empty to skip seeding when it does."))
        try:
            with translation.override(settings.LANGUAGE_CODE):
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
        if summary.stores:
            self._feed_hq(summary.stores)

    def _feed_hq(self, subdomains: list[str]) -> None:
        """Bring HQ's figures of the new demo stores up to date before anyone opens the dashboard."""
        started = time.perf_counter()
        try:
            with translation.override(settings.LANGUAGE_CODE):
                runs = demo.feed_hq(subdomains=subdomains)
        except jobs.UnknownJob as exc:
            raise CommandError(
                _("The demo data is kept, but the HQ job %(job)s is not registered.") % {"job": exc.name}
            ) from None
        failed = [run for run in runs if not run.ok]
        for run in failed:
            self.stderr.write(f"  {run.job} {run.store}: {run.summary}")
        if failed:
            raise CommandError(
                _(
                    "The demo data is kept, but HQ could not be brought up to date for %(stores)s; "
                    "run `manage.py run_job hq.reconcile` once the cause is fixed."
                )
                % {"stores": ", ".join(sorted({run.store for run in failed}))}
            )
        self.stdout.write(
            _("  HQ figures up to date (%(seconds).1f s): %(list)s")
            % {"seconds": time.perf_counter() - started, "list": ", ".join(subdomains)}
        )
