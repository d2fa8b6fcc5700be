"""Reminders of receivables that fall due."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from tenant_apps.finance.models import ReceivableReminder
from tenant_apps.finance.services.common import _money_shown, finance_member_ids, order_url
from tenant_apps.notifications.services import notify

# --- receivable reminders -------------------------------------------------------------------------


def send_receivable_reminders(*, at: datetime) -> dict:
    """Remind owners and finance of credit orders past their due date with money outstanding.

    Once per order and local day: a second run on the same day (or two at once) sends nothing more.
    """
    from tenant_apps.finance.selectors import overdue_orders, store_today

    today = store_today(at=at)
    finance_ids = finance_member_ids()
    reminded = skipped = 0
    for order in overdue_orders(today=today).iterator(chunk_size=500):
        with transaction.atomic():
            _reminder, created = ReceivableReminder.objects.get_or_create(
                order_id=order.pk, day=today, defaults={"outstanding": order.outstanding, "sent_at": at}
            )
            if not created:
                skipped += 1
                continue
            days = (today - order.due_date).days
            notify(
                recipients=[order.owner_id, *finance_ids],
                kind="finance.receivable_overdue",
                title=format_lazy(
                    gettext_lazy("Order {number} is overdue: {outstanding} outstanding"),
                    number=order.number,
                    outstanding=_money_shown(order.outstanding),
                ),
                body=format_lazy(
                    gettext_lazy("{customer}: due on {due} ({days} days ago)."),
                    customer=order.customer.name,
                    due=order.due_date.isoformat(),
                    days=days,
                ),
                url=order_url(order.pk),
                data={"order": order.pk, "day": today.isoformat()},
            )
            reminded += 1
    return {"reminded": reminded, "already_reminded": skipped}
