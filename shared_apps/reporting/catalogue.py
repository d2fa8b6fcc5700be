"""The metric catalogue: each headline figure of metrics.md declared once.

A ``Metric`` says what a figure is and how it behaves, never how it is computed (the store Kanban
and enquiry statistics compute theirs over the store's tables, HQ over its public facts):

- ``kind``: ``amount`` (money: a ``Decimal``, a decimal string with 2 places in JSON), ``count``
  (an integer) or ``rate`` (a fraction in [0, 1] as a JSON number, or null).
- ``additive``: whether HQ's figure over several stores is the sum of the stores' figures.
  ``paying_customers`` is: customers belong to one store, so the distinct customers of several
  stores are the sum of each store's distinct count. It is not additive over days (one customer
  paying on two days is one paying customer); nor are averages and rates, which HQ computes from
  the summed numerators and denominators.
- ``rise_is_good``: which way is better. A rising lost rate or rising overdue receivables is bad
  news; a rise of anything else is good news.
- ``label``: the translatable name (the Chinese names are metrics.md's).
- ``cost``: made from cost prices (gross profit): shown only to the roles that may see costs and HQ.
- the change against the previous period (metrics.md, "Periods"): relative ``(cur - prev) / prev``
  for amounts and counts (null when prev is 0), the difference in percentage points for rates
  (null when either is null).
- ``trend`` of a change: ``good``, ``bad`` or ``flat`` (no change), null when the change is.

The API writes each figure as ``{"value", "previous", "change", "trend"}`` (``Metric.body``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from shared_apps.reporting.periods import money, point_change, relative_change


class Kind(StrEnum):
    AMOUNT = "amount"
    COUNT = "count"
    RATE = "rate"


class ChangeRule(StrEnum):
    RELATIVE = "relative"
    POINTS = "points"


class Trend(StrEnum):
    GOOD = "good"
    BAD = "bad"
    FLAT = "flat"


@dataclass(frozen=True)
class Metric:
    key: str
    kind: Kind
    label: Promise
    additive: bool
    rise_is_good: bool = True
    # Derived from cost prices: shown only to those who may see costs (``costs.view``) and HQ.
    cost: bool = False

    @property
    def change_rule(self) -> ChangeRule:
        return ChangeRule.POINTS if self.kind == Kind.RATE else ChangeRule.RELATIVE

    def change(self, current, previous) -> float | None:
        """The change from ``previous`` to ``current`` (raw values: Decimal, int, float or None)."""
        if self.change_rule == ChangeRule.POINTS:
            return point_change(current, previous)
        return relative_change(current, previous)

    def trend(self, change: float | None) -> Trend | None:
        """Whether a change is good or bad news for this figure."""
        if change is None:
            return None
        if change == 0:
            return Trend.FLAT
        return Trend.GOOD if (change > 0) == self.rise_is_good else Trend.BAD

    def json_value(self, value) -> Any:
        """A raw value as the API writes it."""
        if value is None:
            return None
        if self.kind == Kind.AMOUNT:
            return money(Decimal(value))
        if self.kind == Kind.COUNT:
            return int(value)
        return value

    def body(self, current, previous) -> dict:
        """``{"value", "previous", "change", "trend"}`` of raw current and previous values."""
        change = self.change(current, previous)
        trend = self.trend(change)
        return {
            "value": self.json_value(current),
            "previous": self.json_value(previous),
            "change": change,
            "trend": None if trend is None else str(trend),
        }


# The headline figures of the store Kanban and of HQ, in the order the API and the pages give them.
KANBAN: tuple[Metric, ...] = (
    Metric("gmv", Kind.AMOUNT, pgettext_lazy("metric", "Transaction amount"), additive=True),
    Metric("orders", Kind.COUNT, pgettext_lazy("metric", "Orders"), additive=True),
    Metric("aov", Kind.AMOUNT, pgettext_lazy("metric", "Average order value"), additive=False),
    Metric("paying_customers", Kind.COUNT, pgettext_lazy("metric", "Paying customers"), additive=True),
    Metric("repurchase_rate", Kind.RATE, pgettext_lazy("metric", "Repurchase rate"), additive=False),
    Metric("new_customers", Kind.COUNT, pgettext_lazy("metric", "New customers"), additive=True),
    Metric("entry_rate", Kind.RATE, pgettext_lazy("metric", "Customer entry rate"), additive=False),
    Metric("conversion_rate", Kind.RATE, pgettext_lazy("metric", "Conversion rate"), additive=False),
    Metric("positive_feedback_rate", Kind.RATE, pgettext_lazy("metric", "Positive feedback rate"), additive=False),
    Metric("return_visit_rate", Kind.RATE, pgettext_lazy("metric", "Return visit rate"), additive=False),
    Metric("lost_rate", Kind.RATE, pgettext_lazy("metric", "Lost rate"), additive=False, rise_is_good=False),
    Metric("net_revenue", Kind.AMOUNT, pgettext_lazy("metric", "Net revenue"), additive=True),
    Metric(
        "receivable_overdue",
        Kind.AMOUNT,
        pgettext_lazy("metric", "Overdue receivables"),
        additive=True,
        rise_is_good=False,
    ),
    Metric("gross_profit", Kind.AMOUNT, pgettext_lazy("metric", "Gross profit"), additive=True, cost=True),
    Metric("gross_margin", Kind.RATE, pgettext_lazy("metric", "Gross margin"), additive=False, cost=True),
    Metric(
        "lines_without_cost",
        Kind.COUNT,
        pgettext_lazy("metric", "Lines without cost"),
        additive=True,
        rise_is_good=False,
        cost=True,
    ),
)

# The rates of enquiry statistics (metrics.md, "Enquiry statistics").
ENQUIRY: tuple[Metric, ...] = (
    Metric(
        "phone_conversion_rate", Kind.RATE, pgettext_lazy("metric", "Phone private-domain conversion"), additive=False
    ),
    Metric(
        "wechat_conversion_rate", Kind.RATE, pgettext_lazy("metric", "WeChat private-domain conversion"), additive=False
    ),
    Metric("enquiry_conversion_rate", Kind.RATE, pgettext_lazy("metric", "Enquiry conversion rate"), additive=False),
    Metric("enquiry_payment_rate", Kind.RATE, pgettext_lazy("metric", "Enquiry-to-payment conversion"), additive=False),
)

KANBAN_KEYS: tuple[str, ...] = tuple(m.key for m in KANBAN)
# The figures made from cost prices (metrics.md, "Gross profit").
COST_KEYS: frozenset[str] = frozenset(m.key for m in KANBAN if m.cost)
ENQUIRY_KEYS: tuple[str, ...] = tuple(m.key for m in ENQUIRY)
METRICS: dict[str, Metric] = {m.key: m for m in (*KANBAN, *ENQUIRY)}


def metric(key: str) -> Metric:
    """The declaration of ``key`` (``KeyError`` for a key metrics.md does not define)."""
    return METRICS[key]


def metrics_body(metrics: tuple[Metric, ...], current: dict, previous: dict) -> dict:
    """``{key: Metric.body(...)}`` for each of ``metrics``, from raw values keyed by metric key."""
    return {m.key: m.body(current[m.key], previous[m.key]) for m in metrics}


def visible(metrics: tuple[Metric, ...], *, costs: bool) -> tuple[Metric, ...]:
    """``metrics`` without the cost figures unless ``costs`` (the viewer may see cost prices)."""
    return metrics if costs else tuple(m for m in metrics if not m.cost)
