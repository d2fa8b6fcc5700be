"""/api/v1/settings on a store host."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tenant_apps.workspace import selectors

pytestmark = pytest.mark.django_db

URL = "/api/v1/settings"


def _settings(in_store, store):
    with in_store(store):
        return selectors.store_settings_get()


def test_members_read_the_store_settings(api, users, store_a):
    response = api(users.a_sales, store_a).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["discount_threshold"] == "0.900"
    assert body["pool_grace_days"] == 3
    assert body["return_visit_window_days"] == 7


def test_admin_changes_settings(api, users, store_a, in_store):
    response = api(users.a_admin, store_a).patch(
        URL, {"discount_threshold": "0.85", "pool_grace_days": 5, "pool_ownership_cap": 0}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["discount_threshold"] == "0.850"
    saved = _settings(in_store, store_a)
    assert (saved.discount_threshold, saved.pool_grace_days, saved.pool_ownership_cap) == (Decimal("0.850"), 5, 0)


def test_settings_of_one_store_do_not_change_another(api, users, store_a, store_b, in_store):
    api(users.a_admin, store_a).patch(URL, {"pool_max_idle_days": 60}, format="json")

    assert _settings(in_store, store_b).pool_max_idle_days == 30


def test_invalid_settings_report_every_field_and_save_nothing(api, users, store_a, in_store):
    response = api(users.a_admin, store_a).patch(
        URL,
        {
            "discount_threshold": "1.5",
            "pool_grace_days": 0,
            "pool_ownership_cap": -1,
            "pool_max_idle_days": 10,
        },
        format="json",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["errors"]) == {"discount_threshold", "pool_grace_days", "pool_ownership_cap"}
    assert _settings(in_store, store_a).pool_max_idle_days == 30


@pytest.mark.parametrize("value", ["0.8555", "-0.1", "abc", "NaN"])
def test_discount_threshold_must_be_a_fraction_with_at_most_three_decimals(api, users, store_a, in_store, value):
    response = api(users.a_admin, store_a).patch(URL, {"discount_threshold": value}, format="json")

    assert response.status_code == 400
    assert "discount_threshold" in response.json()["errors"]
    assert _settings(in_store, store_a).discount_threshold == Decimal("0.900")


def test_a_count_too_large_for_the_database_is_a_validation_error(api, users, store_a):
    response = api(users.a_admin, store_a).patch(URL, {"pool_grace_days": 100000}, format="json")

    assert response.status_code == 400
    assert "pool_grace_days" in response.json()["errors"]


def test_salesperson_cannot_change_settings(api, users, store_a, in_store):
    response = api(users.a_sales, store_a).patch(URL, {"pool_grace_days": 9}, format="json")

    assert response.status_code == 403
    assert _settings(in_store, store_a).pool_grace_days == 3


def test_hq_executive_reads_settings_but_cannot_change_them(api, users, store_a, in_store):
    client = api(users.hq_exec, store_a)

    assert client.get(URL).status_code == 200
    assert client.patch(URL, {"pool_grace_days": 9}, format="json").status_code == 403
    assert _settings(in_store, store_a).pool_grace_days == 3
