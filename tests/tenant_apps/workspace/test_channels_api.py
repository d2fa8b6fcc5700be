"""/api/v1/channels on a store host."""

from __future__ import annotations

import pytest

from tenant_apps.workspace import selectors

pytestmark = pytest.mark.django_db

URL = "/api/v1/channels"


def _codes(in_store, store) -> set[str]:
    with in_store(store):
        return set(selectors.channel_list().values_list("code", flat=True))


def test_members_list_the_stores_channels(api, users, store_a):
    response = api(users.a_sales, store_a).get(URL)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["code"] for row in rows} == {"tmall", "jd"}
    assert set(rows[0]) >= {"id", "code", "platform", "name", "is_active"}


def test_admin_adds_a_channel(api, users, store_a, in_store):
    response = api(users.a_admin, store_a).post(
        URL, {"code": "tmall-2", "platform": "tmall", "name": "Second Tmall shop"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["name"] == "Second Tmall shop"
    assert "tmall-2" in _codes(in_store, store_a)


def test_a_channel_added_without_code_takes_the_platform(api, users, store_a, in_store):
    response = api(users.a_admin, store_a).post(URL, {"platform": "douyin"}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 201
    assert response.json()["code"] == "douyin"
    assert response.json()["name"] == "Douyin"


def test_a_channel_code_already_used_is_a_conflict(api, users, store_a, in_store):
    response = api(users.a_admin, store_a).post(URL, {"code": "tmall", "platform": "tmall"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_channel"


def test_the_same_code_in_another_store_is_fine(api, users, store_b, in_store):
    response = api(users.b_admin, store_b).post(URL, {"code": "pdd", "platform": "pdd"}, format="json")

    assert response.status_code == 201


def test_unknown_platform_is_a_validation_error(api, users, store_a, in_store):
    response = api(users.a_admin, store_a).post(URL, {"code": "x", "platform": "myspace"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "platform" in response.json()["errors"]
    assert "x" not in _codes(in_store, store_a)


def test_salesperson_cannot_add_a_channel(api, users, store_a, in_store):
    response = api(users.a_sales, store_a).post(URL, {"code": "pdd", "platform": "pdd"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "pdd" not in _codes(in_store, store_a)


def test_admin_renames_and_deactivates_a_channel(api, users, store_a, in_store):
    with in_store(store_a):
        channel = selectors.channel_list().get(code="jd")

    response = api(users.a_admin, store_a).patch(
        f"{URL}/{channel.pk}", {"name": "JD self-run", "is_active": False}, format="json"
    )

    assert response.status_code == 200
    with in_store(store_a):
        channel.refresh_from_db()
    assert (channel.name, channel.is_active) == ("JD self-run", False)


def test_a_blank_channel_name_is_refused(api, users, store_a, in_store):
    with in_store(store_a):
        channel = selectors.channel_list().get(code="jd")

    response = api(users.a_admin, store_a).patch(f"{URL}/{channel.pk}", {"name": "   "}, format="json")

    assert response.status_code == 400
    with in_store(store_a):
        channel.refresh_from_db()
    assert channel.name != ""


def test_an_unknown_channel_is_not_found(api, users, store_a):
    response = api(users.a_admin, store_a).patch(f"{URL}/999999", {"name": "x"}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
