"""Provisioning: a new store's schema is a renamed spare clone of the template, in one transaction.

How a store comes to be:
1. ``request_store`` validates the subdomain, writes a ``Provisioning`` record (status to poll) and
   queues ``provision_store`` after commit.
2. ``provision_store`` creates the Store and Domain rows, renames a spare schema (or, with none
   left, copies the template schema: ``tenants.schema_copy``), sets up the store's own rows and the owner membership,
   all in a single PostgreSQL transaction. DDL is transactional in PostgreSQL, so a failure at
   any step rolls back the rows and the schema together: no half-made store.
3. The spare pool is refilled in the background (``refill_spares``).

The template schema ``settings.TENANT_TEMPLATE_SCHEMA`` is migrated with every tenant migration
(tenants.migration), so spares and clones are always at the latest migration.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tenants.utils import schema_context, schema_exists

from shared_apps.platform.errors import Conflict, ErrorCode, ValidationFailed
from tenants import schema_copy
from tenants.models import Domain, Provisioning, SpareSchema, Store, Subsidiary
from tenants.routing import schema_name_for, store_host
from tenants.signals import store_provisioned
from tenants.validators import validate_subdomain

logger = logging.getLogger(__name__)

SPARE_REFILL_LOCK = 0x5350_4152  # advisory lock key: "SPAR"

CHANNEL_CODES = ("tmall", "jd", "1688", "pdd", "douyin", "taobao", "alibaba", "offline", "other")
# The names of the channel codes (the same words as the store's ``Channel.Platform``).
CHANNEL_LABELS = {
    "tmall": gettext_lazy("Tmall"),
    "jd": gettext_lazy("JD"),
    "1688": gettext_lazy("1688"),
    "pdd": gettext_lazy("Pinduoduo"),
    "douyin": gettext_lazy("Douyin"),
    "taobao": gettext_lazy("Taobao"),
    "alibaba": gettext_lazy("Alibaba.com"),
    "offline": gettext_lazy("Offline"),
    "other": gettext_lazy("Other"),
}


class ProvisioningError(Exception):
    pass


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def template_schema() -> str:
    return settings.TENANT_TEMPLATE_SCHEMA


def ensure_template_schema() -> bool:
    """Create and migrate the template schema if it is missing. Returns True when it was created."""
    from django.core.management import call_command

    name = template_schema()
    if schema_exists(name):
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {_quote(name)}")
    call_command("migrate_schemas", tenant=True, schema_name=name, interactive=False, verbosity=0)
    return True


def _clone_template(new_schema: str) -> None:
    if not schema_exists(template_schema()):
        raise ProvisioningError(f"template schema {template_schema()!r} does not exist; run migrate_schemas")
    schema_copy.copy_schema(template_schema(), new_schema)


def refill_spares(*, target: int | None = None) -> int:
    """Clone the template until ``target`` spare schemas wait. Returns how many were made."""
    target = settings.TENANT_SPARE_SCHEMAS if target is None else target
    made = 0
    with connection.cursor() as cursor:
        # One refill at a time across processes: a second caller finds the pool being filled.
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [SPARE_REFILL_LOCK])
        if not cursor.fetchone()[0]:
            return 0
        try:
            while SpareSchema.objects.count() < target:
                name = f"spare_{secrets.token_hex(6)}"
                with transaction.atomic():
                    _clone_template(name)
                    SpareSchema.objects.create(schema_name=name)
                made += 1
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [SPARE_REFILL_LOCK])
    return made


def drop_spares() -> int:
    """Drop every spare (after the template changed outside migrations, for instance)."""
    dropped = 0
    for spare in SpareSchema.objects.all():
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"DROP SCHEMA IF EXISTS {_quote(spare.schema_name)} CASCADE")
            spare.delete()
        dropped += 1
    return dropped


def _materialise_schema(schema: str) -> str:
    """Inside the caller's transaction: rename a spare into ``schema`` or clone the template.

    Returns "spare" or "clone" (for the record and the benchmarks).
    """
    spare = SpareSchema.objects.select_for_update(skip_locked=True).order_by("created_at").first()
    if spare is not None and schema_exists(spare.schema_name):
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER SCHEMA {_quote(spare.schema_name)} RENAME TO {_quote(schema)}")
        spare.delete()
        return "spare"
    if spare is not None:  # its schema vanished: forget it
        spare.delete()
    _clone_template(schema)
    return "clone"


def check_subdomain_available(subdomain: str) -> None:
    validate_subdomain(subdomain)
    if (
        Store.objects.filter(subdomain=subdomain).exists()
        or Domain.objects.filter(domain=store_host(subdomain)).exists()
        or schema_exists(schema_name_for(subdomain))
    ):
        raise Conflict(
            _("The subdomain '%(subdomain)s' is already taken.") % {"subdomain": subdomain},
            code=ErrorCode.SUBDOMAIN_TAKEN,
            errors={"subdomain": [_("This subdomain is already taken.")]},
        )


def request_store(
    *,
    name: str,
    subdomain: str,
    subsidiary: Subsidiary | None = None,
    owner=None,
    channels: Iterable[str] = (),
    run_now: bool = False,
) -> Provisioning:
    """Validate, record and queue the provisioning of a store. Nothing else is written on error."""
    name = (name or "").strip()
    subdomain = (subdomain or "").strip()
    if not name:
        raise ValidationFailed(_("A store needs a name."), errors={"name": [_("This field is required.")]})
    channels = list(dict.fromkeys(channels))
    unknown = [c for c in channels if c not in CHANNEL_CODES]
    if unknown:
        raise ValidationFailed(
            _("Unknown channel: %(codes)s.") % {"codes": ", ".join(unknown)},
            errors={"channels": [_("Choose from: %(codes)s.") % {"codes": ", ".join(CHANNEL_CODES)}]},
        )
    check_subdomain_available(subdomain)
    try:
        with transaction.atomic():
            record = Provisioning.objects.create(
                name=name, subdomain=subdomain, subsidiary=subsidiary, owner=owner, channels=channels
            )
    except IntegrityError as exc:
        raise Conflict(
            _("The subdomain '%(subdomain)s' is already being provisioned.") % {"subdomain": subdomain},
            code=ErrorCode.SUBDOMAIN_TAKEN,
            errors={"subdomain": [_("This subdomain is already taken.")]},
        ) from exc
    if run_now:
        provision_store(provisioning_id=record.pk)
        record.refresh_from_db()
    else:
        from tenants.tasks import provision_store_task

        transaction.on_commit(lambda: provision_store_task.delay(str(record.pk)))
    return record


# A provisioning takes seconds; one still waiting after this lost its worker (or its task message).
PROVISIONING_STALE_AFTER = timedelta(minutes=10)


def redispatch_stale(*, at) -> int:
    """Send the task of every provisioning left waiting for ``PROVISIONING_STALE_AFTER`` again. The
    store is made in one transaction under a lock on the record (``provision_store``), so a second
    delivery finds it finished and does nothing."""
    from tenants.tasks import provision_store_task

    ids = list(
        Provisioning.objects.filter(
            status=Provisioning.Status.PROVISIONING, requested_at__lt=at - PROVISIONING_STALE_AFTER
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        logger.warning("provisioning %s: sent again", pk)
        provision_store_task.delay(str(pk))
    return len(ids)


def provision_store(*, provisioning_id) -> Provisioning:
    """Make the store of a Provisioning record. Idempotent: a finished record is returned as is."""
    record = Provisioning.objects.select_related("subsidiary", "owner").get(pk=provisioning_id)
    if record.status != Provisioning.Status.PROVISIONING:
        return record
    started = time.perf_counter()
    schema = schema_name_for(record.subdomain)
    try:
        with transaction.atomic():
            # One run at a time per record: a second delivery waits here, then finds it finished.
            if (
                not Provisioning.objects.select_for_update()
                .filter(pk=record.pk, status=Provisioning.Status.PROVISIONING)
                .exists()
            ):
                return Provisioning.objects.get(pk=record.pk)
            check_subdomain_available(record.subdomain)
            store = Store(
                schema_name=schema, name=record.name, subdomain=record.subdomain, subsidiary=record.subsidiary
            )
            store.save()
            Domain.objects.create(domain=store_host(record.subdomain), tenant=store, is_primary=True)
            how = _materialise_schema(schema)
            with schema_context(schema):
                store_provisioned.send(sender=Store, store=store, channels=record.channels, owner=record.owner)
            record.status = Provisioning.Status.READY
            record.store = store
            record.finished_at = timezone.now()
            record.duration_ms = int((time.perf_counter() - started) * 1000)
            record.save(update_fields=["status", "store", "finished_at", "duration_ms"])
    except Exception as exc:  # noqa: BLE001 - every failure is recorded for the poller
        connection.set_schema_to_public()
        logger.warning("provisioning of %s failed: %s", record.subdomain, exc)
        _discard_leftovers(schema)
        record.status = Provisioning.Status.FAILED
        record.error = _reason(exc)
        record.finished_at = timezone.now()
        record.duration_ms = int((time.perf_counter() - started) * 1000)
        record.save(update_fields=["status", "error", "finished_at", "duration_ms"])
        return record
    logger.info("provisioned %s from %s in %d ms", record.subdomain, how, record.duration_ms)
    from tenants.tasks import refill_spares_task

    transaction.on_commit(lambda: refill_spares_task.delay())
    return record


def _reason(exc: Exception) -> str:
    if hasattr(exc, "detail"):
        return str(exc.detail)
    return f"{type(exc).__name__}: {exc}"[:500]


def _discard_leftovers(schema: str) -> None:
    """Belt and braces after a rollback: no schema, no rows for a store that failed."""
    store = Store.objects.filter(schema_name=schema).first()
    with connection.cursor() as cursor:
        if store is None and schema_exists(schema):
            cursor.execute(f"DROP SCHEMA IF EXISTS {_quote(schema)} CASCADE")
    if store is not None and not schema_exists(schema):
        Domain.objects.filter(tenant=store).delete()
        store.delete()


PUBLIC_TENANT_SUBDOMAIN = "_public"  # never a valid store subdomain (see tenants.validators)


def ensure_public_tenant() -> Store:
    """Make sure the public schema has its Store row and a Domain for ``settings.BASE_DOMAIN``.

    django-tenants routes the base domain to the public schema (the HQ site) through these rows.
    Idempotent: safe to call on every start and from every operator command.
    """
    with transaction.atomic():
        public, _created = Store.objects.get_or_create(
            schema_name=settings.PUBLIC_SCHEMA_NAME,
            defaults={"name": "HQ", "subdomain": PUBLIC_TENANT_SUBDOMAIN},
        )
        if not Domain.objects.filter(domain=settings.BASE_DOMAIN).exists():
            Domain.objects.create(domain=settings.BASE_DOMAIN, tenant=public, is_primary=True)
    return public


def create_store_now(**kwargs) -> Store:
    """For operators and tests: provision synchronously and return the Store or raise."""
    record = request_store(run_now=True, **kwargs)
    if record.status != Provisioning.Status.READY:
        raise ProvisioningError(record.error)
    return record.store
