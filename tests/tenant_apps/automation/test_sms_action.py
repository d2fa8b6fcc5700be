"""The automation ``sms`` action names an SMS template of the store: a code the store does not
have (or has switched off) is refused when the rule is written (400 ``validation_error`` naming
the codes to choose from, nothing changed), and a rule whose template went away since, or an HQ
default naming a template the store lacks, fails its run with a clear message instead of raising."""

import pytest
from django.utils import timezone, translation

from hq_console import services as hq_services
from tenant_apps.automation import services, templates
from tenant_apps.automation.models import Rule, RuleRun
from tenant_apps.notifications import services as notification_services
from tenant_apps.notifications.models import Notification, SmsMessage, SmsTemplate
from tests.factories import access_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/automations"
EVENT_RULE = {
    "name": "Big orders by SMS",
    "trigger": {"event": "order.status_changed"},
    "actions": [{"type": "sms", "roles": ["supervisor"], "template": "order.reminder"}],
}
ALLOWED_BUILT_IN = "automation.alert, notification"


def post(client, data):
    return client.post(URL, data, format="json", HTTP_ACCEPT_LANGUAGE="en")


def patch(client, rule_id, data):
    return client.patch(f"{URL}/{rule_id}", data, format="json", HTTP_ACCEPT_LANGUAGE="en")


def add_template(code: str, *, enabled: bool = True) -> SmsTemplate:
    return notification_services.sms_template_set(code=code, body="{title}", name=code, enabled=enabled)


def refused_actions(response) -> str:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    (message,) = body["errors"]["actions"]
    return message


# --- writing a store rule ------------------------------------------------------------------------


def test_a_rule_naming_a_template_the_store_does_not_have_is_refused_naming_the_allowed_codes(
    store_a, users, api, in_store
):
    with in_store(store_a):
        add_template("payment.due")
    message = refused_actions(post(api(users.a_admin, store_a), EVENT_RULE))
    assert message == (
        "actions[0]: this store has no enabled SMS template order.reminder; "
        "choose from: automation.alert, notification, payment.due."
    )
    with in_store(store_a):
        assert not Rule.objects.exists()


def test_a_rule_naming_a_switched_off_template_is_refused(store_a, users, api, in_store):
    with in_store(store_a):
        add_template("order.reminder", enabled=False)
    message = refused_actions(post(api(users.a_admin, store_a), EVENT_RULE))
    assert message.endswith(f"choose from: {ALLOWED_BUILT_IN}.")
    with in_store(store_a):
        assert not Rule.objects.exists()


def test_a_rule_naming_an_enabled_template_or_a_built_in_kind_is_accepted(store_a, users, api, in_store):
    client = api(users.a_admin, store_a)
    with in_store(store_a):
        add_template("order.reminder")
    assert post(client, EVENT_RULE).status_code == 201
    built_in = {**EVENT_RULE, "name": "Alert", "actions": [{"type": "sms", "owner": True, "template": "notification"}]}
    assert post(client, built_in).status_code == 201
    default = {**EVENT_RULE, "name": "Default", "actions": [{"type": "sms", "owner": True}]}
    assert post(client, default).status_code == 201


def test_another_stores_template_does_not_count(store_a, store_b, users, api, in_store):
    with in_store(store_b):
        add_template("order.reminder")
    refused_actions(post(api(users.a_admin, store_a), EVENT_RULE))


def test_changing_a_rule_to_a_missing_template_is_refused_and_changes_nothing(store_a, users, api, in_store):
    client = api(users.a_admin, store_a)
    good = {**EVENT_RULE, "actions": [{"type": "sms", "roles": ["supervisor"]}]}
    rule_id = post(client, good).json()["id"]
    message = refused_actions(
        patch(client, rule_id, {"name": "Renamed", "actions": [{"type": "sms", "owner": True, "template": "gone"}]})
    )
    assert message.startswith("actions[0]: this store has no enabled SMS template gone;")
    with in_store(store_a):
        rule = Rule.objects.get(pk=rule_id)
        assert (rule.name, rule.actions) == ("Big orders by SMS", [{"type": "sms", "roles": ["supervisor"]}])


def test_a_badly_written_template_code_is_refused(store_a, users, api):
    bad = {**EVENT_RULE, "actions": [{"type": "sms", "owner": True, "template": "Order Reminder!"}]}
    message = refused_actions(post(api(users.a_admin, store_a), bad))
    assert message == "actions[0]: template is the code of an SMS template, such as automation.alert."


# --- firing --------------------------------------------------------------------------------------


def occurrence(key: str = "event:1") -> templates.Occurrence:
    return templates.Occurrence(
        record_type="order", record_id="41", key=key, record={"number": "SO-41"}, title="Order SO-41"
    )


def test_a_rule_whose_template_was_deleted_records_a_clear_failure(store_a, users, in_store, api):
    with in_store(store_a):
        notification_services.preferences_update(access=access_of(users.a_supervisor), mobile="13800138000")
        template = add_template("order.reminder")
    rule_id = post(api(users.a_admin, store_a), EVENT_RULE).json()["id"]
    with in_store(store_a), translation.override("en"):
        rule = Rule.objects.get(pk=rule_id)
        assert services.fire(rule=rule, occurrence=occurrence("event:1"), at=timezone.now()).outcome == "fired"
        assert SmsMessage.objects.count() == 1
        access = access_of(users.a_admin, store_a)
        notification_services.sms_template_delete(access=access, template_id=template.pk)

        run = services.fire(rule=rule, occurrence=occurrence("event:2"), at=timezone.now())

        assert run.outcome == RuleRun.Outcome.FAILED
        assert run.error == (
            f"The SMS template order.reminder is not in this store or is switched off; choose from: {ALLOWED_BUILT_IN}."
        )
        assert SmsMessage.objects.count() == 1  # nothing more sent
        (told,) = Notification.objects.filter(recipient_id=users.a_admin.pk, kind="automation.rule_failed")
        assert told.body == run.error
        rule.refresh_from_db()
        assert rule.failures_in_a_row == 1


def test_a_rule_whose_template_was_switched_off_records_a_clear_failure(store_a, users, in_store, api):
    with in_store(store_a):
        template = add_template("order.reminder")
    rule_id = post(api(users.a_admin, store_a), EVENT_RULE).json()["id"]
    with in_store(store_a), translation.override("en"):
        SmsTemplate.objects.filter(pk=template.pk).update(enabled=False)
        run = services.fire(rule=Rule.objects.get(pk=rule_id), occurrence=occurrence(), at=timezone.now())
        assert run.outcome == "failed"
        assert run.error.startswith("The SMS template order.reminder is not in this store or is switched off;")


# --- HQ default rules ----------------------------------------------------------------------------


def test_hq_publishes_an_sms_action_with_any_well_formed_code_and_refuses_a_badly_formed_one(users, api):
    client = api(users.hq_admin)
    sms = [{"type": "sms", "roles": ["admin"], "template": "hq.overdue"}]
    created = client.post(
        "/api/v1/hq/automations",
        {"name": "Overdue by SMS", "template": "receivable_overdue", "actions": sms},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["actions"] == sms
    bad = client.post(
        "/api/v1/hq/automations",
        {"name": "x", "template": "receivable_overdue", "actions": [{"type": "sms", "owner": True, "template": "A B"}]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 400 and "actions" in bad.json()["errors"]


def test_an_hq_default_naming_a_template_a_store_lacks_fails_there_and_works_where_it_exists(
    store_a, store_b, users, in_store
):
    default = hq_services.default_rule_create(
        hq_user=users.hq_admin,
        name="HQ: overdue by SMS",
        template="receivable_overdue",
        actions=[{"type": "sms", "roles": ["admin"], "template": "hq.overdue"}],
    )
    with in_store(store_a), translation.override("en"):
        services.inherit_hq_rules()
        copy = Rule.objects.get(hq_rule_id=default.pk)
        run = services.fire(rule=copy, occurrence=occurrence(), at=timezone.now())
        assert run.outcome == "failed"
        assert run.error == (
            f"The SMS template hq.overdue is not in this store or is switched off; choose from: {ALLOWED_BUILT_IN}."
        )
        assert Notification.objects.filter(kind="automation.rule_failed", data__run=run.pk).exists()
    with in_store(store_b):
        notification_services.preferences_update(access=access_of(users.b_admin), mobile="13800138001")
        add_template("hq.overdue")
        services.inherit_hq_rules()
        run = services.fire(rule=Rule.objects.get(hq_rule_id=default.pk), occurrence=occurrence(), at=timezone.now())
        assert run.outcome == "fired", run.error
        assert SmsMessage.objects.get().template == "hq.overdue"
