"""Beat sends the follow-up reminders only to the stores where an owned customer's next follow-up
has fallen due and its owner was not reminded of it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from shared_apps.platform.jobs import get_job, run_in_store
from tenant_apps.customers.models import Customer
from tests.dispatch import dispatched

pytestmark = pytest.mark.django_db

JOB = "customers.follow_up_reminders"


def sent(at: datetime) -> list[str]:
    return dispatched(JOB, at.isoformat())


def run(store, at: datetime) -> dict:
    outcome = run_in_store(get_job(JOB), store=store, at=at, propagate=True)
    assert outcome.ok, outcome.error
    return outcome.result


def test_reminders_are_sent_from_the_moment_the_follow_up_falls_due(store_a, store_b, users, make_customer, in_store):
    due = timezone.now() + timedelta(hours=2)
    assert sent(due + timedelta(days=30)) == []
    customer = make_customer(store_a, owner=users.a_sales, next_follow_up_at=due)

    assert sent(due - timedelta(microseconds=1)) == []
    assert sent(due) == [store_a.schema_name]

    # the run in the store the probe chose reminds the owner, after which the store is idle
    assert run(store_a, due) == {"reminded": 1}
    assert sent(due + timedelta(days=30)) == []

    # a new date is a new reminder
    with in_store(store_a):
        Customer.objects.filter(pk=customer.pk).update(next_follow_up_at=due + timedelta(days=1))
    assert sent(due + timedelta(days=1)) == [store_a.schema_name]


def test_customers_in_the_pool_merged_or_without_a_date_are_not_reminded(store_a, store_b, users, make_customer):
    past = timezone.now() - timedelta(days=1)
    make_customer(store_a, owner=None, next_follow_up_at=past)
    make_customer(store_a, owner=users.a_sales)
    survivor = make_customer(store_b, owner=users.b_sales)
    make_customer(store_b, owner=users.b_sales, next_follow_up_at=past, merged_into=survivor)
    now = timezone.now()
    assert sent(now) == []
    assert run(store_a, now) == {"reminded": 0}
    assert run(store_b, now) == {"reminded": 0}
