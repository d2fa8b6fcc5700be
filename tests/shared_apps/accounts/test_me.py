"""GET /api/v1/me: who the caller is and what they may do on this host."""

from __future__ import annotations

from tests.factories import MembershipFactory, UserFactory


def test_me_on_a_store_host_lists_user_store_role_and_permissions(api, users, store_a):
    body = api(users.a_sales, store_a).get("/api/v1/me").json()

    assert body["id"] == users.a_sales.pk
    assert body["email"] == users.a_sales.email
    assert body["name"] == users.a_sales.name
    assert body["hq_role"] is None
    assert body["store"] == {"id": store_a.pk, "name": "Alpha", "subdomain": "alpha", "status": "active"}
    assert body["role"] == "salesperson"
    assert body["read_only"] is False
    assert "store.view" in body["permissions"]
    assert "channels.manage" not in body["permissions"]


def test_me_shows_the_role_of_each_store(api, store_a, store_b):
    user = UserFactory()
    MembershipFactory(user=user, store=store_a, role="supervisor")
    MembershipFactory(user=user, store=store_b, role="finance")

    assert api(user, store_a).get("/api/v1/me").json()["role"] == "supervisor"
    assert api(user, store_b).get("/api/v1/me").json()["role"] == "finance"


def test_me_of_a_store_admin_includes_manage_permissions(api, users, store_a):
    body = api(users.a_admin, store_a).get("/api/v1/me").json()

    assert body["role"] == "admin"
    assert {"channels.manage", "members.manage", "settings.manage"} <= set(body["permissions"])


def test_me_on_the_hq_host_has_no_store(api, users):
    body = api(users.hq_exec, None).get("/api/v1/me").json()

    assert body["hq_role"] == "hq_executive"
    assert body["store"] is None
    assert body["role"] is None


def test_me_of_an_hq_executive_on_a_store_host_is_read_only(api, users, store_a):
    body = api(users.hq_exec, store_a).get("/api/v1/me").json()

    assert body["role"] is None
    assert body["read_only"] is True
    assert body["store"]["subdomain"] == "alpha"


def test_me_in_a_read_only_store_is_read_only(api, users, store_a):
    store_a.status = store_a.Status.READ_ONLY
    store_a.save(update_fields=["status"])

    body = api(users.a_admin, store_a).get("/api/v1/me").json()

    assert body["read_only"] is True


def test_me_works_with_a_session_too(page_client, users, store_a):
    response = page_client(users.a_finance, store_a).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["role"] == "finance"
