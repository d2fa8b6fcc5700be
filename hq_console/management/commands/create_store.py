"""``manage.py create_store``: provision a store now (synchronously), for operators."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from shared_apps.accounts.models import User
from shared_apps.accounts.services import user_create
from shared_apps.platform.errors import DomainError
from tenants.models import Subsidiary
from tenants.provisioning import CHANNEL_CODES, ProvisioningError, create_store_now, ensure_public_tenant
from tenants.routing import store_url


def _problem_text(exc: DomainError) -> str:
    parts = [exc.detail]
    for name, messages in exc.errors.items():
        parts.append(f"{name}: {' '.join(messages)}")
    return f"[{exc.code}] " + "; ".join(dict.fromkeys(parts))


class Command(BaseCommand):
    help = (
        "Create a store now: its schema (from the template), domain, channels and optionally its admin. "
        "On any error nothing is left behind."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="the store's display name")
        parser.add_argument("--subdomain", required=True, help="3-40 characters: a-z, 0-9, inner '-'")
        parser.add_argument("--subsidiary", help="code of the subsidiary the store belongs to")
        parser.add_argument("--owner-email", help="the store admin (an existing user, or a new one)")
        parser.add_argument("--owner-password", help="password of a new owner")
        parser.add_argument("--owner-name", default="", help="name of a new owner")
        parser.add_argument(
            "--channel",
            action="append",
            default=[],
            choices=CHANNEL_CODES,
            help="a channel of the store (repeatable)",
        )

    def handle(self, *args, **options):
        ensure_public_tenant()
        try:
            with transaction.atomic():
                store, owner = self._create(options)
        except DomainError as exc:
            raise CommandError(_problem_text(exc)) from exc
        except ProvisioningError as exc:
            raise CommandError(_("Provisioning failed: %(error)s") % {"error": exc}) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("Store '%(name)s' created: %(url)s") % {"name": store.name, "url": store_url(store.subdomain)}
            )
        )
        if owner is not None:
            self.stdout.write(_("Store admin: %(email)s") % {"email": owner.email})

    def _create(self, options):
        subsidiary = None
        if options.get("subsidiary"):
            subsidiary = Subsidiary.objects.filter(code=options["subsidiary"].strip().lower()).first()
            if subsidiary is None:
                known = ", ".join(Subsidiary.objects.values_list("code", flat=True)) or "-"
                raise CommandError(
                    _("Unknown subsidiary '%(code)s' (known: %(known)s).")
                    % {"code": options["subsidiary"], "known": known}
                )
        owner = None
        email = (options.get("owner_email") or "").strip()
        if email:
            owner = User.objects.filter(email__iexact=email).first()
            if owner is None:
                if not options.get("owner_password"):
                    raise CommandError(_("--owner-password is required for a new owner."))
                owner = user_create(email=email, password=options["owner_password"], name=options["owner_name"])
        elif options.get("owner_password"):
            raise CommandError(_("--owner-password needs --owner-email."))
        store = create_store_now(
            name=options["name"],
            subdomain=options["subdomain"].strip(),
            subsidiary=subsidiary,
            owner=owner,
            channels=options["channel"],
        )
        return store, owner
