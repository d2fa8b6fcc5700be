"""Preferences per kind, digests, SMS (console and Aliyun through a fake SDK client)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from tenant_apps.notifications import services
from tenant_apps.notifications.models import Notification, SmsMessage
from tenant_apps.notifications.sms import AliyunSmsBackend, ConsoleSmsBackend, Sms, SmsError
from tests.factories import access_of

pytestmark = pytest.mark.django_db


def test_email_follows_the_members_choice_for_the_kind(
    store_a, users, in_store, mailoutbox, django_capture_on_commit_callbacks
):
    with in_store(store_a):
        services.preferences_update(access=access_of(users.a_sales), email={"kanban.task_assigned": False})
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(recipients=[users.a_sales, users.a_sales2], kind="kanban.task_assigned", title="Do it")
    # a_sales said no; a_sales2 keeps the kind's default (email on).
    assert [m.to for m in mailoutbox] == [[users.a_sales2.email]]


def test_a_kind_off_by_default_is_emailed_to_who_asked_for_it(
    store_a, users, in_store, mailoutbox, django_capture_on_commit_callbacks
):
    with in_store(store_a):
        services.preferences_update(access=access_of(users.a_sales), email={"sales.order_shipped": True})
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(recipients=[users.a_sales, users.a_sales2], kind="sales.order_shipped", title="Shipped")
    assert [m.to for m in mailoutbox] == [[users.a_sales.email]]


def test_unknown_kind_in_preferences_is_refused_and_changes_nothing(store_a, users, in_store, api):
    response = api(users.a_sales, store_a).patch(
        "/api/v1/notifications/preferences",
        {"email": {"pool.released": False, "no.such": True}},
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "email" in response.json()["errors"]
    body = api(users.a_sales, store_a).get("/api/v1/notifications/preferences").json()
    assert {k["kind"]: k["email"] for k in body["kinds"]}["pool.released"] is True


def test_preferences_api_round_trip(store_a, users, api):
    client = api(users.a_sales, store_a)
    response = client.patch(
        "/api/v1/notifications/preferences",
        {"email": {"pool.released": False}, "mobile": "138 0013 8000", "sms_opt_out": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert {k["kind"]: k["email"] for k in body["kinds"]}["pool.released"] is False
    assert body["mobile"] == "+8613800138000" and body["sms_opt_out"] is True


def test_preferences_page_saves_choices(store_a, users, page_client, in_store):
    client = page_client(users.a_sales, store_a)
    assert client.get("/notifications/preferences/").status_code == 200
    response = client.post("/notifications/preferences/", {"email": ["sales.order_shipped"], "mobile": ""})
    assert response.status_code == 200
    with in_store(store_a):
        kinds = {k["kind"]: k["email"] for k in services.preferences_get(access=access_of(users.a_sales))["kinds"]}
    assert kinds["sales.order_shipped"] is True and kinds["pool.released"] is False


def test_many_of_one_kind_within_the_window_become_one_digest(store_a, users, in_store):
    start = timezone.now()
    with in_store(store_a), time_machine.travel(start, tick=False) as clock:
        for n in range(45):
            services.notify(
                recipients=[users.a_sales], kind="pool.released", title=f"Customer {n} released", url=f"/customers/{n}/"
            )
            clock.shift(timedelta(seconds=5))
        rows = list(Notification.objects.filter(recipient_id=users.a_sales.pk, kind="pool.released"))
        assert len(rows) == 1
        assert rows[0].count == 45
        assert rows[0].url == "/pool/"
        assert "Customer 44 released" in rows[0].body
        # After the window a new one starts.
        clock.shift(timedelta(minutes=11))
        services.notify(recipients=[users.a_sales], kind="pool.released", title="Later")
        assert Notification.objects.filter(recipient_id=users.a_sales.pk, kind="pool.released").count() == 2


def test_a_digest_is_emailed_once_when_its_window_closes(store_a, users, in_store, mailoutbox):
    start = timezone.now()
    with in_store(store_a), time_machine.travel(start, tick=False) as clock:
        for n in range(3):
            services.notify(recipients=[users.a_sales], kind="pool.released", title=f"Customer {n} released")
        assert services.send_digests(at=timezone.now()) == 0
        clock.shift(timedelta(minutes=10))
        assert services.send_digests(at=timezone.now()) == 1
        assert services.send_digests(at=timezone.now()) == 0
    assert len(mailoutbox) == 1 and "Customer 2 released" in mailoutbox[0].body


def test_kinds_that_are_not_digests_stay_separate(store_a, users, in_store):
    with in_store(store_a):
        for n in range(3):
            services.notify(recipients=[users.a_sales], kind="sales.order_shipped", title=f"Order {n}")
        assert Notification.objects.filter(recipient_id=users.a_sales.pk, kind="sales.order_shipped").count() == 3


# --- SMS --------------------------------------------------------------------------------------------


@pytest.fixture
def console_outbox(settings):
    settings.SMS_BACKEND = "tenant_apps.notifications.sms.ConsoleSmsBackend"
    ConsoleSmsBackend.outbox = []
    yield ConsoleSmsBackend.outbox
    ConsoleSmsBackend.outbox = []


def test_sms_goes_with_the_store_signature_and_template(
    store_a, users, in_store, console_outbox, django_capture_on_commit_callbacks
):
    with in_store(store_a):
        services.preferences_update(access=access_of(users.a_sales), mobile="13800138000")
        services.sms_settings_update(signature="托盘商城")
        services.sms_template_set(code="automation.alert", body="提醒:{title}", provider_template_code="SMS_1")
        with django_capture_on_commit_callbacks(execute=True):
            made = services.sms_send(
                recipients=[users.a_sales, users.a_sales2], template="automation.alert", params={"title": "订单未发货"}
            )
        assert [m.mobile for m in made] == ["+8613800138000"]  # a_sales2 has no number
        assert SmsMessage.objects.get().status == "sent"
    assert console_outbox == [
        Sms(
            mobile="+8613800138000",
            signature="托盘商城",
            template_code="SMS_1",
            params={"title": "订单未发货"},
            text="提醒:订单未发货",
        )
    ]


def test_opted_out_members_get_no_sms(store_a, users, in_store, console_outbox, django_capture_on_commit_callbacks):
    with in_store(store_a):
        services.preferences_update(access=access_of(users.a_sales), mobile="13800138000", sms_opt_out=True)
        with django_capture_on_commit_callbacks(execute=True):
            made = services.sms_send(recipients=[users.a_sales], template="notification", params={"title": "x"})
        assert [m.status for m in made] == ["opted_out"]
    assert console_outbox == []


def test_sms_rate_limit_per_number(
    store_a, users, in_store, console_outbox, settings, django_capture_on_commit_callbacks
):
    settings.SMS_RATE_LIMIT_PER_HOUR = 2
    start = timezone.now()
    with in_store(store_a), time_machine.travel(start, tick=False) as clock:
        services.preferences_update(access=access_of(users.a_sales), mobile="13800138000")
        with django_capture_on_commit_callbacks(execute=True):
            statuses = [
                services.sms_send(recipients=[users.a_sales], template="notification", params={"title": n})[0].status
                for n in range(3)
            ]
        assert statuses == ["queued", "queued", "rate_limited"]
        clock.shift(timedelta(hours=1, seconds=1))
        assert (
            services.sms_send(recipients=[users.a_sales], template="notification", params={"title": 4})[0].status
            == "queued"
        )
    assert len(console_outbox) == 2


class FakeAliyunClient:
    """Stands in for alibabacloud_dysmsapi20170525.client.Client: records requests, answers like it."""

    def __init__(self, code="OK", message="OK"):
        self.requests = []
        self.code, self.message = code, message

    def send_sms(self, request):
        self.requests.append(request)
        return SimpleNamespace(
            body=SimpleNamespace(
                code=self.code, message=self.message, biz_id="900619746936498440^0", request_id="F655A8D5"
            )
        )


def _message():
    return Sms(
        mobile="+8613800138000", signature="托盘商城", template_code="SMS_154950909", params={"code": "1234"}, text=""
    )


def test_aliyun_backend_sends_the_sdk_request():
    client = FakeAliyunClient()
    assert AliyunSmsBackend(client=client).send(_message()) == "900619746936498440^0"
    (request,) = client.requests
    assert (request.phone_numbers, request.sign_name, request.template_code, request.template_param) == (
        "+8613800138000",
        "托盘商城",
        "SMS_154950909",
        '{"code": "1234"}',
    )


def test_aliyun_backend_refusal_is_an_error_with_the_reason():
    with pytest.raises(SmsError, match=r"isv\.BUSINESS_LIMIT_CONTROL"):
        AliyunSmsBackend(client=FakeAliyunClient(code="isv.BUSINESS_LIMIT_CONTROL", message="limit")).send(_message())


def test_a_refused_sms_is_logged_failed_with_the_reason(
    store_a, users, in_store, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "tenant_apps.notifications.sms.AliyunSmsBackend"
    fake = FakeAliyunClient(code="isv.MOBILE_NUMBER_ILLEGAL", message="bad number")
    monkeypatch.setattr(AliyunSmsBackend, "client", lambda self: fake)
    with in_store(store_a):
        services.preferences_update(access=access_of(users.a_sales), mobile="13800138000")
        services.sms_template_set(code="notification", body="{title}", provider_template_code="SMS_1")
        with django_capture_on_commit_callbacks(execute=True):
            services.sms_send(recipients=[users.a_sales], template="notification", params={"title": "x"})
        message = SmsMessage.objects.get()
        assert message.status == "failed" and "MOBILE_NUMBER_ILLEGAL" in message.error
    assert len(fake.requests) == 1
