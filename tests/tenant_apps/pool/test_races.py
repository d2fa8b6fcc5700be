"""Races on real database connections (one per thread, committed writes): competing claims and
approvals end with exactly one owner, and two overlapping release runs record each release once.

The rows are committed, so each test removes what it made."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.customers.models import Customer
from tenant_apps.notifications.models import Notification
from tenant_apps.pool import services
from tenant_apps.pool.models import Claim, Release
from tenant_apps.workspace.selectors import store_settings_get
from tenant_apps.workspace.services import store_settings_update
from tenants.models import Store
from tests.conftest import STORE_A, user_email
from tests.factories.accounts import access_of
from tests.races import at_once
from tests.tenant_apps.pool.helpers import make_customer


@pytest.fixture
def world(committed_db):
    """Store A, its users, and a clean-up of every pool row and customer made by the test."""
    store = Store.objects.get(subdomain=STORE_A["subdomain"])
    users = {key: User.objects.get(email=user_email(key)) for key in ("a_sales", "a_sales2", "a_supervisor", "a_admin")}
    with tenant_context(store):
        before = set(Customer.objects.values_list("pk", flat=True))
        cap = store_settings_get().pool_ownership_cap
    yield store, users
    with tenant_context(store):
        made = Customer.objects.exclude(pk__in=before)
        Claim.objects.filter(customer__in=made).delete()
        Release.objects.filter(customer__in=made).delete()
        Notification.objects.filter(kind__startswith="pool.").delete()
        made.delete()
        store_settings_update(pool_ownership_cap=cap)
        assert not Customer.objects.exclude(pk__in=before).exists()


def test_competing_claims_approved_at_once_leave_exactly_one_owner(world):
    store, users = world
    access = {key: access_of(user, store) for key, user in users.items()}
    with tenant_context(store):
        customer = make_customer()
    filed = at_once(
        store,
        lambda: services.claim_create(customer_id=customer.pk, access=access["a_sales"], reason="mine"),
        lambda: services.claim_create(customer_id=customer.pk, access=access["a_sales2"], reason="mine too"),
    )
    assert all(isinstance(claim, Claim) for claim in filed)

    decided = at_once(
        store,
        *[lambda c=claim: services.claim_approve(claim_id=c.pk, access=access["a_supervisor"]) for claim in filed],
    )

    assert sum(isinstance(result, Claim) for result in decided) == 1
    with tenant_context(store):
        claims = {c.pk: c for c in Claim.objects.filter(customer_id=customer.pk)}
        approved = [c for c in claims.values() if c.status == "approved"]
        rejected = [c for c in claims.values() if c.status == "rejected"]
        assert len(approved) == 1 and len(rejected) == 1
        assert rejected[0].decision_reason == "claimed by another"
        assert Customer.objects.get(pk=customer.pk).owner_id == approved[0].applicant_id


def test_two_approvers_of_one_claim_at_once_one_succeeds_the_other_gets_409(world):
    store, users = world
    access = {key: access_of(user, store) for key, user in users.items()}
    with tenant_context(store):
        customer = make_customer()
        claim = services.claim_create(customer_id=customer.pk, access=access["a_sales"], reason="mine")

    outcomes = at_once(
        store,
        lambda: services.claim_approve(claim_id=claim.pk, access=access["a_supervisor"]),
        lambda: services.claim_approve(claim_id=claim.pk, access=access["a_admin"]),
    )

    assert sum(isinstance(result, Claim) for result in outcomes) == 1
    assert [result for result in outcomes if not isinstance(result, Claim)] == ["invalid_transition"]
    with tenant_context(store):
        assert Claim.objects.get(pk=claim.pk).status == "approved"
        assert Customer.objects.get(pk=customer.pk).owner_id == users["a_sales"].pk


def test_claims_filed_at_once_cannot_pass_the_ownership_cap(world):
    store, users = world
    access = {key: access_of(user, store) for key, user in users.items()}
    with tenant_context(store):
        store_settings_update(pool_ownership_cap=1)
        first, second = make_customer(), make_customer()

    outcomes = at_once(
        store,
        lambda: services.claim_create(customer_id=first.pk, access=access["a_sales"], reason="one"),
        lambda: services.claim_create(customer_id=second.pk, access=access["a_sales"], reason="two"),
    )

    assert sorted(type(o).__name__ if isinstance(o, Claim) else o for o in outcomes) == ["Claim", "ownership_cap"]
    with tenant_context(store):
        assert Claim.objects.filter(customer_id__in=[first.pk, second.pk]).count() == 1


def test_release_job_run_twice_at_once_records_each_release_once(world):
    store, users = world
    long_ago = timezone.now() - timedelta(days=400)
    with tenant_context(store):
        idle = [make_customer(owner=users["a_sales"], owner_since=long_ago, created_at=long_ago).pk for _ in range(25)]
    at = timezone.now()

    results = at_once(
        store,
        lambda: services.release_due_customers(at=at),
        lambda: services.release_due_customers(at=at),
    )

    assert sum(result["released"] for result in results) == len(idle)
    with tenant_context(store):
        assert Release.objects.filter(customer_id__in=idle).count() == len(idle)
        assert set(Release.objects.filter(customer_id__in=idle).values_list("cause", flat=True)) == {"idle"}
        assert not Customer.objects.filter(pk__in=idle, owner__isnull=False).exists()
        # One digest (or two, when both runs started one at once) counting every release.
        told = Notification.objects.filter(kind="pool.released", recipient_id=users["a_sales"].pk)
        assert 1 <= told.count() <= 2 and sum(n.count for n in told) == len(idle)
