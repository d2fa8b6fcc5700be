"""``/api/v1/webhooks`` (api.md): store admins only, the secret once, validation errors as problem+json
listing the allowed event types, the delivery log, redelivery and the test event."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from tenant_apps.webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/crm"


def _create(api, users, store, **body):
    body = {"url": URL, "events": ["order.created"], "description": "ERP", **body}
    return api(users.a_admin, store).post("/api/v1/webhooks", body, format="json")


def test_an_admin_registers_an_endpoint_and_sees_the_secret_once(api, users, store_a):
    response = _create(api, users, store_a)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 30
    assert (created["url"], created["events"], created["description"], created["active"]) == (
        URL,
        ["order.created"],
        "ERP",
        True,
    )
    client = api(users.a_admin, store_a)
    shown = client.get(f"/api/v1/webhooks/{created['id']}").json()
    assert "secret" not in shown
    assert all("secret" not in row for row in client.get("/api/v1/webhooks").json()["results"])


def test_only_store_admins_manage_webhooks(api, users, store_a):
    for user in (users.a_sales, users.a_supervisor, users.a_finance):
        assert api(user, store_a).get("/api/v1/webhooks").status_code == 403
        assert _create(api, type("U", (), {"a_admin": user}), store_a).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://hooks.example.com/x"}, "url"),
        ({"url": ""}, "url"),
        ({"events": []}, "events"),
        ({"events": "order.created"}, "events"),
        ({"description": "x" * 201}, "description"),
    ],
)
def test_bad_input_is_a_400_problem_and_stores_nothing(api, users, store_a, in_store, body, field):
    response = _create(api, users, store_a, **body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "validation_error" and field in problem["errors"]
    with in_store(store_a):
        assert not Endpoint.objects.exists()


def test_an_unknown_event_type_is_refused_with_the_allowed_ones_listed(api, users, store_a):
    response = _create(api, users, store_a, events=["order.created", "order.exploded"])
    assert response.status_code == 400
    problem = response.json()
    assert "order.exploded" in problem["errors"]["events"][0]
    assert "customer.created" in problem["errors"]["events"][0]
    assert "*" in problem["allowed_events"] and "order.created" in problem["allowed_events"]
    assert "webhook.test" not in problem["allowed_events"]


@override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=False)
@pytest.mark.parametrize("url", ["http://127.0.0.1/x", "http://169.254.169.254/", "http://[::1]/", "http://10.0.0.1/"])
def test_a_private_target_is_refused_when_saved(api, users, store_a, url):
    response = _create(api, users, store_a, url=url)
    assert response.status_code == 400
    assert "url" in response.json()["errors"]


def test_patch_and_delete(api, users, store_a):
    created = _create(api, users, store_a).json()
    client = api(users.a_admin, store_a)
    patched = client.patch(
        f"/api/v1/webhooks/{created['id']}", {"events": ["*"], "active": False}, format="json"
    ).json()
    assert (patched["events"], patched["active"]) == (["*"], False)
    assert client.patch(f"/api/v1/webhooks/{created['id']}", {"events": ["nope"]}, format="json").status_code == 400
    assert client.delete(f"/api/v1/webhooks/{created['id']}").status_code == 204
    assert client.get(f"/api/v1/webhooks/{created['id']}").status_code == 404


def test_deliveries_redeliver_and_test_event(api, users, store_a, in_store):
    created = _create(api, users, store_a).json()
    client = api(users.a_admin, store_a)
    sent = client.post(f"/api/v1/webhooks/{created['id']}/test")
    assert sent.status_code == 202, sent.content
    assert sent.json()["event_type"] == "webhook.test"
    page = client.get(f"/api/v1/webhooks/{created['id']}/deliveries").json()
    assert page["count"] == 1
    row = page["results"][0]
    for key in (
        "id",
        "event_id",
        "event_type",
        "attempt",
        "status",
        "response_status",
        "duration_ms",
        "created_at",
        "next_attempt_at",
    ):
        assert key in row
    assert row["status"] == "pending"
    again = client.post(f"/api/v1/webhooks/{created['id']}/deliveries/{row['id']}/redeliver")
    assert again.status_code == 202
    assert again.json()["event_id"] == row["event_id"]
    assert client.get(f"/api/v1/webhooks/{created['id']}/deliveries?status=failed").json()["count"] == 0
    assert client.post(f"/api/v1/webhooks/{created['id']}/deliveries/999999/redeliver").status_code == 404
    with in_store(store_a):
        assert Delivery.objects.filter(manual=True).count() == 2


def test_the_endpoint_and_the_test_event_name_the_admin_who_acted(api, users, store_a, in_store):
    created = _create(api, users, store_a).json()
    sent = api(users.a_admin, store_a).post(f"/api/v1/webhooks/{created['id']}/test")
    assert sent.status_code == 202, sent.content
    with in_store(store_a):
        assert Endpoint.objects.get(pk=created["id"]).created_by_id == users.a_admin.pk
        body = json.loads(Delivery.objects.get(pk=sent.json()["id"]).body)
    assert body["data"]["sent_by"] == users.a_admin.pk
