"""Store settings follow HQ's company defaults for every policy the store does not override."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hq_console.services import company_policy_update
from tenant_apps.pool.policies import pool_policy
from tenant_apps.workspace import services
from tenant_apps.workspace.selectors import store_settings_get

pytestmark = pytest.mark.django_db


def _reset_all(store, in_store):
    with in_store(store):
        services.store_settings_update(reset=list(services.SETTINGS_FIELDS))


def test_a_store_inherits_a_changed_hq_default(users, store_a, in_store):
    _reset_all(store_a, in_store)
    company_policy_update(hq_user=users.hq_admin, pool_max_idle_days=12, discount_threshold="0.8")
    with in_store(store_a):
        effective = store_settings_get()
        assert (effective.pool_max_idle_days, effective.discount_threshold) == (12, Decimal("0.800"))
        assert "pool_max_idle_days" in effective.inherited
        assert pool_policy(grade="C").max_idle_days == 12


def test_an_overriding_store_keeps_its_own_value(users, store_a, store_b, in_store):
    _reset_all(store_a, in_store)
    _reset_all(store_b, in_store)
    with in_store(store_a):
        services.store_settings_update(pool_max_idle_days=45)
    company_policy_update(hq_user=users.hq_admin, pool_max_idle_days=12)
    with in_store(store_a):
        assert store_settings_get().pool_max_idle_days == 45
        assert "pool_max_idle_days" not in store_settings_get().inherited
    with in_store(store_b):
        assert store_settings_get().pool_max_idle_days == 12


def test_reset_puts_a_field_back_on_the_hq_default(users, store_a, in_store):
    company_policy_update(hq_user=users.hq_admin, pool_grace_days=9)
    with in_store(store_a):
        services.store_settings_update(pool_grace_days=2)
        assert store_settings_get().pool_grace_days == 2
        effective = services.store_settings_update(reset=["pool_grace_days"])
        assert effective.pool_grace_days == 9
        assert "pool_grace_days" in effective.inherited


def test_reset_of_an_unknown_field_is_refused_and_nothing_changes(store_a, in_store):
    from shared_apps.platform.errors import ValidationFailed

    with in_store(store_a):
        services.store_settings_update(pool_grace_days=2)
        with pytest.raises(ValidationFailed):
            services.store_settings_update(pool_grace_days=4, reset=["colour"])
        assert store_settings_get().pool_grace_days == 2


def test_api_patch_marks_overrides_and_reset_clears_them(api, users, store_a, in_store):
    _reset_all(store_a, in_store)
    client = api(users.a_admin, store_a)
    body = client.patch("/api/v1/settings", {"pool_ownership_cap": 80}, format="json").json()
    assert body["pool_ownership_cap"] == 80
    assert body["overrides"] == ["pool_ownership_cap"]
    assert "pool_ownership_cap" not in body["inherited"]
    company_policy_update(hq_user=users.hq_admin, pool_ownership_cap=300)
    assert client.get("/api/v1/settings").json()["pool_ownership_cap"] == 80
    body = client.patch("/api/v1/settings", {"reset": ["pool_ownership_cap"]}, format="json").json()
    assert (body["pool_ownership_cap"], body["overrides"]) == (300, [])


def test_api_refuses_changing_and_resetting_a_field_at_once(api, users, store_a):
    response = api(users.a_admin, store_a).patch(
        "/api/v1/settings", {"pool_ownership_cap": 80, "reset": ["pool_ownership_cap"]}, format="json"
    )
    assert response.status_code == 400


def test_settings_page_marks_inherited_values(page_client, users, store_a, in_store):
    _reset_all(store_a, in_store)
    with in_store(store_a):
        services.store_settings_update(pool_grace_days=5)
    html = page_client(users.a_admin, store_a).get("/settings/").content.decode()
    assert 'data-setting="pool_grace_days"' in html
    grace = html.split('data-setting="pool_grace_days"')[1].split("data-setting=")[0]
    idle = html.split('data-setting="pool_max_idle_days"')[1].split("data-setting=")[0]
    assert 'data-testid="overridden"' in grace
    assert 'data-testid="inherited"' in idle


def test_saving_the_page_overrides_only_changed_values(page_client, users, store_a, in_store):
    _reset_all(store_a, in_store)
    with in_store(store_a):
        current = store_settings_get()
        form = {name: str(getattr(current, name)) for name in services.SETTINGS_FIELDS}
    form["pool_grace_days"] = "6"
    response = page_client(users.a_admin, store_a).post("/settings/", form)
    assert response.status_code in (200, 302), response.content[:500]
    with in_store(store_a):
        assert store_settings_get().overrides == ["pool_grace_days"]
