"""Confirming a payment record with a store API key (``POST /api/v1/payments/{id}/confirm`` with
``Authorization: Bearer crmk_...``): a key of the store with a role that confirms acts as its own
service identity and is recorded as such; a key of another store is nothing on this host (404, as
any caller without access to the store, api.md); a revoked key is 401 ``token_revoked``; a key whose
role may not confirm is 403. A refused confirmation changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from shared_apps.accounts.api_keys import api_key_create, api_key_revoke
from tenant_apps.finance.models import Payment
from tenant_apps.sales.models import Order
from tests.conftest import host_for
from tests.tenant_apps.finance.helpers import order_of, record

pytestmark = pytest.mark.django_db


def _key(store, role: str, created_by):
    return api_key_create(store=store, name=f"ERP {role}", role=role, created_by=created_by)


def _confirm(store, value: str, payment_id: int):
    client = APIClient(HTTP_HOST=host_for(store))
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    return client.post(f"/api/v1/payments/{payment_id}/confirm")


@pytest.fixture
def pending(store_a, users, in_store):
    """A pending collection of 100.00 on an order of 1,000.00 of store A, recorded by a salesperson."""
    with in_store(store_a):
        order = order_of(users.a_sales, "1000.00")
        return record(order, users.a_sales, kind="collection", amount="100.00", method="bank_transfer")


def _state(store, in_store, payment: Payment) -> tuple:
    with in_store(store):
        row = Payment.objects.get(pk=payment.pk)
        order = Order.objects.get(pk=payment.order_id)
        return row.status, row.confirmed_at, row.decided_by_id, order.collected


def _log_of(api, users, store, payment: Payment) -> list[dict]:
    response = api(users.a_admin, store).get(
        "/api/v1/audit", {"object_type": "finance.payment", "object_id": str(payment.pk)}
    )
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_finance_key_of_the_store_confirms_and_is_recorded_as_the_key(api, users, store_a, in_store, pending):
    key, value = _key(store_a, "finance", users.a_admin)

    response = _confirm(store_a, value, pending.pk)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "confirmed" and body["confirmed_at"]
    assert body["decided_by"] == key.user_id
    status, confirmed_at, decided_by, collected = _state(store_a, in_store, pending)
    assert (status, decided_by, collected) == ("confirmed", key.user_id, Decimal("100.00"))
    assert confirmed_at is not None
    # the action log names the key's own identity, never the admin who made the key
    update = [row for row in _log_of(api, users, store_a, pending) if row["action"] == "update"]
    assert len(update) == 1
    assert (update[0]["actor"], update[0]["actor_id"], update[0]["source"]) == (
        key.user.email,
        key.user_id,
        "request",
    )
    assert update[0]["changes"]["status"] == ["pending", "confirmed"]


def test_a_key_of_another_store_is_refused_and_changes_nothing(api, users, store_a, store_b, in_store, pending):
    _key_b, value = _key(store_b, "finance", users.b_admin)
    before = _state(store_a, in_store, pending)
    logged = _log_of(api, users, store_a, pending)

    response = _confirm(store_a, value, pending.pk)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "not_found"
    assert _state(store_a, in_store, pending) == before == ("pending", None, None, Decimal("0.00"))
    assert _log_of(api, users, store_a, pending) == logged


def test_a_revoked_key_is_refused_and_changes_nothing(api, users, store_a, in_store, pending):
    key, value = _key(store_a, "finance", users.a_admin)
    api_key_revoke(key=key)
    before = _state(store_a, in_store, pending)

    response = _confirm(store_a, value, pending.pk)

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "token_revoked"
    assert _state(store_a, in_store, pending) == before
    assert [row["action"] for row in _log_of(api, users, store_a, pending)] == ["create"]


def test_a_key_whose_role_may_not_confirm_is_refused_and_changes_nothing(api, users, store_a, in_store, pending):
    _key_warehouse, value = _key(store_a, "warehouse", users.a_admin)
    before = _state(store_a, in_store, pending)

    response = _confirm(store_a, value, pending.pk)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert _state(store_a, in_store, pending) == before
