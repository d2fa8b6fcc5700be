"""The webhooks pages: the list with the secret shown once, one endpoint with its delivery log,
redelivery and the test event; admins only; both languages."""

from __future__ import annotations

import pytest

from tenant_apps.webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(page_client, users, store_a, in_store):
    client = page_client(users.a_admin, store_a)
    response = client.post(
        "/settings/webhooks/",
        {"url": "https://hooks.example.com/x", "events": ["order.created", "payment.confirmed"], "description": "ERP"},
    )
    assert response.status_code == 200
    with in_store(store_a):
        endpoint = Endpoint.objects.get()
    html = response.content.decode()
    assert endpoint.secret in html
    assert endpoint.events == ["order.created", "payment.confirmed"]
    again = client.get("/settings/webhooks/").content.decode()
    assert endpoint.secret not in again and "https://hooks.example.com/x" in again


def test_bad_input_shows_the_errors_and_adds_nothing(page_client, users, store_a, in_store):
    response = page_client(users.a_admin, store_a).post("/settings/webhooks/", {"url": "nope", "events": []})
    assert response.status_code == 422
    assert 'data-testid="webhook-error"' in response.content.decode()
    with in_store(store_a):
        assert not Endpoint.objects.exists()


def test_the_endpoint_page_sends_a_test_event_and_redelivers(page_client, users, store_a, in_store):
    client = page_client(users.a_admin, store_a)
    client.post("/settings/webhooks/", {"url": "https://hooks.example.com/x", "all_events": "1"})
    with in_store(store_a):
        endpoint = Endpoint.objects.get()
    assert endpoint.events == ["*"]
    assert client.post(f"/settings/webhooks/{endpoint.pk}/", {"action": "test"}).status_code == 302
    with in_store(store_a):
        delivery = Delivery.objects.get()
    page = client.get(f"/settings/webhooks/{endpoint.pk}/").content.decode()
    assert f'data-testid="delivery-{delivery.pk}"' in page and "webhook.test" in page
    client.post(f"/settings/webhooks/{endpoint.pk}/", {"action": "redeliver", "delivery": delivery.pk})
    with in_store(store_a):
        assert Delivery.objects.filter(event_id=delivery.event_id).count() == 2
    client.post(f"/settings/webhooks/{endpoint.pk}/", {"action": "disable"})
    with in_store(store_a):
        assert not Endpoint.objects.get().active


def test_the_pages_are_for_admins_only(page_client, users, store_a):
    assert page_client(users.a_sales, store_a).get("/settings/webhooks/").status_code == 403


def test_the_pages_speak_chinese(page_client, users, store_a):
    client = page_client(users.a_admin, store_a)
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/settings/webhooks/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "添加接收地址" in html
