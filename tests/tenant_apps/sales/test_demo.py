"""The sales demo seeder: a catalogue, quotations in every status, orders in every status."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from tenant_apps.sales.demo import seed_sales
from tenant_apps.sales.models import Order, OrderLine, Product, Quotation
from tenant_apps.workspace.demo import DemoContext, registered_seeders
from tests.factories.sales import make_customer

pytestmark = pytest.mark.django_db


def test_sales_seeder_runs_between_customers_and_finance():
    names = [name for name, _func in registered_seeders()]
    assert names.index("customers") < names.index("sales")
    if "finance" in names:
        assert names.index("sales") < names.index("finance")


def test_sales_seeder_fills_every_status(store_a, users, in_store):
    members = {
        "salesperson": (users.a_sales, users.a_sales2),
        "supervisor": (users.a_supervisor,),
        "warehouse": (users.a_warehouse,),
        "admin": (users.a_admin,),
    }
    ctx = DemoContext(
        store=store_a, members=members, rng=random.Random(3), customers=0, orders=60, seed=3, now=timezone.now()
    )
    with in_store(store_a):
        for index in range(10):
            make_customer(owner=users.a_sales if index % 2 else users.a_sales2)
        assert seed_sales(ctx)
        assert Product.objects.count() == 15
        assert set(Quotation.objects.values_list("status", flat=True)) == set(Quotation.Status.values)
        assert set(Order.objects.values_list("status", flat=True)) == set(Order.Status.values)
        assert Order.objects.count() == 60
        for order in Order.objects.all():
            assert order.amount == sum(line.amount for line in OrderLine.objects.filter(order=order))
