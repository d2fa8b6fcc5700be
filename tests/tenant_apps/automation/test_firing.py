"""Firing: event rules with conditions, a failing rule logged and reported (never retried), a rule
switched off after failures in a row, task chains, tags and owners, HQ default rules inherited."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from hq_console import services as hq_services
from tenant_apps.automation import services
from tenant_apps.automation.models import Rule, RuleRun
from tenant_apps.customers.models import Customer
from tenant_apps.notifications.models import Notification
from tenant_apps.teamwork.models import WorkTask
from tenant_apps.teamwork.services import task_update
from tests.factories import access_of
from tests.factories.sales import make_customer

pytestmark = pytest.mark.django_db

ORDER_DATA = {"id": 41, "number": "SO-41", "status": "pending_outbound", "amount": "15000.00", "owner": None}


def event(at, event_id="evt-1", **data):
    return services.handle_event(
        event_type="order.status_changed",
        event_id=event_id,
        entity="order",
        entity_id=41,
        data={**ORDER_DATA, **data},
        at=at,
    )


def make_rule(users, **fields):
    data = {
        "name": "Big orders",
        "trigger": {"event": "order.status_changed"},
        "conditions": {"field": "amount", "op": "gte", "value": "10000"},
        "actions": [{"type": "notify", "roles": ["supervisor"], "title": "大单 {number}"}],
        **fields,
    }
    return services.rule_create(data=data, access=access_of(users.a_admin))


def test_an_event_fires_a_matching_rule_once(store_a, users, in_store):
    at = timezone.now()
    with in_store(store_a):
        rule = make_rule(users)
        assert event(at)["fired"] == 1
        assert event(at)["fired"] == 0  # the same event again (redelivered)
        assert event(at, event_id="evt-2", amount="20.00")["not_matched"] == 1
        assert RuleRun.objects.filter(rule=rule).count() == 1
        (note,) = Notification.objects.filter(recipient_id=users.a_supervisor.pk, kind="automation.alert")
        assert note.title == "大单 SO-41"


def test_a_rule_on_another_event_is_not_evaluated(store_a, users, in_store):
    with in_store(store_a):
        make_rule(users, trigger={"event": "payment.confirmed"})
        assert event(timezone.now())["rules"] == 0


def test_a_failing_rule_is_logged_reported_and_not_retried(store_a, users, in_store):
    at = timezone.now()
    with in_store(store_a):
        # A task for the record's owner, but the record has none: the action fails.
        rule = make_rule(
            users,
            actions=[
                {"type": "notify", "roles": ["supervisor"]},
                {"type": "task", "assignee": "owner", "title": "Ship {number}"},
            ],
        )
        assert event(at)["failed"] == 1
        run = RuleRun.objects.get(rule=rule)
        assert run.outcome == "failed" and run.error == gettext("The record has no owner to give the task to.")
        # The notify action before it was undone with it; the admin was told.
        assert not Notification.objects.filter(kind="automation.alert").exists()
        assert Notification.objects.filter(recipient_id=users.a_admin.pk, kind="automation.rule_failed").count() == 1
        assert event(at)["failed"] == 0  # the occurrence is not tried again


def test_a_rule_failing_three_times_in_a_row_is_switched_off(store_a, users, in_store):
    at = timezone.now()
    with in_store(store_a):
        rule = make_rule(users, actions=[{"type": "task", "assignee": "owner", "title": "Ship {number}"}])
        for n in range(3):
            event(at, event_id=f"evt-{n}")
        rule.refresh_from_db()
        assert rule.active is False and rule.failures_in_a_row == 3
        assert event(at, event_id="evt-9")["rules"] == 0


def test_task_chain_creates_the_next_task_when_the_previous_is_done(store_a, users, in_store):
    at = timezone.now()
    with in_store(store_a):
        make_rule(
            users,
            actions=[
                {
                    "type": "task",
                    "assignee": users.a_sales.pk,
                    "title": "Call about {number}",
                    "due_in_days": 1,
                    "then": [{"title": "Send the quotation"}, {"title": "Check payment", "due_in_days": 3}],
                }
            ],
        )
        event(at)
        first = WorkTask.objects.get(title="Call about SO-41")
        assert first.assignee_id == users.a_sales.pk
        access = access_of(users.a_sales, store_a)
        task_update(access=access, task_id=first.pk, status="done")
        second = WorkTask.objects.get(title="Send the quotation")
        assert not WorkTask.objects.filter(title="Check payment").exists()
        task_update(access=access, task_id=second.pk, status="done")
        third = WorkTask.objects.get(title="Check payment")
        assert third.assignee_id == users.a_sales.pk


def test_tag_and_owner_actions_on_a_customer(store_a, users, in_store):
    at = timezone.now()
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales, last_follow_up_at=at - timedelta(days=40))
        services.rule_create(
            data={
                "template": "customer_quiet",
                "actions": [{"type": "add_tag", "tag": "沉默"}, {"type": "assign_owner", "user": users.a_sales2.pk}],
            },
            access=access_of(users.a_admin),
        )
        counts = services.run_schedules(at=at)
        assert counts["fired"] == 1, counts
        customer = Customer.objects.get(pk=customer.pk)
        assert customer.owner_id == users.a_sales2.pk
        assert [t.name for t in customer.tags.all()] == ["沉默"]


def test_stores_inherit_hq_default_rules_until_they_override_them(store_a, store_b, users, in_store):
    default = hq_services.default_rule_create(
        hq_user=users.hq_admin, name="HQ: quiet customers", template="customer_quiet", params={"days": 20}
    )
    with in_store(store_a):
        services.inherit_hq_rules()
        (copy,) = Rule.objects.filter(hq_rule_id=default.pk)
        assert (copy.source, copy.active, copy.params) == ("hq", True, {"days": 20})
    with in_store(store_b):
        services.inherit_hq_rules()
        assert Rule.objects.filter(hq_rule_id=default.pk, source="hq").exists()
    # HQ changes its default: stores that follow it follow the change.
    hq_services.default_rule_update(rule=default, hq_user=users.hq_admin, changes={"params": {"days": 25}})
    with in_store(store_a):
        services.inherit_hq_rules()
        copy.refresh_from_db()
        assert copy.params == {"days": 25}
        # The store changes its copy: it is the store's own from then on.
        services.rule_update(rule=copy, data={"params": {"days": 40}}, access=access_of(users.a_admin))
    hq_services.default_rule_update(rule=default, hq_user=users.hq_admin, changes={"params": {"days": 10}})
    with in_store(store_a):
        services.inherit_hq_rules()
        copy.refresh_from_db()
        assert (copy.source, copy.params) == ("store", {"days": 40})
        services.rule_reset(rule=copy)
        copy.refresh_from_db()
        assert (copy.source, copy.params) == ("hq", {"days": 10})
    with in_store(store_b):
        # Store B switches the same ready-made rule on itself: HQ's copy stops there.
        services.rule_create(
            data={"template": "customer_quiet", "params": {"days": 15}}, access=access_of(users.b_admin)
        )
        services.inherit_hq_rules()
        assert Rule.objects.get(hq_rule_id=default.pk).active is False


def test_hq_default_rules_api(users, api):
    client = api(users.hq_admin)
    created = client.post(
        "/api/v1/hq/automations",
        {"name": "Overdue", "template": "receivable_overdue", "params": {"days": 3}},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["params"] == {"days": 3}
    bad = client.post("/api/v1/hq/automations", {"name": "x", "template": "nope"}, format="json")
    assert bad.status_code == 400 and "template" in bad.json()["errors"]
    assert api(users.hq_exec).get("/api/v1/hq/automations").json()["count"] == 1
    assert (
        api(users.hq_exec)
        .post("/api/v1/hq/automations", {"name": "x", "template": "gtv_drop"}, format="json")
        .status_code
        == 403
    )


def test_a_store_deletes_its_copy_of_an_hq_default_only_once_hq_deleted_it(store_a, users, in_store, api):
    default = hq_services.default_rule_create(
        hq_user=users.hq_admin, name="HQ: quiet customers", template="customer_quiet", params={"days": 20}
    )
    with in_store(store_a):
        services.inherit_hq_rules()
        copy = Rule.objects.get(hq_rule_id=default.pk)
        services.rule_update(
            rule=copy, data={"params": {"days": 40}}, access=access_of(users.a_admin)
        )  # the store's own now
    client = api(users.a_admin, store_a)
    assert client.delete(f"/api/v1/automations/{copy.pk}").status_code == 409
    hq_services.default_rule_delete(rule=default)
    assert client.delete(f"/api/v1/automations/{copy.pk}").status_code == 204
    with in_store(store_a):
        assert not Rule.objects.filter(pk=copy.pk).exists()
