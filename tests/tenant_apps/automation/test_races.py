"""Exactly once under concurrency: the same occurrence evaluated on several real connections at
the same moment (redelivered events, overlapping job runs) fires its rule once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.automation import services
from tenant_apps.automation.models import Rule, RuleRun
from tenant_apps.customers.models import Customer
from tenant_apps.notifications.models import Notification
from tenants.models import Store
from tests.conftest import STORE_A, user_email
from tests.factories import access_of
from tests.factories.sales import make_customer
from tests.races import at_once


@pytest.fixture
def world(committed_db):
    store = Store.objects.get(subdomain=STORE_A["subdomain"])
    users = {key: User.objects.get(email=user_email(key)) for key in ("a_admin", "a_supervisor", "a_sales")}
    return store, users


def test_one_event_delivered_to_four_workers_at_once_fires_the_rule_once(world):
    store, users = world
    at = timezone.now()
    with tenant_context(store):
        rule = services.rule_create(
            data={
                "name": "Every status change",
                "trigger": {"event": "order.status_changed"},
                "actions": [{"type": "notify", "roles": ["supervisor"]}],
            },
            access=access_of(users["a_admin"]),
        )

    def handle():
        return services.handle_event(
            event_type="order.status_changed", event_id="evt-race", entity="order", entity_id=1, data={"id": 1}, at=at
        )

    results = at_once(store, *[handle] * 4, keep_exceptions=True)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["fired"] for r in results) == 1
    assert sum(r["already"] for r in results) == 3
    with tenant_context(store):
        assert RuleRun.objects.filter(rule=rule).count() == 1
        assert Notification.objects.filter(recipient_id=users["a_supervisor"].pk, kind="automation.alert").count() == 1


def test_two_overlapping_schedule_runs_fire_each_occurrence_once(world):
    store, users = world
    at = timezone.now()
    with tenant_context(store):
        rule = services.rule_create(
            data={"template": "customer_quiet", "params": {"days": 30}}, access=access_of(users["a_admin"])
        )
        quiet = [make_customer(owner=users["a_sales"], last_follow_up_at=at - timedelta(days=40)) for _ in range(5)]

    results = at_once(store, *[lambda: services.run_schedules(at=at)] * 2, keep_exceptions=True)
    assert not [r for r in results if isinstance(r, Exception)], results
    with tenant_context(store):
        runs = RuleRun.objects.filter(rule=rule)
        assert runs.count() == 5
        assert sorted(int(r.record_id) for r in runs) == sorted(c.pk for c in quiet)
        assert sum(r["fired"] for r in results) == 5
        Rule.objects.filter(pk=rule.pk).delete()
        Customer.objects.filter(pk__in=[c.pk for c in quiet]).delete()
