"""Workspace services called directly (not only through the API)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared_apps.platform.errors import ValidationFailed
from tenant_apps.workspace import selectors, services

pytestmark = pytest.mark.django_db


def test_settings_update_refuses_unknown_settings(store_a, in_store):
    with in_store(store_a), pytest.raises(ValidationFailed) as caught:
        services.store_settings_update(pool_grace_days=4, colour="blue")

    assert set(caught.value.errors) == {"colour"}
    with in_store(store_a):
        assert selectors.store_settings_get().pool_grace_days == 3


def test_settings_update_rounds_the_threshold_to_three_places(store_a, in_store):
    with in_store(store_a):
        saved = services.store_settings_update(discount_threshold="0.8")

    assert saved.discount_threshold == Decimal("0.800")


def test_settings_update_refuses_a_boolean_for_a_count(store_a, in_store):
    with in_store(store_a), pytest.raises(ValidationFailed) as caught:
        services.store_settings_update(pool_daily_claim_limit=True)

    assert "pool_daily_claim_limit" in caught.value.errors
