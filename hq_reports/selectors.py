"""Reads of the HQ API. Everything here is in the public schema; no store schema is touched."""

from __future__ import annotations

import uuid

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from shared_apps.platform.errors import NotFound
from shared_apps.platform.models import HqAccessLog
from tenants.models import Provisioning, Store, Subsidiary


def store_list() -> QuerySet[Store]:
    """Every real store (never the row of the public schema)."""
    return Store.objects.stores().select_related("subsidiary").order_by("name", "pk")


def store_get(*, store_id) -> Store:
    try:
        store_id = int(store_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such store.")) from None
    store = store_list().filter(pk=store_id).first()
    if store is None:
        raise NotFound(_("No such store."))
    return store


def subsidiary_list() -> QuerySet[Subsidiary]:
    return Subsidiary.objects.annotate(store_count=Count("stores", filter=~Q(stores__schema_name="public"))).order_by(
        "name", "pk"
    )


def subsidiary_find(*, ref: int | str | None) -> Subsidiary | None:
    """A subsidiary by id (an integer) or by code (a string; a string of digits may also be an id)."""
    if ref is None or ref == "":
        return None
    if isinstance(ref, int):
        return Subsidiary.objects.filter(pk=ref).first()
    ref = str(ref).strip()
    found = Subsidiary.objects.filter(code=ref).first()
    if found is None and ref.isdigit():
        found = Subsidiary.objects.filter(pk=int(ref)).first()
    return found


def provisioning_get(*, provisioning_id) -> Provisioning:
    try:
        key = uuid.UUID(str(provisioning_id))
    except ValueError:
        raise NotFound(_("No such provisioning.")) from None
    record = Provisioning.objects.select_related("store").filter(pk=key).first()
    if record is None:
        raise NotFound(_("No such provisioning."))
    return record


def hq_access_list() -> QuerySet[HqAccessLog]:
    return HqAccessLog.objects.select_related("user", "store").order_by("-at", "-pk")
