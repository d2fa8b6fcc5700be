"""Reasons in words: a churn reason is kept as a code with its numbers (``churn._reason``) and
worded here in the active language, so that the same score reads in Chinese and in English."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shared_apps.platform.money_display import money_full


def render(reason: dict) -> str:
    code = reason.get("code")
    if code == "overdue":
        days = reason.get("days") or 0
        gap = reason.get("gap")
        if gap:
            return _("No order for %(days)d days; usually orders every %(gap)d days.") % {"days": days, "gap": gap}
        return _("No order for %(days)d days, and only one order so far.") % {"days": days}
    if code == "few_orders":
        orders = reason.get("orders") or 0
        return ngettext("Only %(orders)d order so far.", "Only %(orders)d orders so far.", orders) % {"orders": orders}
    if code == "low_spend":
        return _("Spent %(amount)s over the last year, less than most customers.") % {
            "amount": money_full(reason.get("amount") or "0")
        }
    if code == "declining":
        recent = reason.get("recent") or 0
        return ngettext(
            "%(recent)d order in the last 180 days, against %(before)d in the 180 days before.",
            "%(recent)d orders in the last 180 days, against %(before)d in the 180 days before.",
            recent,
        ) % {"recent": recent, "before": reason.get("before") or 0}
    if code == "no_follow_up":
        days = reason.get("days")
        if days is None:
            return _("Never followed up.")
        if reason.get("since_order"):
            return _("Not followed up since the last order (last follow-up %(days)d days ago).") % {"days": days}
        return _("No follow-up for %(days)d days.") % {"days": days}
    if code == "aftersales":
        cases = reason.get("cases") or 0
        if reason.get("last_order"):
            return _("An after-sales case was opened on the last order.")
        return ngettext(
            "%(cases)d after-sales case in the last year.", "%(cases)d after-sales cases in the last year.", cases
        ) % {"cases": cases}
    if code == "in_pool":
        return _("In the shared pool: nobody follows this customer up.")
    if code == "tenure":
        return _("A customer for only %(days)d days.") % {"days": reason.get("days") or 0}
    return str(code)


def render_all(reasons: list[dict]) -> list[str]:
    return [render(reason) for reason in reasons or []]
