"""The finance demo seeder leaves confirmed, pending and rejected records and invoices at every step."""

from __future__ import annotations

import random

from django.utils import timezone

from tenant_apps.finance.demo import seed_finance
from tenant_apps.finance.models import Invoice, Payment
from tenant_apps.sales.models import Order
from tenant_apps.workspace.demo import DemoContext, registered_seeders
from tests.tenant_apps.finance.helpers import order_of


def test_finance_seeder_runs_after_the_customers_seeder():
    names = [name for name, _func in registered_seeders()]
    assert names.index("customers") < names.index("finance")
    if "sales" in names:
        assert names.index("sales") < names.index("finance")


def test_finance_seeder_records_payments_and_invoices_within_the_rules(store_a, users, in_store):
    members = {"salesperson": (users.a_sales, users.a_sales2), "finance": (users.a_finance,), "admin": (users.a_admin,)}
    ctx = DemoContext(
        store=store_a, members=members, rng=random.Random(1), customers=0, orders=0, seed=1, now=timezone.now()
    )
    with in_store(store_a):
        for index in range(16):
            order_of(
                users.a_sales if index % 2 else users.a_sales2,
                f"{1000 + index * 10}.00",
                payment_mode=Order.PaymentMode.PREPAID if index % 3 == 0 else Order.PaymentMode.CREDIT,
                status=Order.Status.PENDING_COLLECTION if index % 3 == 0 else Order.Status.PENDING_OUTBOUND,
            )
        assert seed_finance(ctx)
        assert Payment.objects.filter(status="confirmed").exists()
        assert Payment.objects.filter(status="pending").exists()
        assert Payment.objects.filter(status="rejected").exists()
        assert set(Invoice.objects.values_list("status", flat=True)) == {"requested", "issued", "mailed"}
        for order in Order.objects.all():
            assert order.collected <= order.amount
            assert order.refunded <= order.collected + order.supplemented
