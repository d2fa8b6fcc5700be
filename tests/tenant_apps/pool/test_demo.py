"""The pool's demo seeder leaves past releases and claims waiting for the supervisor."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from tenant_apps.pool.demo import seed_pool
from tenant_apps.pool.models import Claim, Release
from tenant_apps.workspace.demo import DemoContext, registered_seeders
from tests.tenant_apps.pool.helpers import make_customer

pytestmark = pytest.mark.django_db


def test_pool_seeder_runs_after_the_customers_seeder():
    names = [name for name, _func in registered_seeders()]
    assert names.index("customers") < names.index("pool")


def test_pool_seeder_records_releases_and_pending_claims(store_a, users, in_store):
    members = {
        "salesperson": (users.a_sales, users.a_sales2),
        "supervisor": (users.a_supervisor,),
        "admin": (users.a_admin,),
    }
    ctx = DemoContext(
        store=store_a, members=members, rng=random.Random(1), customers=0, orders=0, seed=1, now=timezone.now()
    )
    with in_store(store_a):
        for index in range(6):
            make_customer(owner=users.a_sales if index % 2 else users.a_sales2)
        for _ in range(8):
            make_customer()

        summary = seed_pool(ctx)

        assert summary
        assert Release.objects.filter(cause="manual").count() == 3
        assert Claim.objects.filter(status="pending").count() >= 2
        assert Claim.objects.filter(status="approved").count() == 1
        assert Claim.objects.filter(status="rejected").count() >= 1
