"""The after-sales demo seeder leaves cases in several states."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from tenant_apps.aftersales.demo import seed_aftersales
from tenant_apps.aftersales.models import Case
from tenant_apps.workspace.demo import DemoContext, registered_seeders
from tests.tenant_apps.aftersales.helpers import shipped_order

pytestmark = pytest.mark.django_db


def test_aftersales_seeder_runs_after_sales_and_finance():
    names = [name for name, _func in registered_seeders()]
    assert names.index("sales") < names.index("aftersales")
    assert names.index("finance") < names.index("aftersales")


def test_aftersales_seeder_makes_cases_in_several_states(store_a, users, in_store):
    members = {
        "salesperson": (users.a_sales, users.a_sales2),
        "supervisor": (users.a_supervisor,),
        "admin": (users.a_admin,),
        "finance": (users.a_finance,),
        "warehouse": (users.a_warehouse,),
    }
    ctx = DemoContext(
        store=store_a, members=members, rng=random.Random(1), customers=0, orders=0, seed=1, now=timezone.now()
    )
    with in_store(store_a):
        for index in range(10):
            shipped_order(users.a_sales if index % 2 else users.a_sales2, quantities=(4, 2))

        summary = seed_aftersales(ctx)

        assert summary == "8 after-sales cases"
        statuses = set(Case.objects.values_list("status", flat=True))
        assert statuses == {"pending_approval", "approved", "rejected", "processing", "completed", "cancelled"}
