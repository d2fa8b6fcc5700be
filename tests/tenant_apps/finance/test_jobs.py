"""Receivable reminders: overdue credit orders with money outstanding, once per order and local day."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from tenant_apps.finance import services
from tenant_apps.finance.models import ReceivableReminder
from tenant_apps.sales.models import Order
from tests.tenant_apps.finance.helpers import notifications_of, order_of

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def store(store_a, in_store):
    with in_store(store_a):
        yield store_a


def _overdue(users, **fields):
    return order_of(
        users.a_sales, "1000.00", due_date=date(2026, 3, 1), signed_at=datetime(2026, 2, 1, tzinfo=SHANGHAI), **fields
    )


def test_overdue_credit_order_reminds_owner_and_finance_once_a_day(store, users):
    order = _overdue(users)
    with time_machine.travel(datetime(2026, 3, 5, 9, 0, tzinfo=SHANGHAI), tick=False):
        first = services.send_receivable_reminders(at=datetime(2026, 3, 5, 9, 0, tzinfo=SHANGHAI))
        again = services.send_receivable_reminders(at=datetime(2026, 3, 5, 18, 0, tzinfo=SHANGHAI))
    assert first["reminded"] >= 1 and again["reminded"] == 0
    for user in (users.a_sales, users.a_finance):
        notes = notifications_of(user, "finance.receivable_overdue")
        assert [n.data["order"] for n in notes] == [order.pk]
    assert notifications_of(users.a_sales2, "finance.receivable_overdue") == []


def test_next_local_day_reminds_again(store, users):
    order = _overdue(users)
    with time_machine.travel(datetime(2026, 3, 5, 23, 30, tzinfo=SHANGHAI), tick=False):
        services.send_receivable_reminders(at=datetime(2026, 3, 5, 23, 30, tzinfo=SHANGHAI))
    with time_machine.travel(datetime(2026, 3, 6, 0, 30, tzinfo=SHANGHAI), tick=False):
        services.send_receivable_reminders(at=datetime(2026, 3, 6, 0, 30, tzinfo=SHANGHAI))
    days = sorted(ReceivableReminder.objects.filter(order=order).values_list("day", flat=True))
    assert days == [date(2026, 3, 5), date(2026, 3, 6)]
    assert len(notifications_of(users.a_sales, "finance.receivable_overdue")) == 2


def test_orders_due_today_paid_cancelled_or_prepaid_are_not_reminded(store, users):
    at = datetime(2026, 3, 5, 9, 0, tzinfo=SHANGHAI)
    due_today = order_of(users.a_sales, "100.00", due_date=date(2026, 3, 5))
    paid = _overdue(users, collected="1000.00", status=Order.Status.COMPLETED)
    cancelled = _overdue(users, status=Order.Status.CANCELLED)
    prepaid = order_of(
        users.a_sales, "100.00", payment_mode=Order.PaymentMode.PREPAID, status=Order.Status.PENDING_COLLECTION
    )
    services.send_receivable_reminders(at=at)
    reminded = set(ReceivableReminder.objects.values_list("order_id", flat=True))
    assert not reminded & {due_today.pk, paid.pk, cancelled.pk, prepaid.pk}


def test_run_job_command_replays_a_day_with_at(store, users, store_a):
    order = _overdue(users)
    call_command(
        "run_job", "finance.receivable_reminders", "--store", store_a.subdomain, "--at", "2026-03-05T09:00+08:00"
    )
    call_command(
        "run_job", "finance.receivable_reminders", "--store", store_a.subdomain, "--at", "2026-03-05T10:00+08:00"
    )
    assert list(ReceivableReminder.objects.filter(order=order).values_list("day", flat=True)) == [date(2026, 3, 5)]
