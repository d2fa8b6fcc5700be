"""HQ admins read a store's action log and sign-ins (``/api/v1/hq/stores/{id}/audit``), each access
recorded in the HQ access audit; HQ executives and store users do not."""

from __future__ import annotations

import pytest

from shared_apps.platform.models import HqAccessLog


@pytest.fixture
def logged(api, users, store_a, store_b):
    api(users.a_sales, store_a).post("/api/v1/customers", {"name": "Alpha one", "mobile": "13800000001"}, format="json")
    api(users.b_sales, store_b).post("/api/v1/customers", {"name": "Bravo one", "mobile": "13800000002"}, format="json")


def test_an_hq_admin_reads_a_stores_log_and_the_access_is_audited(api, users, store_a, logged):
    response = api(users.hq_admin).get(f"/api/v1/hq/stores/{store_a.pk}/audit", {"object_type": "customers.customer"})

    assert response.status_code == 200, response.content
    names = [row["changes"]["name"][1] for row in response.json()["results"] if row["action"] == "create"]
    assert names == ["Alpha one"]
    access = HqAccessLog.objects.filter(user=users.hq_admin, store=store_a).latest("pk")
    assert access.allowed
    assert access.path.startswith(f"/api/v1/hq/stores/{store_a.pk}/audit")


def test_an_hq_admin_reads_a_stores_sign_ins(api, users, store_a, client, password):
    client.post(
        "/api/v1/auth/token",
        {"email": users.a_sales.email, "password": "nope"},
        content_type="application/json",
        HTTP_HOST="alpha.localhost",
    )

    response = api(users.hq_admin).get(f"/api/v1/hq/stores/{store_a.pk}/audit/logins")

    assert response.status_code == 200
    assert [(r["email"], r["succeeded"]) for r in response.json()["results"]] == [(users.a_sales.email, False)]


def test_bad_filters_are_a_400(api, users, store_a):
    response = api(users.hq_admin).get(f"/api/v1/hq/stores/{store_a.pk}/audit", {"since": "2026-02-30"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "since" in response.json()["errors"]


def test_an_unknown_store_is_404(api, users):
    assert api(users.hq_admin).get("/api/v1/hq/stores/999999/audit").status_code == 404


@pytest.mark.parametrize("who", ["hq_exec", "a_admin"])
def test_others_are_refused(api, users, store_a, who):
    response = api(users[who]).get(f"/api/v1/hq/stores/{store_a.pk}/audit")

    assert response.status_code in (403, 404)
    assert not HqAccessLog.objects.filter(user=users[who], path__contains="/audit").exists()
