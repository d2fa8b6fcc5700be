"""metrics.md's headline figures computed in plain Python over a generated history.

Written from the definitions, one line each, without the product's code: periods are resolved
here too (``window``), in the store's own time zone. ``Counts`` holds the numerators and
denominators of one store (or their sums over several stores, customers belonging to one store);
``Counts.values()`` gives the figures as the API writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from tests.reporting.histories import CANCELLED, COLLECTION, CREDIT, RELEASE, ZERO, StoreHistory

CENT = Decimal("0.01")
RETURN_VISIT_DAYS = 7  # the store setting's default


@dataclass(frozen=True)
class Window:
    """A period ``[start, end)`` of one store, with the clock and the store's zone."""

    start: datetime
    end: datetime
    now: datetime
    tz: ZoneInfo

    def previous(self) -> Window:
        return Window(self.start - (self.end - self.start), self.start, self.now, self.tz)

    @property
    def as_of(self) -> datetime:
        return min(self.end, self.now)

    def holds(self, at: datetime | None) -> bool:
        return at is not None and self.start <= at < self.end

    def days(self) -> set[date]:
        """The local dates the period touches."""
        first = self.start.astimezone(self.tz).date()
        last = (self.end - timedelta(microseconds=1)).astimezone(self.tz).date()
        return {first + timedelta(days=n) for n in range((last - first).days + 1)}


def window(range_name: str, *, now: datetime, tz: ZoneInfo, custom: tuple[date, date] | None = None) -> Window:
    """metrics.md "Periods": today from local midnight to now, the last 7 / 30 local days including
    today, or the given dates (both inclusive)."""

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=tz)

    today = now.astimezone(tz).date()
    if range_name == "today":
        return Window(midnight(today), now, now, tz)
    if range_name in ("7d", "30d"):
        days = int(range_name[:-1])
        return Window(midnight(today - timedelta(days=days - 1)), midnight(today + timedelta(days=1)), now, tz)
    first, last = custom
    return Window(midnight(first), midnight(last + timedelta(days=1)), now, tz)


@dataclass
class Counts:
    gmv: Decimal = ZERO
    orders: int = 0
    paying: int = 0
    repurchasers: int = 0
    new_customers: int = 0
    converted: int = 0
    new_enquiries: int = 0
    completed: int = 0
    rated: int = 0
    positive: int = 0
    visited: int = 0
    released: int = 0
    owned_at_start: int = 0
    net_revenue: Decimal = ZERO
    overdue: Decimal = ZERO
    cost: Decimal = ZERO
    uncosted: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def values(self) -> dict:
        return {
            "gmv": money(self.gmv),
            "orders": self.orders,
            "aov": money(self.gmv / self.orders) if self.orders else None,
            "paying_customers": self.paying,
            "repurchase_rate": share(self.repurchasers, self.paying),
            "new_customers": self.new_customers,
            "entry_rate": share(self.new_customers, self.new_enquiries),
            "conversion_rate": share(self.converted, self.new_customers),
            "positive_feedback_rate": share(self.positive, self.rated),
            "return_visit_rate": share(self.visited, self.completed),
            "lost_rate": share(self.released, self.owned_at_start),
            "net_revenue": money(self.net_revenue),
            "receivable_overdue": money(self.overdue),
            "gross_profit": money(self.gmv - self.cost),
            "gross_margin": share(self.gmv - self.cost, self.gmv),
            "lines_without_cost": self.uncosted,
        }


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def share(numerator: int | Decimal, denominator: int | Decimal) -> float | None:
    """A rate as the API writes it: a float rounded to 6 places, null over a zero denominator."""
    return round(float(Fraction(numerator) / Fraction(denominator)), 6) if denominator else None


def counts(history: StoreHistory, w: Window, platform: str | None = None) -> Counts:
    """The numerators and denominators of ``history`` over ``w``, filtered by channel platform."""

    def chosen(channel: str | None) -> bool:
        return platform is None or channel == platform

    live = [o for o in history.orders if o.status != CANCELLED]
    signed = [o for o in live if w.holds(o.signed_at) and chosen(o.channel)]
    payers = {o.customer for o in signed}
    created = [i for i, c in enumerate(history.customers) if w.holds(c.created_at) and chosen(c.channel)]
    done = [o for o in live if w.holds(o.completed_at) and chosen(o.channel)]
    rated = [o for o in done if o.rating is not None]

    def revisited(order) -> bool:
        until = order.completed_at + timedelta(days=RETURN_VISIT_DAYS)
        return any(f.customer == order.customer and order.completed_at <= f.at < until for f in history.follow_ups)

    def outstanding(order, at: datetime) -> Decimal:
        return order.amount - sum((p.amount for p in order.confirmed(COLLECTION) if p.confirmed_at < at), ZERO)

    as_of = w.as_of
    overdue = [
        o
        for o in live
        if o.payment_mode == CREDIT
        and chosen(o.channel)
        and o.signed_at < as_of
        and o.due_date < as_of.astimezone(w.tz).date()
    ]
    customers = [c for c in history.customers if chosen(c.channel)]
    return Counts(
        gmv=sum((o.amount for o in signed), ZERO),
        cost=sum((o.cost for o in signed), ZERO),
        uncosted=sum(o.lines_without_cost for o in signed),
        orders=len(signed),
        paying=len(payers),
        repurchasers=sum(1 for c in payers if sum(1 for o in live if o.customer == c and o.signed_at < w.end) >= 2),
        new_customers=len(created),
        converted=sum(1 for i in created if any(o.customer == i and w.holds(o.signed_at) for o in live)),
        new_enquiries=sum(e.new_enquiries for e in history.enquiries if e.day in w.days() and chosen(e.channel)),
        completed=len(done),
        rated=len(rated),
        positive=sum(1 for o in rated if o.rating >= 4),
        visited=sum(1 for o in done if revisited(o)),
        released=sum(1 for c in customers if any(s.kind == RELEASE and w.holds(s.at) for s in c.steps)),
        owned_at_start=sum(1 for c in customers if c.owner_at(w.start) is not None),
        net_revenue=sum(
            (
                p.signed_amount
                for o in history.orders
                if chosen(o.channel)
                for p in o.payments
                if w.holds(p.confirmed_at)
            ),
            ZERO,
        ),
        overdue=sum((outstanding(o, as_of) for o in overdue), ZERO),
    )
