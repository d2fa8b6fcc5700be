"""The pool's periodic jobs, with time moved by time-machine: automatic release (overdue, idle by
grade), return-visit deadline, warnings. Each release is recorded once; a second run changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from shared_apps.platform.jobs import get_job, run_in_store
from tenant_apps.customers.models import Customer
from tenant_apps.customers.services import follow_up_add
from tenant_apps.pool import services
from tenant_apps.pool.models import GradePolicy, Release
from tenant_apps.workspace.services import store_settings_update
from tests.factories.accounts import access_of
from tests.tenant_apps.pool.helpers import make_customer, notifications_of

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SECOND = timedelta(seconds=1)
GRACE = timedelta(days=3)  # the store default


def run(name: str, store, at: datetime):
    with time_machine.travel(at, tick=False):
        return run_in_store(get_job(name), store=store, at=at, propagate=True).result


def owned_with_follow_up_due(store, in_store, owner, due: datetime):
    """A customer followed up at START whose next follow-up falls at ``due``."""
    with time_machine.travel(START, tick=False), in_store(store):
        customer = make_customer(owner=owner)
        follow_up_add(
            customer=customer, access=access_of(owner), kind="call", content="First call", next_follow_up_at=due
        )
    return customer


def test_pool_jobs_are_registered_per_store_with_schedules():
    for name in ("pool.release", "pool.return_deadline", "pool.release_warnings"):
        job = get_job(name)
        assert job.per_store and job.schedule is not None


def test_follow_up_one_second_before_the_overdue_deadline_keeps_the_customer(store_a, users, in_store):
    due = START + timedelta(days=1)
    customer = owned_with_follow_up_due(store_a, in_store, users.a_sales, due)
    with time_machine.travel(due + GRACE - SECOND, tick=False), in_store(store_a):
        follow_up_add(
            customer=customer,
            access=access_of(users.a_sales),
            kind="call",
            content="Just in time",
            next_follow_up_at=due + GRACE * 3,
        )

    result = run("pool.release", store_a, due + GRACE + SECOND)

    assert result["released"] == 0
    with in_store(store_a):
        assert Customer.objects.get(pk=customer.pk).owner_id == users.a_sales.pk
        assert not Release.objects.exists()


def test_customer_stays_until_the_overdue_deadline(store_a, users, in_store):
    due = START + timedelta(days=1)
    customer = owned_with_follow_up_due(store_a, in_store, users.a_sales, due)

    assert run("pool.release", store_a, due + GRACE - SECOND)["released"] == 0
    with in_store(store_a):
        assert Customer.objects.get(pk=customer.pk).owner_id == users.a_sales.pk


def test_customer_is_released_one_second_after_the_overdue_deadline(store_a, users, in_store):
    due = START + timedelta(days=1)
    customer = owned_with_follow_up_due(store_a, in_store, users.a_sales, due)

    result = run("pool.release", store_a, due + GRACE + SECOND)

    assert result == {"released": 1, "overdue": 1}
    with in_store(store_a):
        customer.refresh_from_db()
        assert customer.owner_id is None and customer.released_at == due + GRACE + SECOND
        release = Release.objects.get(customer=customer)
        assert (release.cause, release.deadline, release.former_owner_id) == ("overdue", due + GRACE, users.a_sales.pk)
        released = notifications_of(users.a_sales, "pool.released")
        assert [n.url for n in released] == [f"/customers/{customer.pk}/"]


def test_second_run_of_the_release_job_changes_nothing(store_a, users, in_store):
    due = START + timedelta(days=1)
    owned_with_follow_up_due(store_a, in_store, users.a_sales, due)
    run("pool.release", store_a, due + GRACE + SECOND)

    again = run("pool.release", store_a, due + GRACE + 2 * SECOND)

    assert again == {"released": 0}
    with in_store(store_a):
        assert Release.objects.count() == 1
        assert len(notifications_of(users.a_sales, "pool.released")) == 1


def test_idle_limit_depends_on_the_grade(store_a, users, in_store):
    with time_machine.travel(START, tick=False), in_store(store_a):
        GradePolicy.objects.create(grade="A", max_idle_days=60)
        GradePolicy.objects.create(grade="D", max_idle_days=10)
        valuable = make_customer(owner=users.a_sales, grade="A")
        minor = make_customer(owner=users.a_sales, grade="D")

    first = run("pool.release", store_a, START + timedelta(days=10) + SECOND)
    assert first == {"released": 1, "idle": 1}
    with in_store(store_a):
        assert Customer.objects.get(pk=minor.pk).owner_id is None
        assert Customer.objects.get(pk=valuable.pk).owner_id == users.a_sales.pk
        assert Release.objects.get(customer=minor).deadline == START + timedelta(days=10)

    run("pool.release", store_a, START + timedelta(days=60) + SECOND)
    with in_store(store_a):
        release = Release.objects.get(customer=valuable)
        assert (release.cause, release.deadline) == ("idle", START + timedelta(days=60))


def test_idle_counts_from_the_last_follow_up(store_a, users, in_store):
    with in_store(store_a):
        store_settings_update(pool_max_idle_days=30)
    with time_machine.travel(START, tick=False), in_store(store_a):
        customer = make_customer(owner=users.a_sales)
    with time_machine.travel(START + timedelta(days=20), tick=False), in_store(store_a):
        follow_up_add(customer=customer, access=access_of(users.a_sales), kind="wechat", content="Chatted")

    assert run("pool.release", store_a, START + timedelta(days=31))["released"] == 0
    assert run("pool.release", store_a, START + timedelta(days=50, seconds=1))["released"] == 1


def approved_claim(store, in_store, users, at: datetime) -> Customer:
    with time_machine.travel(at, tick=False), in_store(store):
        customer = make_customer(created_at=at - timedelta(days=1))
        claim = services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="r", at=at)
        services.claim_approve(claim_id=claim.pk, access=access_of(users.a_supervisor), at=at)
        customer.refresh_from_db()
    return customer


def test_claimed_customer_without_return_visit_goes_back_after_the_deadline(store_a, users, in_store):
    customer = approved_claim(store_a, in_store, users, START)
    deadline = START + timedelta(days=7)
    assert customer.return_visit_deadline == deadline

    assert run("pool.return_deadline", store_a, deadline - SECOND)["released"] == 0
    assert run("pool.return_deadline", store_a, deadline + SECOND)["released"] == 1
    assert run("pool.return_deadline", store_a, deadline + 2 * SECOND)["released"] == 0
    with in_store(store_a):
        release = Release.objects.get(customer=customer)
        assert (release.cause, release.deadline) == ("return_deadline", deadline)
        assert Customer.objects.get(pk=customer.pk).owner_id is None


def test_return_visit_before_the_deadline_keeps_the_claimed_customer(store_a, users, in_store):
    customer = approved_claim(store_a, in_store, users, START)
    with time_machine.travel(START + timedelta(days=2), tick=False), in_store(store_a):
        follow_up_add(customer=customer, access=access_of(users.a_sales), kind="visit", content="Visited the plant")

    assert run("pool.return_deadline", store_a, START + timedelta(days=8))["released"] == 0
    with in_store(store_a):
        assert Customer.objects.get(pk=customer.pk).owner_id == users.a_sales.pk


def test_return_deadline_job_clears_the_deadline_of_a_visited_customer(store_a, users, in_store):
    customer = approved_claim(store_a, in_store, users, START)
    with in_store(store_a):
        Customer.objects.filter(pk=customer.pk).update(last_follow_up_at=START + timedelta(hours=5))

    result = run("pool.return_deadline", store_a, START + timedelta(days=1))

    assert result == {"released": 0, "visited": 1}
    with in_store(store_a):
        assert Customer.objects.get(pk=customer.pk).return_visit_deadline is None


def test_owner_is_warned_once_before_an_automatic_release(store_a, users, in_store):
    due = START + timedelta(days=1)
    customer = owned_with_follow_up_due(store_a, in_store, users.a_sales, due)
    warn_from = due + GRACE - timedelta(days=2)  # the store warns 2 days ahead

    assert run("pool.release_warnings", store_a, warn_from - SECOND)["warned"] == 0
    assert run("pool.release_warnings", store_a, warn_from + SECOND)["warned"] == 1
    assert run("pool.release_warnings", store_a, warn_from + timedelta(hours=1))["warned"] == 0
    with in_store(store_a):
        warnings = notifications_of(users.a_sales, "pool.release_warning")
        assert len(warnings) == 1 and customer.name in warnings[0].title
        assert Customer.objects.get(pk=customer.pk).release_warned_for == due + GRACE


def test_a_new_deadline_is_warned_again(store_a, users, in_store):
    due = START + timedelta(days=1)
    customer = owned_with_follow_up_due(store_a, in_store, users.a_sales, due)
    warned_at = due + GRACE - timedelta(days=1)
    assert run("pool.release_warnings", store_a, warned_at)["warned"] == 1
    next_due = due + timedelta(days=5)
    with time_machine.travel(warned_at + timedelta(hours=1), tick=False), in_store(store_a):
        follow_up_add(
            customer=customer, access=access_of(users.a_sales), kind="call", content="Again", next_follow_up_at=next_due
        )

    assert run("pool.release_warnings", store_a, next_due + GRACE - timedelta(days=1))["warned"] == 1
    with in_store(store_a):
        assert len(notifications_of(users.a_sales, "pool.release_warning")) == 2


def test_return_visit_due_soon_is_announced_once(store_a, users, in_store):
    approved_claim(store_a, in_store, users, START)
    at = START + timedelta(days=6)

    assert run("pool.release_warnings", store_a, at)["warned"] == 1
    assert run("pool.release_warnings", store_a, at + timedelta(hours=1))["warned"] == 0
    with in_store(store_a):
        assert len(notifications_of(users.a_sales, "pool.return_visit_due")) == 1


def test_no_warning_when_the_store_sets_zero_days(store_a, users, in_store):
    with in_store(store_a):
        store_settings_update(pool_release_warning_days=0)
    due = START + timedelta(days=1)
    owned_with_follow_up_due(store_a, in_store, users.a_sales, due)

    assert run("pool.release_warnings", store_a, due + GRACE - timedelta(hours=1))["warned"] == 0


def test_jobs_leave_pool_customers_alone(store_a, users, in_store):
    with in_store(store_a):
        make_customer(created_at=timezone.now() - timedelta(days=400), next_follow_up_at=START)
    for name in ("pool.release", "pool.return_deadline"):
        assert run(name, store_a, START + timedelta(days=100))["released"] == 0
