"""The customers demo seeder: realistic, constraint-abiding and reproducible."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from tenant_apps.customers.demo import seed_customers
from tenant_apps.customers.models import Customer, FollowUp
from tenant_apps.customers.services import normalize_mobile
from tenant_apps.workspace.demo import DemoContext, registered_seeders

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def _context(store, users, *, customers: int, seed: int = 7) -> DemoContext:
    return DemoContext(
        store=store,
        members={
            "salesperson": (users.a_sales, users.a_sales2),
            "supervisor": (users.a_supervisor,),
            "admin": (users.a_admin,),
        },
        rng=random.Random(f"test:{seed}"),
        customers=customers,
        orders=0,
        seed=seed,
        now=NOW,
    )


def _fingerprint() -> list[tuple]:
    return list(Customer.objects.order_by("pk").values_list("name", "mobile_normalized", "owner_id", "grade"))


def test_seeder_is_registered_before_the_pool():
    names = [name for name, _func in registered_seeders()]
    assert names.index("customers") < names.index("pool")


def test_seeder_makes_the_asked_number_of_customers_with_follow_ups(store_a, users, in_store):
    with in_store(store_a):
        seed_customers(_context(store_a, users, customers=60))

        assert Customer.objects.count() == 60
        counts = Customer.objects.annotate(n=Count("follow_ups")).values_list("n", flat=True)
        assert all(1 <= n <= 6 for n in counts)
        assert not FollowUp.objects.filter(created_at__lt=NOW - timedelta(days=91)).exists()
        assert not FollowUp.objects.filter(created_at__gt=NOW).exists()


def test_seeded_mobiles_are_valid_and_unique(store_a, users, in_store):
    with in_store(store_a):
        seed_customers(_context(store_a, users, customers=60))

        rows = list(Customer.objects.values_list("mobile", "mobile_normalized"))
        assert all(normalize_mobile(raw) == normalized for raw, normalized in rows)
        assert len({normalized for _raw, normalized in rows}) == 60


def test_seeded_store_has_pool_customers_owned_ones_and_overdue_follow_ups(store_a, users, in_store):
    with in_store(store_a):
        seed_customers(_context(store_a, users, customers=200))

        pooled = Customer.objects.filter(owner__isnull=True).count()
        assert 10 <= pooled <= 60
        owners = set(Customer.objects.exclude(owner__isnull=True).values_list("owner_id", flat=True))
        assert owners == {users.a_sales.pk, users.a_sales2.pk, users.a_supervisor.pk}
        assert Customer.objects.filter(next_follow_up_at__lt=NOW).exists()
        assert Customer.objects.filter(next_follow_up_at__gt=NOW).exists()


def test_same_seed_gives_the_same_customers(store_a, users, in_store):
    with in_store(store_a):
        seed_customers(_context(store_a, users, customers=20))
        first = _fingerprint()
        FollowUp.objects.all().delete()
        Customer.objects.all().delete()
        seed_customers(_context(store_a, users, customers=20))
        second = _fingerprint()

    assert [row[:2] for row in first] == [row[:2] for row in second]
    assert first and [row[2:] for row in first] == [row[2:] for row in second]
