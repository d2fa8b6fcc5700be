"""/api/v1/api-keys: store API keys, their reach (one store, one role) and their revocation."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from shared_apps.accounts.models import ApiKey
from tests.conftest import host_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/api-keys"


def _create(api, users, store, **body):
    return api(users.a_admin, store).post(URL, {"name": "Website form", "role": "salesperson", **body}, format="json")


def _key_client(store, value) -> APIClient:
    client = APIClient(HTTP_HOST=host_for(store))
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    return client


def test_admin_creates_a_key_shown_once_and_stored_hashed(api, users, store_a):
    response = _create(api, users, store_a)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Website form" and body["role"] == "salesperson"
    assert body["key"].startswith(f"crmk_{body['prefix']}_")
    key = ApiKey.objects.get(pk=body["id"])
    assert key.store_id == store_a.pk and key.created_by_id == users.a_admin.pk
    secret = body["key"].split("_", 2)[2]
    assert secret not in key.digest
    listed = api(users.a_admin, store_a).get(URL).json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert "key" not in listed[0]


def test_a_key_acts_in_its_store_with_its_role(api, users, store_a):
    value = _create(api, users, store_a, role="finance").json()["key"]

    me = _key_client(store_a, value).get("/api/v1/me")

    assert me.status_code == 200, me.content
    assert me.json()["role"] == "finance"
    assert "payments.confirm" in me.json()["permissions"]


def test_a_key_of_one_store_is_nothing_on_another_stores_host(api, users, store_a, store_b):
    value = _create(api, users, store_a, role="admin").json()["key"]

    response = _key_client(store_b, value).get("/api/v1/customers")

    assert response.status_code == 404
    assert _key_client(store_b, value).get(URL).status_code == 404


def test_a_revoked_key_is_401(api, users, store_a):
    created = _create(api, users, store_a).json()

    assert api(users.a_admin, store_a).delete(f"{URL}/{created['id']}").status_code == 204

    response = _key_client(store_a, created["key"]).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"
    assert ApiKey.objects.get(pk=created["id"]).revoked_at is not None


def test_a_forged_key_is_401(api, users, store_a):
    value = _create(api, users, store_a).json()["key"]

    response = _key_client(store_a, value[:-2] + "xx").get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


@pytest.mark.parametrize("role", ["salesperson", "supervisor", "finance", "warehouse"])
def test_only_store_admins_manage_keys(api, users, store_a, role):
    user = {"salesperson": users.a_sales, "supervisor": users.a_supervisor}.get(role) or users[f"a_{role}"]

    response = api(user, store_a).post(URL, {"name": "x", "role": "admin"}, format="json")

    assert response.status_code == 403
    assert api(user, store_a).get(URL).status_code == 403
    assert not ApiKey.objects.exists()


def test_a_key_cannot_be_revoked_from_another_store(api, users, store_a, store_b):
    created = _create(api, users, store_a).json()

    response = api(users.b_admin, store_b).delete(f"{URL}/{created['id']}")

    assert response.status_code == 404
    assert ApiKey.objects.get(pk=created["id"]).revoked_at is None


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": "", "role": "admin"}, "name"), ({"name": "x", "role": "owner"}, "role"), ({"role": "admin"}, "name")],
)
def test_bad_key_input_is_refused_and_nothing_is_made(api, users, store_a, body, field):
    response = api(users.a_admin, store_a).post(URL, body, format="json")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in response.json()["errors"]
    assert not ApiKey.objects.exists()


def test_last_used_is_written_at_most_once_a_minute(api, users, store_a):
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    with time_machine.travel(start, tick=False):
        created = _create(api, users, store_a).json()
        client = _key_client(store_a, created["key"])
        client.get("/api/v1/me")
        assert ApiKey.objects.get(pk=created["id"]).last_used_at == start
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        client.get("/api/v1/me")
        assert ApiKey.objects.get(pk=created["id"]).last_used_at == start
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        client.get("/api/v1/me")
        assert ApiKey.objects.get(pk=created["id"]).last_used_at == start + timedelta(seconds=61)


def test_a_key_with_a_lead_role_creates_leads(api, users, store_a):
    value = _create(api, users, store_a, role="salesperson").json()["key"]

    response = _key_client(store_a, value).post(
        "/api/v1/leads", {"channel": "tmall", "name": "Ms Wang", "wechat_id": "wx-key-1", "source": "ad"}, format="json"
    )

    assert response.status_code == 201, response.content


def test_a_key_whose_role_may_not_create_leads_is_refused(api, users, store_a):
    value = _create(api, users, store_a, role="warehouse").json()["key"]

    response = _key_client(store_a, value).post(
        "/api/v1/leads", {"channel": "tmall", "name": "Ms Wang", "wechat_id": "wx-key-2"}, format="json"
    )

    assert response.status_code == 403


def test_the_admin_page_makes_a_key_shown_once_and_revokes_it(page_client, users, store_a):
    client = page_client(users.a_admin, store_a)

    made = client.post("/team/api-keys/", {"name": "ERP", "role": "finance"})

    assert made.status_code == 200
    key = ApiKey.objects.get()
    assert key.name == "ERP" and key.role == "finance" and key.store_id == store_a.pk
    assert f"crmk_{key.prefix}_" in made.content.decode()
    assert f"crmk_{key.prefix}_" not in client.get("/team/api-keys/").content.decode().replace(
        f"crmk_{key.prefix}_…", ""
    )

    assert client.post("/team/api-keys/", {"revoke": key.pk}).status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_the_page_refuses_bad_input_and_other_roles(page_client, users, store_a):
    assert page_client(users.a_admin, store_a).post("/team/api-keys/", {"name": "", "role": "x"}).status_code == 422
    assert page_client(users.a_sales, store_a).get("/team/api-keys/").status_code == 403
    assert not ApiKey.objects.exists()


def test_a_key_over_its_rate_gets_429_with_retry_after(api, users, store_a, monkeypatch):
    from django.core.cache import cache

    from shared_apps.accounts.throttling import CallerRateThrottle

    monkeypatch.setattr(CallerRateThrottle, "THROTTLE_RATES", {"api_key": "3/min", "api_token": "1000/min"})
    cache.clear()
    value = _create(api, users, store_a).json()["key"]
    other = _create(api, users, store_a, name="Other").json()["key"]
    client = _key_client(store_a, value)

    answers = [client.get("/api/v1/me").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    refused = client.get("/api/v1/me")
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    # the limit is the key's own: another key of the store is not held back
    assert _key_client(store_a, other).get("/api/v1/me").status_code == 200
