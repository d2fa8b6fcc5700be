"""/api/v1/hq/audit: HQ access to stores, for HQ admins."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/v1/hq/audit"


def test_hq_admin_sees_the_reads_hq_users_made_in_a_store(api, users, store_a, store_b):
    api(users.hq_exec, store_a).get("/api/v1/members")
    api(users.hq_exec, store_b).get("/api/v1/settings")

    response = api(users.hq_admin).get(URL, {"store": store_a.pk})

    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 1
    assert rows[0]["user_email"] == users.hq_exec.email
    assert rows[0]["store"] == store_a.pk
    assert rows[0]["method"] == "GET"
    assert rows[0]["path"] == "/api/v1/members"
    assert rows[0]["allowed"] is True


def test_refused_writes_are_audited_and_filterable_by_user(api, users, store_a):
    api(users.hq_exec, store_a).patch("/api/v1/settings", {"pool_grace_days": 9}, format="json")
    api(users.hq_admin, store_a).get("/api/v1/channels")

    rows = api(users.hq_admin).get(URL, {"user": users.hq_exec.pk}).json()["results"]

    assert [(r["method"], r["allowed"]) for r in rows] == [("PATCH", False)]


def test_hq_executive_cannot_read_the_audit(api, users):
    response = api(users.hq_exec).get(URL)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_store_admin_cannot_read_the_audit(api, users):
    assert api(users.a_admin).get(URL).status_code == 403
