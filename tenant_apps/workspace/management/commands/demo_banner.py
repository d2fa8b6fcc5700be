"""``manage.py demo_banner``: the HQ URL, every store's URL and the demo logins (printed by ``make run``),
in English, the language of the console."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from tenant_apps.workspace import demo

CONSOLE_LANGUAGE = "en"


class Command(BaseCommand):
    help = "Print the HQ URL, each store's URL and the demo logins for every role."

    def add_arguments(self, parser):
        parser.add_argument("--max-stores", type=int, default=20, help="list at most this many stores")

    def handle(self, *args, **options):
        with translation.override(CONSOLE_LANGUAGE):
            self._print(max_stores=options["max_stores"])

    def _print(self, *, max_stores: int) -> None:
        sites, left_out = demo.banner_sites(max_stores=max(0, max_stores))
        rows = [(role, email) for site in sites for role, email in site.logins]
        role_width = max([demo.display_width(role) for role, _email in rows] + [4])
        email_width = max([len(email) for _role, email in rows] + [5])
        url_width = max(len(site.url) for site in sites)
        out = self.stdout
        out.write("")
        out.write("=" * 78)
        for site in sites:
            out.write("")
            out.write(self.style.SUCCESS(f"  {demo.pad(site.url, url_width)}  {site.title}"))
            for role, email in site.logins:
                out.write(f"      {demo.pad(role, role_width)}  {demo.pad(email, email_width)}  {demo.DEMO_PASSWORD}")
        if len(sites) == 1:
            out.write("")
            out.write(_("  No stores yet: run `manage.py seed_demo` or `manage.py create_store`."))
        if left_out:
            out.write("")
            out.write(_("  ... and %(count)d more stores.") % {"count": left_out})
        if rows:
            out.write("")
            out.write(
                _("  Sign in with the email and password shown; every demo account uses %(password)s.")
                % {"password": demo.DEMO_PASSWORD}
            )
        out.write("")
        out.write("=" * 78)
        out.write("")
