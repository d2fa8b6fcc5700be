"""Export of a filtered order list to XLSX (or CSV): one row per order.

The rows are exactly those of the order list with the same filters and the caller's visibility.
Text cells are neutralised against formula injection by the spreadsheet writer; times are in the
store's time zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shared_apps.accounts.selectors import member_list
from shared_apps.platform.spreadsheets import spreadsheet_response
from shared_apps.reporting.periods import rate
from tenant_apps.sales.models import Order
from tenants.storetime import current_store, store_zone

CHUNK_SIZE = 2000


def export_columns(owner_names: dict[int, str], *, costs: bool = False) -> list[tuple[str, Any]]:
    """The columns of the export; the cost, gross profit and margin only with ``costs``."""
    tz = store_zone()
    modes = {value: str(label) for value, label in Order.PaymentMode.choices}
    statuses = {value: str(label) for value, label in Order.Status.choices}

    def local(value):
        return timezone.localtime(value, tz).replace(tzinfo=None) if value is not None else None

    columns = [
        (_("Order number"), lambda o: o.number),
        (_("Signed at"), lambda o: local(o.signed_at)),
        (_("Customer"), lambda o: o.customer.name),
        (_("Channel"), lambda o: o.channel.code if o.channel_id else ""),
        (_("Device"), lambda o: o.device),
        (_("Owner"), lambda o: owner_names.get(o.owner_id, "")),
        (_("Payment mode"), lambda o: modes.get(o.payment_mode, o.payment_mode)),
        (_("Status"), lambda o: statuses.get(o.status, o.status)),
        (_("Amount"), lambda o: o.amount),
        (_("List amount"), lambda o: o.list_amount),
        (_("Discount rate"), lambda o: o.discount_rate),
        (_("Collected"), lambda o: o.collected),
        (_("Outstanding"), lambda o: o.outstanding),
        (_("Refunded"), lambda o: o.refunded),
        (_("Due date"), lambda o: o.due_date),
        (_("Shipped at"), lambda o: local(o.shipped_at)),
        (_("Completed at"), lambda o: local(o.completed_at)),
        (_("Rating"), lambda o: o.rating),
        (_("External id"), lambda o: o.external_id),
    ]
    if costs:
        columns += [
            (_("Cost"), lambda o: o.cost),
            (pgettext("metric", "Gross profit"), lambda o: o.gross_profit),
            (pgettext("metric", "Gross margin"), lambda o: rate(o.gross_profit, o.amount)),
            (pgettext("metric", "Lines without cost"), lambda o: o.lines_without_cost),
        ]
    return columns


def order_rows(orders, columns) -> Iterator[list[Any]]:
    for order in orders.iterator(chunk_size=CHUNK_SIZE):
        yield [value(order) for _header, value in columns]


def export_orders(*, orders, fmt: str = "xlsx", costs: bool = False):
    """The download of ``orders`` (an order-list queryset) as XLSX (default) or CSV."""
    store = current_store()
    members = member_list(store=store) if store is not None else []
    owner_names = {m.user_id: (m.user.name or m.user.email) for m in members}
    columns = export_columns(owner_names, costs=costs)
    stamp = timezone.localtime(timezone.now(), store_zone()).strftime("%Y%m%d-%H%M")
    qs = orders.select_related("customer", "channel").only(
        *(f.name for f in Order._meta.concrete_fields if f.name not in ("notes", "feedback_comment", "cancel_reason")),
        "customer__name",
        "channel__code",
    )
    return spreadsheet_response(
        fmt=fmt,
        filename_stem=f"orders-{stamp}",
        header=[header for header, _value in columns],
        rows=order_rows(qs, columns),
        title=_("Orders"),
    )
