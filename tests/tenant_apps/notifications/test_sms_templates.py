"""SMS templates per store: the service's checks, the API (/api/v1/sms/templates), the page
/settings/sms/, and the SMS send path using the enabled template of the message's kind."""

from __future__ import annotations

import json

import pytest

from shared_apps.platform.errors import PermissionDenied, ValidationFailed
from tenant_apps.automation import actions as rule_actions
from tenant_apps.notifications import services
from tenant_apps.notifications.models import SmsMessage, SmsTemplate
from tenant_apps.notifications.sms import AliyunSmsBackend, ConsoleSmsBackend, Sms
from tests.factories import access_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/sms/templates"
PAGE = "/settings/sms/"
GOOD = {"code": "automation.alert", "name": "Alert", "provider_template_code": "SMS_1", "body": "提醒:{title}({rule})"}


def problem(errors: dict, detail: str = "Invalid SMS template.") -> dict:
    return {
        "type": "https://docs.storecrm.dev/problems/validation_error",
        "title": "Invalid input.",
        "status": 400,
        "detail": detail,
        "code": "validation_error",
        "errors": errors,
    }


@pytest.fixture
def admin_api(api, users, store_a):
    return api(users.a_admin, store_a)


def post(client, data):
    return client.post(URL, data, format="json", HTTP_ACCEPT_LANGUAGE="en")


def count(in_store, store) -> int:
    with in_store(store):
        return SmsTemplate.objects.count()


# --- API --------------------------------------------------------------------------------------------


def test_admin_creates_lists_reads_patches_and_deletes_a_template(admin_api, in_store, store_a):
    response = post(admin_api, GOOD)
    assert response.status_code == 201, response.content
    created = response.json()
    assert {k: v for k, v in created.items() if k not in ("id", "updated_at")} == {
        **GOOD,
        "enabled": True,
        "placeholders": ["title", "rule"],
    }
    assert created["updated_at"]

    listed = admin_api.get(URL).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == created["id"]
    assert admin_api.get(f"{URL}/{created['id']}").json() == created

    patched = admin_api.patch(f"{URL}/{created['id']}", {"enabled": False, "body": "{title}"}, format="json")
    assert patched.status_code == 200
    assert (patched.json()["enabled"], patched.json()["body"], patched.json()["placeholders"]) == (
        False,
        "{title}",
        ["title"],
    )
    assert patched.json()["code"] == "automation.alert"  # fields left out keep their values

    assert admin_api.delete(f"{URL}/{created['id']}").status_code == 204
    assert admin_api.get(f"{URL}/{created['id']}").status_code == 404
    assert count(in_store, store_a) == 0


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"body": "Hi {customer}"},
            {"body": ["Unknown placeholders: {customer}. Use only {title}, {rule}."]},
        ),
        (
            {"body": "Hi {title:>5} {0}"},
            {"body": ["Unknown placeholders: {title:>5}, {0}. Use only {title}, {rule}."]},
        ),
        (
            {"body": "Hi {title"},
            {"body": ["Unbalanced braces: write a placeholder as {title}, a literal brace as {{ or }}."]},
        ),
        (
            {"body": "Hi title}"},
            {"body": ["Unbalanced braces: write a placeholder as {title}, a literal brace as {{ or }}."]},
        ),
        ({"body": "  "}, {"body": ["A text of 1 to 500 characters is required."]}),
        ({"body": "x" * 501}, {"body": ["A text of 1 to 500 characters is required."]}),
        (
            {"code": "Automation Alert"},
            {
                "code": [
                    "Use lowercase letters and digits, joined by single dots, hyphens or underscores, "
                    "such as automation.alert."
                ]
            },
        ),
        ({"code": ""}, {"code": ["A code of 1 to 64 characters is required."]}),
        ({"name": ""}, {"name": ["A name of 1 to 120 characters is required."]}),
        (
            {"provider_template_code": "SMS 1"},
            {
                "provider_template_code": [
                    "The provider's template code is up to 64 letters, digits, hyphens or underscores, "
                    "such as SMS_154950909."
                ]
            },
        ),
        ({"enabled": "yes"}, {"enabled": ["Give true or false."]}),
        ({"body": 5}, {"body": ["Give a text."]}),
        ({"colour": "red"}, {"colour": ["Unknown field."]}),
    ],
)
def test_a_bad_template_is_refused_with_the_field_named_and_nothing_stored(
    admin_api, in_store, store_a, change, errors
):
    response = post(admin_api, {**GOOD, **change})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json() == problem(errors)
    assert count(in_store, store_a) == 0


def test_a_second_template_with_the_same_code_is_refused(admin_api, in_store, store_a):
    assert post(admin_api, GOOD).status_code == 201

    response = post(admin_api, {**GOOD, "name": "Again"})

    assert response.status_code == 400
    assert response.json() == problem({"code": ["This store already has an SMS template with this code."]})
    assert count(in_store, store_a) == 1


def test_a_patch_to_another_templates_code_is_refused_and_changes_nothing(admin_api, in_store, store_a):
    assert post(admin_api, GOOD).status_code == 201
    other = post(admin_api, {**GOOD, "code": "notification", "body": "{title}"}).json()

    response = admin_api.patch(
        f"{URL}/{other['id']}",
        {"code": "automation.alert", "name": "Renamed"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json() == problem({"code": ["This store already has an SMS template with this code."]})
    with in_store(store_a):
        row = SmsTemplate.objects.get(pk=other["id"])
        assert (row.code, row.name) == ("notification", "Alert")


def test_a_patch_with_a_bad_body_changes_nothing(admin_api, in_store, store_a):
    created = post(admin_api, GOOD).json()

    response = admin_api.patch(
        f"{URL}/{created['id']}", {"name": "New", "body": "{who}"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.json() == problem({"body": ["Unknown placeholders: {who}. Use only {title}, {rule}."]})
    with in_store(store_a):
        assert SmsTemplate.objects.get(pk=created["id"]).name == "Alert"


def test_errors_are_in_chinese_by_default(admin_api):
    response = admin_api.post(URL, {**GOOD, "body": "{who}"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["body"] == ["未知的占位符：{who}。只能使用 {title}, {rule}。"]


@pytest.mark.parametrize("who", ["a_supervisor", "a_sales", "a_finance", "a_warehouse", "hq_admin"])
def test_only_store_admins_reach_the_templates(api, users, store_a, in_store, who):
    with in_store(store_a):
        row = services.sms_template_set(code="notification", body="{title}")
    client = api(users[who], store_a)

    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}/{row.pk}").status_code == 403
    response = post(client, GOOD)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert client.patch(f"{URL}/{row.pk}", {"enabled": False}, format="json").status_code == 403
    assert client.delete(f"{URL}/{row.pk}").status_code == 403
    with in_store(store_a):
        assert list(SmsTemplate.objects.values_list("code", "enabled")) == [("notification", True)]


def test_store_b_sees_none_of_store_as_templates(api, users, store_a, store_b, in_store):
    with in_store(store_a):
        row = services.sms_template_set(code="notification", body="{title}")
    client = api(users.b_admin, store_b)

    assert client.get(URL).json()["count"] == 0
    assert client.get(f"{URL}/{row.pk}").status_code == 404
    assert client.patch(f"{URL}/{row.pk}", {"enabled": False}, format="json").status_code == 404
    assert client.delete(f"{URL}/{row.pk}").status_code == 404
    # the same code is free in another store
    assert post(client, {**GOOD, "code": "notification"}).status_code == 201
    with in_store(store_a):
        assert SmsTemplate.objects.get().enabled is True


# --- services ---------------------------------------------------------------------------------------


def test_services_refuse_anyone_but_a_store_admin(users, store_a, in_store):
    with in_store(store_a):
        access = access_of(users.a_supervisor, store_a)
        with pytest.raises(PermissionDenied):
            services.sms_template_create(access=access, data=GOOD)
        assert SmsTemplate.objects.count() == 0


def test_service_create_and_update_check_everything_first(users, store_a, in_store):
    with in_store(store_a):
        access = access_of(users.a_admin, store_a)
        row = services.sms_template_create(access=access, data={**GOOD, "body": "{{literal}} {title}"})
        assert services.sms_placeholders(row.body) == ["title"]
        with pytest.raises(ValidationFailed) as refused:
            services.sms_template_update(access=access, template_id=row.pk, data={"body": "{x", "name": ""})
        assert set(refused.value.errors) == {"body", "name"}
        row.refresh_from_db()
        assert (row.name, row.body) == ("Alert", "{{literal}} {title}")


def test_template_set_goes_through_the_same_checks(store_a, in_store):
    with in_store(store_a):
        with pytest.raises(ValidationFailed) as refused:
            services.sms_template_set(code="notification", body="Hi {name}")
        assert list(refused.value.errors) == ["body"]
        services.sms_template_set(code="notification", body="{title}")
        services.sms_template_set(code="notification", body="{rule}: {title}", provider_template_code="SMS_2")
        assert list(SmsTemplate.objects.values_list("code", "body", "provider_template_code")) == [
            ("notification", "{rule}: {title}", "SMS_2")
        ]


# --- sending ----------------------------------------------------------------------------------------


@pytest.fixture
def console_outbox(settings):
    settings.SMS_BACKEND = "tenant_apps.notifications.sms.ConsoleSmsBackend"
    ConsoleSmsBackend.outbox = []
    yield ConsoleSmsBackend.outbox
    ConsoleSmsBackend.outbox = []


class Rule:
    pk = 1
    name = "Dispatch watch"

    def __init__(self, actions):
        self.actions = actions


class Occurrence:
    title = "Order SO-1 not shipped"
    url = "/sales/orders/1/"
    record = {"number": "SO-1"}
    record_type = "order"
    record_id = "1"
    owner_id = None


def _send_by_rule(users, django_capture_on_commit_callbacks):
    rule = Rule([{"type": "sms", "users": [users.a_sales.pk]}])
    with django_capture_on_commit_callbacks(execute=True):
        rule_actions.execute(rule=rule, occurrence=Occurrence(), run=None, access=None)


def test_an_automation_sms_uses_the_stores_enabled_template(
    store_a, users, in_store, console_outbox, capsys, django_capture_on_commit_callbacks
):
    with in_store(store_a):
        services.preferences_update(access=access_of(users.a_sales), mobile="13800138000")
        services.sms_settings_update(signature="托盘商城")
        services.sms_template_set(
            code="automation.alert", body="【提醒】{rule}:{title}", provider_template_code="SMS_9"
        )
        _send_by_rule(users, django_capture_on_commit_callbacks)
        assert SmsMessage.objects.get().status == "sent"
    assert console_outbox == [
        Sms(
            mobile="+8613800138000",
            signature="托盘商城",
            template_code="SMS_9",
            params={"title": "Order SO-1 not shipped", "rule": "Dispatch watch"},
            text="【提醒】Dispatch watch:Order SO-1 not shipped",
        )
    ]
    assert "SMS to +8613800138000: 【托盘商城】【提醒】Dispatch watch:Order SO-1 not shipped" in capsys.readouterr().out


def test_a_disabled_template_is_not_used(store_a, users, in_store, console_outbox, django_capture_on_commit_callbacks):
    with in_store(store_a):
        services.preferences_update(access=access_of(users.a_sales), mobile="13800138000")
        services.sms_template_set(code="automation.alert", body="{rule}", provider_template_code="SMS_9", enabled=False)
        _send_by_rule(users, django_capture_on_commit_callbacks)
    ((message,),) = [console_outbox]
    assert (message.template_code, message.text) == ("", "Order SO-1 not shipped")  # the built-in text


def test_without_a_template_the_sms_goes_as_before(
    store_a, users, in_store, console_outbox, django_capture_on_commit_callbacks
):
    with in_store(store_a):
        services.preferences_update(access=access_of(users.a_sales), mobile="13800138000")
        _send_by_rule(users, django_capture_on_commit_callbacks)
    assert [(m.template_code, m.text) for m in console_outbox] == [("", "Order SO-1 not shipped")]


class FakeAliyunClient:
    def __init__(self):
        self.requests = []

    def send_sms(self, request):
        from types import SimpleNamespace

        self.requests.append(request)
        return SimpleNamespace(body=SimpleNamespace(code="OK", message="OK", biz_id="1^0", request_id="R"))


def test_aliyun_gets_the_templates_provider_code_and_the_parameters(
    store_a, users, in_store, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "tenant_apps.notifications.sms.AliyunSmsBackend"
    fake = FakeAliyunClient()
    monkeypatch.setattr(AliyunSmsBackend, "client", lambda self: fake)
    with in_store(store_a):
        services.preferences_update(access=access_of(users.a_sales), mobile="13800138000")
        services.sms_settings_update(signature="托盘商城")
        services.sms_template_set(code="automation.alert", body="{title}", provider_template_code="SMS_154950909")
        _send_by_rule(users, django_capture_on_commit_callbacks)
        assert SmsMessage.objects.get().status == "sent"
    ((request,),) = [fake.requests]
    assert (request.sign_name, request.template_code, json.loads(request.template_param)) == (
        "托盘商城",
        "SMS_154950909",
        {"title": "Order SO-1 not shipped", "rule": "Dispatch watch"},
    )


# --- page -------------------------------------------------------------------------------------------


def test_page_lists_the_templates(page_client, users, store_a, in_store):
    with in_store(store_a):
        services.sms_template_set(code="automation.alert", name="Alert", body="{title}", provider_template_code="SMS_9")
    response = page_client(users.a_admin, store_a).get(PAGE, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="sms-templates-table"' in html and "SMS_9" in html and "automation.alert" in html
    assert 'data-label="Provider template code"' in html  # the label of each value on a phone's card


def test_page_posts_a_new_template(page_client, users, store_a, in_store):
    response = page_client(users.a_admin, store_a).post(
        PAGE, {"action": "add", **GOOD, "enabled": "1"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 302 and response["Location"] == PAGE
    with in_store(store_a):
        assert list(SmsTemplate.objects.values_list("code", "provider_template_code", "body", "enabled")) == [
            ("automation.alert", "SMS_1", GOOD["body"], True)
        ]


def test_page_shows_the_error_next_to_the_field_and_stores_nothing(page_client, users, store_a, in_store):
    response = page_client(users.a_admin, store_a).post(
        PAGE, {"action": "add", **GOOD, "body": "Hi {who}"}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en"
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "<html" not in html and 'id="sms-templates"' in html
    assert '<div class="invalid-feedback" id="sms-new-body-error" data-testid="error-body">' in html
    assert "Unknown placeholders: {who}. Use only {title}, {rule}." in html
    assert 'id="sms-new-code" name="code" maxlength="64" required value="automation.alert"' in html  # kept
    assert count(in_store, store_a) == 0


def test_page_switches_a_template_off_and_deletes_it(page_client, users, store_a, in_store):
    with in_store(store_a):
        row = services.sms_template_set(code="notification", body="{title}")
    client = page_client(users.a_admin, store_a)

    response = client.post(PAGE, {"action": "disable", "template": row.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-testid="sms-done"' in response.content.decode()
    with in_store(store_a):
        assert SmsTemplate.objects.get().enabled is False
    assert client.post(PAGE, {"action": "delete", "template": row.pk}).status_code == 302
    assert count(in_store, store_a) == 0


def test_edit_page_saves_and_refuses_a_bad_change(page_client, users, store_a, in_store):
    with in_store(store_a):
        row = services.sms_template_set(code="notification", body="{title}")
    client = page_client(users.a_admin, store_a)
    edit = f"{PAGE}{row.pk}/"

    assert client.get(edit).status_code == 200
    bad = client.post(edit, {"code": "notification", "name": "N", "body": "{title", "enabled": "1"})
    assert bad.status_code == 422 and 'data-testid="error-body"' in bad.content.decode()
    good = client.post(edit, {"code": "notification", "name": "N", "body": "{rule}", "provider_template_code": "S_1"})
    assert good.status_code == 302
    with in_store(store_a):
        row.refresh_from_db()
        assert (row.name, row.body, row.provider_template_code, row.enabled) == ("N", "{rule}", "S_1", False)


def test_page_is_for_store_admins_only(page_client, users, store_a, in_store):
    client = page_client(users.a_supervisor, store_a)

    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"action": "add", **GOOD}).status_code == 403
    assert count(in_store, store_a) == 0


def test_template_changes_are_in_the_action_log(admin_api, in_store, store_a, users):
    from tenant_apps.audit.models import ActionEntry

    created = post(admin_api, GOOD).json()
    admin_api.patch(f"{URL}/{created['id']}", {"enabled": False}, format="json")
    admin_api.delete(f"{URL}/{created['id']}")

    with in_store(store_a):
        entries = ActionEntry.objects.filter(object_type="notifications.smstemplate", object_id=str(created["id"]))
        assert sorted(entries.values_list("action", flat=True)) == ["create", "delete", "update"]
        update = entries.get(action="update")
        assert (update.actor_id, update.changes) == (users.a_admin.pk, {"enabled": [True, False]})
