"""A store's own time: the one place that says which store is current, its time zone and its day.

Every module asks here, so that a store in Asia/Shanghai and one in America/Bogota each see their
own "today", their own local days in reports and their own clock on every page:

- ``current_store()``: the store whose schema is active (None on the public and template schemas);
- ``store_zone(store=None)``: the store's zone (``Store.timezone``); the public host and any unknown
  zone fall back to ``settings.TIME_ZONE``;
- ``local_now()``, ``local_today()``, ``local_midnight(day)``, ``local_day_bounds(at)``,
  ``local_text(moment)``: the current moment, the current date, the start of a date, the
  ``[start, end)`` of the day holding ``at``, and a moment written as the store's wall clock.

The moment itself always comes from ``django.utils.timezone.now()``; requests on a store host
activate the store's zone (``tenants.middleware.StoreTimezoneMiddleware``), so templates and the
API write times in it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import connection
from django.utils import timezone


def current_store():
    """The store whose schema is active (None in the public or template schema)."""
    from tenants.models import Store

    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Store) and tenant.pk and tenant.schema_name == connection.schema_name:
        return tenant
    if connection.schema_name in (settings.PUBLIC_SCHEMA_NAME, None):
        return None
    return Store.objects.filter(schema_name=connection.schema_name).first()


@lru_cache(maxsize=256)
def zone_named(name: str | None) -> ZoneInfo:
    """The zone called ``name``; ``settings.TIME_ZONE`` for an empty or unknown name."""
    try:
        return ZoneInfo(name) if name else ZoneInfo(settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def store_zone(store=None) -> ZoneInfo:
    """The time zone of ``store`` (default: the current store; the public host: TIME_ZONE)."""
    store = store if store is not None else current_store()
    return zone_named(getattr(store, "timezone", None))


def local_now(store=None) -> datetime:
    return timezone.now().astimezone(store_zone(store))


def local_date(moment: datetime, store=None) -> date:
    """The store's calendar date of ``moment``."""
    return moment.astimezone(store_zone(store)).date()


def local_today(store=None) -> date:
    return local_date(timezone.now(), store)


def local_midnight(day: date, tz: ZoneInfo | None = None) -> datetime:
    """The first instant of the local date ``day`` (in ``tz``, default the current store's zone)."""
    return datetime.combine(day, time.min, tzinfo=tz or store_zone())


def local_day_bounds(at: datetime, store=None) -> tuple[datetime, datetime]:
    """``[start, end)`` of the store's calendar day that holds ``at``."""
    tz = store_zone(store)
    day = at.astimezone(tz).date()
    return local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)


def local_text(moment: datetime, store=None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """``moment`` on the store's wall clock, for messages and notifications."""
    return moment.astimezone(store_zone(store)).strftime(fmt)
