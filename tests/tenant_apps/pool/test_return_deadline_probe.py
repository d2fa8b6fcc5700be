"""Beat sends the return-deadline job only to the stores where an owned customer's return-visit
deadline has passed, or was met by a follow-up the job has not cleared yet."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from shared_apps.platform.jobs import get_job, run_in_store
from tenant_apps.customers.models import Customer
from tests.dispatch import dispatched
from tests.tenant_apps.pool.helpers import make_customer

pytestmark = pytest.mark.django_db

JOB = "pool.return_deadline"
TICK = timedelta(microseconds=1)


def sent(at: datetime) -> list[str]:
    return dispatched(JOB, at.isoformat())


def run(store, at: datetime) -> dict:
    with time_machine.travel(at, tick=False):
        outcome = run_in_store(get_job(JOB), store=store, at=at, propagate=True)
    assert outcome.ok, outcome.error
    return outcome.result


def claimed(store, in_store, owner, *, since: datetime, deadline: datetime, **fields) -> Customer:
    with in_store(store):
        return make_customer(owner=owner, owner_since=since, return_visit_deadline=deadline, **fields)


def test_the_job_is_sent_from_the_moment_the_deadline_has_passed(store_a, store_b, users, in_store):
    since = timezone.now() - timedelta(days=1)
    deadline = since + timedelta(days=7)
    assert sent(deadline + timedelta(days=30)) == []
    customer = claimed(store_b, in_store, users.b_sales, since=since, deadline=deadline)

    assert sent(deadline - timedelta(days=1)) == []
    assert sent(deadline) == []  # the job's own rule: strictly after the deadline
    assert run(store_b, deadline) == {"released": 0, "visited": 0}
    assert sent(deadline + TICK) == [store_b.schema_name]

    # the run in the store the probe chose returns the customer, after which the store is idle
    assert run(store_b, deadline + TICK) == {"released": 1, "visited": 0}
    with in_store(store_b):
        assert Customer.objects.get(pk=customer.pk).owner_id is None
    assert sent(deadline + timedelta(days=30)) == []


def test_a_visited_customer_is_due_at_once_for_its_deadline_to_be_cleared(store_a, store_b, users, in_store):
    since = timezone.now() - timedelta(days=1)
    deadline = since + timedelta(days=7)
    customer = claimed(store_a, in_store, users.a_sales, since=since, deadline=deadline)
    assert sent(since + timedelta(hours=6)) == []
    with in_store(store_a):
        Customer.objects.filter(pk=customer.pk).update(last_follow_up_at=since + timedelta(hours=5))

    assert sent(since + timedelta(hours=6)) == [store_a.schema_name]
    assert run(store_a, since + timedelta(hours=6)) == {"released": 0, "visited": 1}
    assert sent(deadline + timedelta(days=30)) == []


def test_a_follow_up_before_the_claim_or_a_customer_in_the_pool_is_not_due(store_a, store_b, users, in_store):
    since = timezone.now() - timedelta(days=10)
    deadline = since + timedelta(days=7)
    claimed(
        store_a,
        in_store,
        users.a_sales,
        since=since,
        deadline=deadline + timedelta(days=30),
        last_follow_up_at=since - timedelta(days=1),
    )
    with in_store(store_b):
        make_customer(return_visit_deadline=deadline)
    assert sent(timezone.now()) == []
    assert run(store_a, timezone.now()) == {"released": 0, "visited": 0}
    assert run(store_b, timezone.now()) == {"released": 0, "visited": 0}
