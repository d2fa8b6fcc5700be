"""Dates for tests, always relative to the (possibly moved) clock and in the store's zone.

A test never writes a literal date that must lie in the future or the past of "now": it asks for
``store_today()`` and counts from there, so the suite holds on any date (``make test-dates``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def zone_of(store=None) -> ZoneInfo:
    name = getattr(store, "timezone", "") or "Asia/Shanghai"
    return ZoneInfo(name)


def store_today(store=None) -> date:
    """The store's local date now (the test stores are in Asia/Shanghai)."""
    return timezone.now().astimezone(zone_of(store)).date()


def days_from_today(days: int, store=None) -> date:
    return store_today(store) + timedelta(days=days)


def iso_day(days: int = 0, store=None) -> str:
    """``YYYY-MM-DD`` of today + ``days`` in the store's zone."""
    return days_from_today(days, store).isoformat()


def local_at(day: date, hour: int = 0, minute: int = 0, store=None) -> datetime:
    """An aware instant at a local wall-clock time of ``day`` in the store's zone."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone_of(store))


def earlier_today(store=None) -> datetime:
    """An instant of the store's current day before now (halfway since local midnight), so that a
    record made "a while ago" still falls in ``today`` just after midnight."""
    now = timezone.now()
    midnight = local_at(store_today(store), store=store)
    return midnight + (now - midnight) / 2
