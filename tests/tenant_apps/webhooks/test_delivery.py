"""Delivering: Standard Webhooks signatures verified by a receiver, the SSRF guard, backoff for 24
hours and auto-disable after 3 days (time-machine), per-entity order, redelivery, timeouts and
parallel sending within one endpoint."""

from __future__ import annotations

import json
import socket
import time
from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from bench.webhook_receiver import Answer
from tenant_apps.notifications.models import Notification
from tenant_apps.webhooks import sending, services, targets
from tenant_apps.webhooks.models import Delivery, Endpoint
from tenant_apps.webhooks.services import delivering
from tests.tenant_apps.webhooks.conftest import event

pytestmark = pytest.mark.django_db


def _endpoint(receiver, path="/hook", events=("*",)) -> Endpoint:
    endpoint = services.endpoint_create(data={"url": receiver.url(path), "events": list(events)})
    receiver.secrets[path] = endpoint.secret
    return endpoint


@override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True)
def test_every_delivery_is_signed_and_verified_by_the_receiver(a, receiver):
    endpoint = _endpoint(receiver)
    other = services.endpoint_create(data={"url": receiver.url("/other"), "events": ["payment.confirmed"]})
    events = [event("order.created", entity_id=n) for n in range(1, 4)]
    services.deliveries_for(events)
    outcome = services.deliver_due(endpoint_id=endpoint.pk)
    assert outcome == {"sent": 3, "succeeded": 3}
    got = receiver.on("/hook")
    assert len(got) == 3 and all(r.verified for r in got)
    assert receiver.on("/other") == []  # not subscribed to order.created
    assert services.deliver_due(endpoint_id=other.pk) == {"sent": 0, "succeeded": 0}
    first = sorted(got, key=lambda r: r.json()["data"]["id"])[0]
    body = first.json()
    assert set(body) == {"id", "type", "created_at", "store", "data"}
    assert (body["type"], body["store"], body["data"]["id"]) == ("order.created", "alpha", 1)
    assert first.webhook_id == body["id"] == str(events[0].event_id)
    assert first.headers["content-type"] == "application/json"
    assert first.headers["webhook-signature"].startswith("v1,")
    # A forged body fails the same check.
    forged = dict(first.headers)
    from standardwebhooks import Webhook
    from standardwebhooks.webhooks import WebhookVerificationError

    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(first.body.decode().replace('"id":1', '"id":2'), forged)
    rows = list(Delivery.objects.filter(endpoint=endpoint).values_list("status", "attempt", "response_status"))
    assert rows == [("succeeded", 1, 200)] * 3


# --- the SSRF guard ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://100.64.0.1/hook",
        "http://localhost/hook",
    ],
)
@override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=False)
def test_private_loopback_link_local_and_metadata_targets_are_refused(url):
    with pytest.raises(targets.TargetRefused):
        targets.resolve(url)
    with pytest.raises(targets.TargetRefused):
        targets.check_literal(url)


@override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=False)
def test_a_host_name_resolving_to_a_private_address_is_refused_after_dns(monkeypatch):
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "hooks.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 443))]
        if host == "mixed.example.com":
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443)),
            ]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    targets.check_literal("https://hooks.example.com/x")  # no DNS when saved
    with pytest.raises(targets.TargetRefused, match=r"10\.0\.0\.7"):
        targets.resolve("https://hooks.example.com/x")
    with pytest.raises(targets.TargetRefused, match=r"127\.0\.0\.1"):
        targets.resolve("https://mixed.example.com/x")
    outcome = sending.send(
        "https://hooks.example.com/x", msg_id="msg_1", body="{}", secret=services.new_secret(), at=timezone.now()
    )
    assert not outcome.ok and outcome.error.startswith("refused") and outcome.status is None


@override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=False)
def test_a_redirect_to_a_private_address_is_refused(receiver, monkeypatch):
    """The first hop is allowed (the test's receiver counts as public here); its 307 to the metadata
    address is checked again and refused: nothing is sent there."""
    real = targets.is_public
    monkeypatch.setattr(targets, "is_public", lambda address: address == "127.0.0.1" or real(address))
    receiver.answer = lambda path, n: Answer(307, headers={"location": "http://169.254.169.254/latest/meta-data/"})
    outcome = sending.send(
        receiver.url("/hop"), msg_id="msg_2", body="{}", secret=services.new_secret(), at=timezone.now()
    )
    assert not outcome.ok
    assert "refused" in outcome.error and "169.254.169.254" in outcome.error
    assert len(receiver.on("/hop")) == 1


@override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True)
def test_a_permanent_redirect_to_an_allowed_target_is_followed_with_the_same_signature(receiver):
    secret = services.new_secret()
    receiver.secrets["/new"] = secret
    receiver.answer = lambda path, n: Answer(308, headers={"location": "/new"}) if path == "/old" else Answer(204)
    outcome = sending.send(receiver.url("/old"), msg_id="msg_3", body='{"a":1}', secret=secret, at=timezone.now())
    assert outcome.ok and outcome.status == 204
    assert [r.verified for r in receiver.on("/new")] == [True]


# --- retries, backoff, disabling --------------------------------------------------------------------


@override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True)
def test_failures_are_retried_with_backoff_for_24_hours_then_failed(a, receiver):
    endpoint = _endpoint(receiver)
    receiver.answer = lambda path, n: Answer(500)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        services.deliveries_for([event()])
        services.deliver_due(endpoint_id=endpoint.pk)
        delivery = Delivery.objects.get(endpoint=endpoint)
        assert (delivery.status, delivery.attempt, delivery.response_status) == ("pending", 1, 500)
        assert delivery.next_attempt_at == start + timedelta(seconds=5)
        # Not due yet: nothing is sent.
        assert services.deliver_due(endpoint_id=endpoint.pk) == {"sent": 0, "succeeded": 0}
        gaps = []
        while delivery.status == "pending":
            clock.move_to(delivery.next_attempt_at)
            before = delivery.next_attempt_at
            services.deliver_due(endpoint_id=endpoint.pk)
            delivery.refresh_from_db()
            if delivery.next_attempt_at:
                gaps.append(delivery.next_attempt_at - before)
        assert gaps[:5] == [
            timedelta(minutes=5),
            timedelta(minutes=30),
            timedelta(hours=2),
            timedelta(hours=5),
            timedelta(hours=10),
        ]
        # The last retry is held to 24 hours after the first attempt.
        assert gaps[5] == timedelta(hours=24) - timedelta(hours=17, minutes=35, seconds=5)
        assert delivery.status == "failed"
        assert delivery.last_attempt_at == start + timedelta(hours=24)
        assert delivery.attempt == len(receiver.on("/hook")) == 8
        endpoint.refresh_from_db()
        assert endpoint.active and endpoint.failing_since == start


@override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True)
def test_an_endpoint_failing_for_3_days_is_disabled_and_the_admins_are_told(a, receiver, users):
    endpoint = _endpoint(receiver)
    receiver.answer = lambda path, n: Answer(503)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for day in range(4):
            clock.move_to(start + timedelta(days=day, hours=1))
            services.deliveries_for([event(entity_id=day)])
            services.deliver_due(endpoint_id=endpoint.pk)
            endpoint.refresh_from_db()
            assert endpoint.active == (day < 3)
        assert endpoint.disabled_reason
        told = Notification.objects.filter(kind="webhooks.endpoint_disabled")
        assert set(told.values_list("recipient_id", flat=True)) == {users.a_admin.pk}
        # A disabled endpoint is not sent to.
        services.deliveries_for([event(entity_id=9)])
        assert services.deliver_due(endpoint_id=endpoint.pk) == {"sent": 0, "succeeded": 0}


@override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True)
def test_one_success_resets_the_failure_clock(a, receiver):
    endpoint = _endpoint(receiver)
    receiver.answer = lambda path, n: Answer(500 if n == 1 else 200)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        services.deliveries_for([event(entity_id=1)])
        services.deliver_due(endpoint_id=endpoint.pk)
        assert Endpoint.objects.get(pk=endpoint.pk).failing_since == start
        clock.move_to(start + timedelta(days=2, hours=23))
        services.deliveries_for([event(entity_id=2)])
        services.deliver_due(endpoint_id=endpoint.pk)
        assert Endpoint.objects.get(pk=endpoint.pk).failing_since is None


# --- order, redelivery, time limits -----------------------------------------------------------------


@override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True)
def test_events_of_one_entity_are_delivered_in_order(a, receiver):
    endpoint = _endpoint(receiver)
    # The first delivery of order 1 fails once; order 2's events are not held up by it.
    receiver.answer = lambda path, n: Answer(500) if n == 1 else Answer(200)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        services.deliveries_for([event("order.created", entity_id=1)])
        services.deliver_due(endpoint_id=endpoint.pk)  # fails: retry in 5 s
        services.deliveries_for([event("order.status_changed", entity_id=1), event("order.created", entity_id=2)])
        services.deliver_due(endpoint_id=endpoint.pk)
        sent = [(r.json()["type"], r.json()["data"]["id"]) for r in receiver.on("/hook")]
        # Order 2 went; order 1's second event waits behind its first.
        assert sent == [("order.created", 1), ("order.created", 2)]
        clock.move_to(start + timedelta(seconds=5))
        services.deliver_due(endpoint_id=endpoint.pk)
        sent = [(r.json()["type"], r.json()["data"]["id"]) for r in receiver.on("/hook")]
        assert sent[2:] == [("order.created", 1), ("order.status_changed", 1)]
    assert set(Delivery.objects.filter(endpoint=endpoint).values_list("status", flat=True)) == {"succeeded"}


@override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True)
def test_a_redelivery_sends_the_same_event_again_with_the_same_webhook_id(a, receiver):
    endpoint = _endpoint(receiver)
    services.deliveries_for([event()])
    services.deliver_due(endpoint_id=endpoint.pk)
    original = Delivery.objects.get(endpoint=endpoint)
    again = services.redeliver(endpoint_id=endpoint.pk, delivery_id=original.pk)
    assert (again.manual, again.event_id, again.status) == (True, original.event_id, "pending")
    services.deliver_due(endpoint_id=endpoint.pk)
    got = receiver.on("/hook")
    assert [r.webhook_id for r in got] == [str(original.event_id)] * 2
    assert got[0].body == got[1].body and all(r.verified for r in got)
    assert receiver.unique_ids("/hook") == {str(original.event_id)}


@override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True, WEBHOOK_TIMEOUT_SECONDS=1)
def test_an_answer_slower_than_the_timeout_is_a_failure(a, receiver):
    endpoint = _endpoint(receiver)
    receiver.answer = lambda path, n: Answer(200, delay=2.5)
    services.deliveries_for([event()])
    started = time.monotonic()
    services.deliver_due(endpoint_id=endpoint.pk)
    assert time.monotonic() - started < 2.4
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.error, delivery.response_status) == ("pending", "timed out", None)


@override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True)
def test_a_slow_endpoint_gets_its_entities_in_parallel_and_holds_up_no_other_endpoint(a, receiver):
    slow, fast = _endpoint(receiver, "/slow"), _endpoint(receiver, "/fast")
    receiver.answer = lambda path, n: Answer(200, delay=2.0 if path == "/slow" else 0)
    services.deliveries_for([event(entity_id=n) for n in range(8)])
    # Each endpoint has its own runner (its own task): the fast one's run sends nothing to the slow one.
    assert services.deliver_due(endpoint_id=fast.pk) == {"sent": 8, "succeeded": 8}
    assert (len(receiver.on("/fast")), len(receiver.on("/slow"))) == (8, 0)
    started = time.monotonic()
    assert services.deliver_due(endpoint_id=slow.pk) == {"sent": 8, "succeeded": 8}
    assert time.monotonic() - started < 8.0  # eight 2-second answers, sent side by side (16 s one by one)
    assert len(receiver.on("/slow")) == 8


@override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True)
def test_the_test_event_is_logged_and_sent_to_its_endpoint_only(a, receiver):
    endpoint, other = _endpoint(receiver, "/one"), _endpoint(receiver, "/two")
    delivery = services.send_test(endpoint_id=endpoint.pk)
    services.deliver_due(endpoint_id=endpoint.pk)
    services.deliver_due(endpoint_id=other.pk)
    got = receiver.on("/one")
    assert [r.json()["type"] for r in got] == ["webhook.test"] and got[0].verified
    assert got[0].webhook_id == str(delivery.event_id)
    assert receiver.on("/two") == []
    from tenant_apps.outbox.models import OutboxEvent

    assert OutboxEvent.objects.filter(type="webhook.test", event_id=delivery.event_id).exists()
    assert json.loads(delivery.body)["data"]["endpoint"] == endpoint.pk


@override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True)
def test_a_delivery_sent_but_not_recorded_is_sent_again_and_the_receiver_keeps_one(a, receiver, monkeypatch):
    """The worker dies after the receiver answered and before the outcome is written: the delivery
    is still pending and goes again (at least once); the receiver de-duplicates by webhook-id."""
    endpoint = _endpoint(receiver)
    services.deliveries_for([event()])
    real = delivering._record

    def dies(**kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(delivering, "_record", dies)
    with pytest.raises(SystemExit):
        services.deliver_due(endpoint_id=endpoint.pk)
    monkeypatch.setattr(delivering, "_record", real)
    assert Delivery.objects.get(endpoint=endpoint).status == "pending"
    services.deliver_due(endpoint_id=endpoint.pk)
    assert Delivery.objects.get(endpoint=endpoint).status == "succeeded"
    assert len(receiver.on("/hook")) == 2
    assert len(receiver.unique_ids("/hook")) == 1
