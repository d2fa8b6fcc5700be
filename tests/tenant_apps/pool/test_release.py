"""Manual release: who may release, what is recorded, who is told."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shared_apps.platform.errors import InvalidTransition, PermissionDenied, ValidationFailed
from tenant_apps.customers.models import Customer
from tenant_apps.pool import services
from tenant_apps.pool.models import Release
from tests.factories.accounts import MembershipFactory, access_of
from tests.tenant_apps.pool.helpers import make_customer, notifications_of

pytestmark = pytest.mark.django_db


def test_owner_releases_with_a_reason_and_the_release_is_recorded(store_a, users, in_store):
    at = timezone.now()
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales, next_follow_up_at=at, return_visit_deadline=at)
        release = services.release_customer(
            customer_id=customer.pk, access=access_of(users.a_sales), reason="Moved away", at=at
        )
        customer.refresh_from_db()
        assert customer.owner_id is None and customer.owner_since is None
        assert customer.return_visit_deadline is None and customer.next_follow_up_at is None
        assert customer.released_at == at
        release.refresh_from_db()
        assert (release.cause, release.reason, release.former_owner_id, release.by_id, release.deadline) == (
            "manual",
            "Moved away",
            users.a_sales.pk,
            users.a_sales.pk,
            None,
        )


def test_release_without_a_reason_is_refused(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
        with pytest.raises(ValidationFailed) as exc:
            services.release_customer(customer_id=customer.pk, access=access_of(users.a_sales), reason="")
        assert "reason" in exc.value.errors
        assert Customer.objects.get(pk=customer.pk).owner_id == users.a_sales.pk
        assert not Release.objects.exists()


def test_releasing_a_pool_customer_is_an_invalid_transition(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer()
        with pytest.raises(InvalidTransition):
            services.release_customer(customer_id=customer.pk, access=access_of(users.a_sales), reason="?")


def test_another_salesperson_cannot_release_the_customer(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
        with pytest.raises(PermissionDenied):
            services.release_customer(customer_id=customer.pk, access=access_of(users.a_sales2), reason="Mine?")
        assert Customer.objects.get(pk=customer.pk).owner_id == users.a_sales.pk


def test_supervisor_of_another_team_cannot_release_the_customer(store_a, users, in_store):
    other_supervisor = MembershipFactory(store=store_a, role="supervisor").user
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
        with pytest.raises(PermissionDenied):
            services.release_customer(customer_id=customer.pk, access=access_of(other_supervisor), reason="Not mine")


def test_supervisor_release_notifies_the_former_owner(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales, name="Li Lei")
        services.release_customer(customer_id=customer.pk, access=access_of(users.a_supervisor), reason="Rebalancing")
        released = notifications_of(users.a_sales, "pool.released")
        assert len(released) == 1
        assert "Li Lei" in released[0].title and "Rebalancing" in released[0].body


def test_owner_releasing_is_not_notified(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
        services.release_customer(customer_id=customer.pk, access=access_of(users.a_sales), reason="Done")
        assert notifications_of(users.a_sales, "pool.released") == []


def test_admin_may_release_any_customer(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales2)
        services.release_customer(customer_id=customer.pk, access=access_of(users.a_admin), reason="Cleanup")
        assert Customer.objects.get(pk=customer.pk).owner_id is None
