"""The catalogue's figures as the server-rendered pages show them (the store Kanban page draws
the same in ``tenant_apps/kanban/static/kanban/dashboard.js``).

- Values: amounts with ``money_display`` (compact on cards and in tables, the exact amount kept
  for a title), counts with thousands separators, rates as percentages with one decimal, ``—``
  for no value.
- Changes: an arrow for the direction (▲ rise, ▼ fall, none when flat) and the size (``12.5%``
  relative, ``1.2 pt`` for rates); ``css`` ``trend-good`` / ``trend-bad`` / ``trend-flat`` from
  the figure's trend, never from the sign: a rising lost rate is red.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shared_apps.platform.money_display import NO_AMOUNT, money_compact, money_full
from shared_apps.reporting.catalogue import Kind, Metric, Trend

POINTS = pgettext_lazy("percentage points", "pt")
TREND_TITLES = {
    Trend.GOOD: _("Better than the previous period"),
    Trend.BAD: _("Worse than the previous period"),
}


def value_text(kind: str, value, *, compact: bool = False) -> str:
    """A figure's value (raw or as the API writes it) as text."""
    if kind == Kind.AMOUNT:
        return money_compact(value) if compact else money_full(value)
    if value is None:
        return NO_AMOUNT
    if kind == Kind.RATE:
        return f"{value * 100:.1f}%"
    return f"{int(value):,}"


def change_view(kind: str, change: float | None, trend: str | None) -> dict:
    """``{"text", "css", "title"}`` of a change and its trend (empty text when the change is null)."""
    if change is None:
        return {"text": "", "css": "", "title": ""}
    size = f"{abs(change) * 100:,.1f}"
    text = f"{size} {POINTS}" if kind == Kind.RATE else f"{size}%"
    arrow = "▲ " if change > 0 else "▼ " if change < 0 else ""
    title = TREND_TITLES.get(trend) if trend else None
    return {"text": arrow + text, "css": f"trend-{trend or Trend.FLAT}", "title": str(title or "")}


def figure_cards(metrics: tuple[Metric, ...], figures: dict) -> list[dict]:
    """One card per metric from an API body's ``metrics``: label, value (amounts compact, the exact
    amount as ``exact``), previous value and change."""
    cards = []
    for declared in metrics:
        figure, kind = figures[declared.key], declared.kind
        cards.append(
            {
                "key": declared.key,
                "label": declared.label,
                "value": value_text(kind, figure["value"], compact=True),
                "exact": value_text(kind, figure["value"]) if kind == Kind.AMOUNT else "",
                "previous": value_text(kind, figure["previous"], compact=True),
                "change": change_view(kind, figure["change"], figure.get("trend")),
            }
        )
    return cards


def page_labels() -> dict:
    """The words the pages' JavaScript needs to write changes (JSON-ready)."""
    return {"points": str(POINTS), "trend": {str(trend): str(title) for trend, title in TREND_TITLES.items()}}
