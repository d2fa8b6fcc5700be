"""Reads of the pool: policies by grade, the pool list, claim scoping and a customer's history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tenant_apps.customers.models import Customer
from tenant_apps.pool import selectors, services
from tenant_apps.pool.models import GradePolicy
from tenant_apps.workspace.services import store_settings_update
from tests.factories.accounts import MembershipFactory, access_of
from tests.tenant_apps.pool.helpers import make_customer

pytestmark = pytest.mark.django_db


def test_policy_of_a_grade_without_override_is_the_store_setting(store_a, in_store):
    with in_store(store_a):
        store_settings_update(pool_max_idle_days=45, pool_ownership_cap=80)
        policy = selectors.pool_policy(grade="B")
    assert (policy.max_idle_days, policy.ownership_cap, policy.grace_days) == (45, 80, 3)


def test_grade_override_replaces_only_the_fields_it_sets(store_a, in_store):
    with in_store(store_a):
        GradePolicy.objects.create(grade="A", max_idle_days=90)
        policy = selectors.pool_policy(grade="A")
    assert (policy.max_idle_days, policy.grace_days, policy.return_visit_days) == (90, 3, 7)


def test_pool_customers_filter_by_days_in_pool(store_a, users, in_store):
    now = timezone.now()
    with in_store(store_a):
        old = make_customer(released_at=now - timedelta(days=10))
        make_customer(released_at=now - timedelta(days=1))
        access = access_of(users.a_sales, store_a)
        found = list(selectors.pool_customers(access=access, filters={"days_in_pool": "5"}))
    assert [c.pk for c in found] == [old.pk]


def test_pool_customers_mark_the_callers_pending_claim(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer()
        services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="r")
        mine = selectors.pool_customers(access=access_of(users.a_sales, store_a)).get()
        theirs = selectors.pool_customers(access=access_of(users.a_sales2, store_a)).get()
    assert (mine.pending_claims, mine.my_pending_claim) == (1, True)
    assert (theirs.pending_claims, theirs.my_pending_claim) == (1, False)


def test_supervisor_does_not_see_claims_of_another_team(store_a, users, in_store):
    outsider = MembershipFactory(store=store_a, role="salesperson", supervisor=MembershipFactory(store=store_a).user)
    with in_store(store_a):
        customer = make_customer()
        services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="r")
        services.claim_create(customer_id=customer.pk, access=access_of(outsider.user), reason="r")
        access = access_of(users.a_supervisor, store_a)
        applicants = set(selectors.claim_list(access=access).values_list("applicant_id", flat=True))
    assert applicants == {users.a_sales.pk}


def test_pending_claims_to_decide_leave_out_the_approvers_own(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer()
        services.claim_create(customer_id=customer.pk, access=access_of(users.a_supervisor), reason="r")
        services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="r")
        access = access_of(users.a_supervisor, store_a)
        queue = list(selectors.pending_claims_to_decide(access=access).values_list("applicant_id", flat=True))
    assert queue == [users.a_sales.pk]


def test_customer_pool_history_lists_releases_and_claims_newest_first(store_a, users, in_store):
    start = timezone.now() - timedelta(days=3)
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
        services.release_customer(customer_id=customer.pk, access=access_of(users.a_sales), reason="Bye", at=start)
        claim = services.claim_create(
            customer_id=customer.pk, access=access_of(users.a_sales2), reason="Hi", at=start + timedelta(days=1)
        )
        services.claim_approve(claim_id=claim.pk, access=access_of(users.a_supervisor), at=start + timedelta(days=2))
        history = selectors.customer_pool_history(customer=Customer.objects.get(pk=customer.pk))
    assert [(row["type"], row.get("cause") or row.get("status")) for row in history] == [
        ("claim", "approved"),
        ("release", "manual"),
    ]
    assert history[0]["applicant_name"] == users.a_sales2.name
    assert history[1]["former_owner"] == users.a_sales.pk
