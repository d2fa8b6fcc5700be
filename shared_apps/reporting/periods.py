"""Reporting periods and the arithmetic every figure shares (metrics.md, "Periods").

One implementation for the store Kanban, enquiry statistics and the HQ dashboard, so that a
figure computed in a store and from HQ's rollups starts from the very same instants.

- A period is ``[start, end)`` in aware datetimes, bucketed by the store's own time zone
  (``tenants.storetime.store_zone``; the HQ host: ``settings.TIME_ZONE``).
- ``today``: from local midnight to now.
- ``7d`` / ``30d``: the last 7 / 30 whole local days including today, i.e. from local midnight
  six (29) days ago to the coming local midnight. Whole days keep every period and its previous
  period aligned on local days, so daily rollups answer them exactly.
- ``custom``: the given local dates, both inclusive (``end`` is the midnight after the last date).
- The previous period is the equal-length period just before: ``[start - (end - start), start)``.
- Figures "at the end of P" (overdue receivables) are taken at ``as_of = min(end, now)``: the
  future holds nothing and an order due today is not overdue yet.
- Rates: ``numerator / denominator`` as a float rounded to 6 places, ``None`` when the denominator
  is 0. Change: relative ``(cur - prev) / prev`` for amounts and counts (``None`` when prev is 0),
  and the difference ``cur - prev`` for rates (a fraction: 0.05 is 5 percentage points).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.platform.dates import parse_day
from shared_apps.platform.errors import ValidationFailed
from tenants.storetime import store_zone

RANGES = ("today", "7d", "30d", "custom")
MAX_CUSTOM_DAYS = 732
RATE_PLACES = 6


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


@dataclass(frozen=True)
class Period:
    range: str
    start: datetime
    end: datetime
    now: datetime
    tz: ZoneInfo

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @property
    def as_of(self) -> datetime:
        """The instant "at the end of P" figures are taken at."""
        return min(self.end, self.now)

    @property
    def hourly(self) -> bool:
        """The sales trend of ``today`` is per hour; every other range per local day."""
        return self.range == "today"

    def in_zone(self, tz: ZoneInfo) -> Period:
        """The same period on another store's clock: ``today`` from that zone's local midnight to
        now, ``7d``/``30d`` its last whole local days, ``custom`` the same local dates there."""
        if getattr(tz, "key", tz) == getattr(self.tz, "key", self.tz):
            return self
        if self.range == "custom":
            first = self.start.astimezone(self.tz).date()
            last = (self.end - timedelta(microseconds=1)).astimezone(self.tz).date()
            return resolve_period(range="custom", start=first, end=last, now=self.now, tz=tz)
        return resolve_period(range=self.range, now=self.now, tz=tz)

    def previous(self) -> Period:
        return Period(range=self.range, start=self.start - self.length, end=self.start, now=self.now, tz=self.tz)

    def local_days(self) -> list[date]:
        """The local dates the period touches, in order."""
        first = self.start.astimezone(self.tz).date()
        last = (self.end - timedelta(microseconds=1)).astimezone(self.tz).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def buckets(self) -> list[datetime]:
        """Start of each trend bucket (local hours for ``today``, local days otherwise)."""
        if self.hourly:
            start = self.start.astimezone(self.tz)
            hours = int((self.end - self.start).total_seconds() // 3600) + 1
            return [start + timedelta(hours=i) for i in range(hours) if start + timedelta(hours=i) < self.end]
        return [local_midnight(day, self.tz) for day in self.local_days()]

    def as_dict(self) -> dict:
        """The period as the API writes it, both ends on the store's clock (``today`` ends now)."""
        return {
            "range": self.range,
            "start": self.start.astimezone(self.tz).isoformat(),
            "end": self.end.astimezone(self.tz).isoformat(),
        }


def _parse_date(value, field: str) -> date:
    return parse_day(value, field)


def resolve_period(
    *,
    range: str | None = "30d",
    start=None,
    end=None,
    now: datetime | None = None,
    tz: ZoneInfo | None = None,
) -> Period:
    """The period named by the query ``?range=&start=&end=``; bad input raises ``ValidationFailed``."""
    tz = tz or store_zone()
    now = now or timezone.now()
    range = range or "30d"
    if range not in RANGES:
        raise ValidationFailed(errors={"range": [_("Choose one of: today, 7d, 30d, custom.")]})
    today = now.astimezone(tz).date()
    if range == "today":
        return Period(range=range, start=local_midnight(today, tz), end=now, now=now, tz=tz)
    if range in ("7d", "30d"):
        days = 7 if range == "7d" else 30
        return Period(
            range=range,
            start=local_midnight(today - timedelta(days=days - 1), tz),
            end=local_midnight(today + timedelta(days=1), tz),
            now=now,
            tz=tz,
        )
    errors = {}
    if not start:
        errors["start"] = [_("A custom range needs a start date.")]
    if not end:
        errors["end"] = [_("A custom range needs an end date.")]
    if errors:
        raise ValidationFailed(errors=errors)
    first, last = _parse_date(start, "start"), _parse_date(end, "end")
    if last < first:
        raise ValidationFailed(errors={"end": [_("The end date is before the start date.")]})
    if (last - first).days + 1 > MAX_CUSTOM_DAYS:
        raise ValidationFailed(
            errors={"end": [_("A custom range is at most %(days)d days.") % {"days": MAX_CUSTOM_DAYS}]}
        )
    return Period(
        range=range,
        start=local_midnight(first, tz),
        end=local_midnight(last + timedelta(days=1), tz),
        now=now,
        tz=tz,
    )


def rate(numerator: int | Decimal, denominator: int | Decimal) -> float | None:
    """A share or ratio as a JSON number; ``None`` when the denominator is zero."""
    if not denominator:
        return None
    return round(float(Decimal(numerator) / Decimal(denominator)), RATE_PLACES)


def relative_change(current, previous) -> float | None:
    """``(cur - prev) / prev`` for amounts and counts; ``None`` when prev is 0 or unknown."""
    if current is None or previous is None or not previous:
        return None
    return round(float((Decimal(current) - Decimal(previous)) / Decimal(previous)), RATE_PLACES)


def point_change(current: float | None, previous: float | None) -> float | None:
    """The difference of two rates (a fraction of percentage points); ``None`` when either is null."""
    if current is None or previous is None:
        return None
    return round(current - previous, RATE_PLACES)


def money(value: Decimal | None) -> str:
    """An amount as the API writes it: a decimal string with 2 places."""
    return str((value or Decimal("0")).quantize(Decimal("0.01")))
