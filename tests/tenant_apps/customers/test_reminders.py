"""The ``customers.follow_up_reminders`` job: one notification per due follow-up, idempotent."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from shared_apps.platform.jobs import get_job, run_in_store
from tenant_apps.customers.models import Customer
from tenant_apps.notifications.models import Notification
from tenant_apps.notifications.selectors import unread_count
from tests.factories import access_of

pytestmark = pytest.mark.django_db

JOB = "customers.follow_up_reminders"


def _run(store, at):
    run = run_in_store(get_job(JOB), store=store, at=at, propagate=True)
    return run.result["reminded"]


def _unread(in_store, store, user) -> int:
    with in_store(store):
        return unread_count(access=access_of(user))


def test_job_is_registered_every_15_minutes():
    assert get_job(JOB).schedule_text == "cron */15 * * * *"
    assert get_job(JOB).per_store


def test_owner_is_notified_once_per_due_follow_up(store_a, users, in_store, make_customer):
    with time_machine.travel("2025-06-10 09:00 +0800", tick=False):
        customer = make_customer(store_a, owner=users.a_sales, name="李雷", next_follow_up_at=timezone.now())
    with time_machine.travel("2025-06-10 09:15 +0800", tick=False):
        assert _run(store_a, timezone.now()) == 1
        with in_store(store_a):
            notification = Notification.objects.get()
        assert notification.recipient_id == users.a_sales.pk
        assert notification.url == f"/customers/{customer.pk}/"
        assert "李雷" in notification.title


def test_second_run_sends_nothing(store_a, users, in_store, make_customer):
    with time_machine.travel("2025-06-10 09:00 +0800", tick=False):
        make_customer(store_a, owner=users.a_sales, next_follow_up_at=timezone.now())
    with time_machine.travel("2025-06-10 09:15 +0800", tick=False):
        _run(store_a, timezone.now())
    with time_machine.travel("2025-06-10 09:30 +0800", tick=False):
        assert _run(store_a, timezone.now()) == 0
    assert _unread(in_store, store_a, users.a_sales) == 1


def test_follow_up_not_yet_due_is_not_reminded(store_a, users, in_store, make_customer):
    with time_machine.travel("2025-06-10 09:00 +0800", tick=False):
        make_customer(store_a, owner=users.a_sales, next_follow_up_at=timezone.now() + timedelta(hours=2))
        assert _run(store_a, timezone.now()) == 0


def test_a_new_next_follow_up_is_reminded_again(store_a, users, in_store, make_customer):
    with time_machine.travel("2025-06-10 09:00 +0800", tick=False):
        customer = make_customer(store_a, owner=users.a_sales, next_follow_up_at=timezone.now())
        _run(store_a, timezone.now())
        with in_store(store_a):
            Customer.objects.filter(pk=customer.pk).update(next_follow_up_at=timezone.now() + timedelta(days=1))
    with time_machine.travel("2025-06-11 09:15 +0800", tick=False):
        assert _run(store_a, timezone.now()) == 1
    assert _unread(in_store, store_a, users.a_sales) == 2


def test_pool_and_merged_customers_are_not_reminded(store_a, users, in_store, make_customer):
    with time_machine.travel("2025-06-10 09:00 +0800", tick=False):
        survivor = make_customer(store_a, owner=users.a_sales)
        make_customer(store_a, owner=None, next_follow_up_at=timezone.now())
        make_customer(store_a, owner=users.a_sales, next_follow_up_at=timezone.now(), merged_into=survivor)
        assert _run(store_a, timezone.now()) == 0
