"""Selectors: due follow-ups, the 360° summary and its panels."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tenant_apps.customers import panels, selectors
from tests.factories import access_of

pytestmark = pytest.mark.django_db


@time_machine.travel("2025-06-10 10:00 +0800", tick=False)
def test_due_follow_ups_lists_overdue_first_then_the_rest_of_today(store_a, users, in_store, make_customer):
    now = timezone.now()
    make_customer(store_a, owner=users.a_sales, name="tonight", next_follow_up_at=now + timedelta(hours=12))
    make_customer(store_a, owner=users.a_sales, name="last week", next_follow_up_at=now - timedelta(days=7))
    make_customer(store_a, owner=users.a_sales, name="this morning", next_follow_up_at=now - timedelta(hours=2))
    make_customer(store_a, owner=users.a_sales, name="tomorrow", next_follow_up_at=now + timedelta(hours=15))
    make_customer(store_a, owner=users.a_sales2, name="someone else's", next_follow_up_at=now - timedelta(days=1))
    make_customer(store_a, owner=users.a_sales, name="no plan")

    with in_store(store_a):
        names = [c.name for c in selectors.due_follow_ups(access=access_of(users.a_sales))]

    assert names == ["last week", "this morning", "tonight"]


def test_summary_counts_follow_ups_and_names_the_owner(store_a, users, in_store, make_customer):
    from tenant_apps.customers import services

    customer = make_customer(store_a, owner=users.a_sales)
    with in_store(store_a):
        for text in ("one", "two"):
            services.follow_up_add(customer=customer, access=access_of(users.a_sales), kind="call", content=text)
        summary = selectors.customer_summary(customer=customer)

    assert summary["follow_up_count"] == 2
    assert summary["owner"] == {"id": users.a_sales.pk, "name": users.a_sales.name}
    assert summary["last_follow_up_at"] is not None


def test_summary_includes_registered_panels(store_a, users, in_store, make_customer):
    customer = make_customer(store_a, owner=users.a_sales)
    panels.register_customer_panel("test_probe", lambda *, customer: {"count": 0, "customer": customer.pk})
    panels.register_customer_panel("test_empty", lambda *, customer: None)
    try:
        with in_store(store_a):
            summary = selectors.customer_summary(customer=customer)
    finally:
        panels.unregister_customer_panel("test_probe")
        panels.unregister_customer_panel("test_empty")

    assert summary["panels"]["test_probe"] == {"count": 0, "customer": customer.pk}
    assert "test_empty" not in summary["panels"]


def test_detail_endpoint_includes_the_summary(api, users, store_a, make_customer):
    customer = make_customer(store_a, owner=users.a_sales)

    response = api(users.a_sales, store_a).get(f"/api/v1/customers/{customer.pk}")

    assert response.status_code == 200
    assert response.json()["summary"]["follow_up_count"] == 0
    assert response.json()["summary"]["owner"]["id"] == users.a_sales.pk


def test_customer_id_that_is_not_a_number_is_404(store_a, users, in_store):
    from shared_apps.platform.errors import NotFound

    with in_store(store_a), pytest.raises(NotFound):
        selectors.customer_get_for_user(customer_id="abc", access=access_of(users.a_admin))


def test_detail_summary_carries_the_pool_history(api, users, store_a, in_store, make_customer):
    from tenant_apps.pool.services import release_customer

    customer = make_customer(store_a, owner=users.a_sales)
    with in_store(store_a):
        release_customer(customer_id=customer.pk, access=access_of(users.a_sales), reason="联系不上")

    response = api(users.a_supervisor, store_a).get(f"/api/v1/customers/{customer.pk}")

    assert response.status_code == 200
    history = response.json()["summary"]["pool_history"]
    assert [(row["type"], row["reason"]) for row in history] == [("release", "联系不上")]


def test_merge_moves_pool_records_to_the_survivor(store_a, users, in_store, make_customer):
    from tenant_apps.customers import services
    from tenant_apps.pool.services import release_customer

    survivor = make_customer(store_a, owner=users.a_sales)
    merged = make_customer(store_a, owner=users.a_sales)
    with in_store(store_a):
        release_customer(customer_id=merged.pk, access=access_of(users.a_sales), reason="放回")
        record = services.customer_merge(survivor=survivor, merged=merged, access=access_of(users.a_admin))
        history = selectors.customer_summary(customer=survivor)["pool_history"]

    assert [row["reason"] for row in history] == ["放回"]
    assert record.snapshot["moved"]["pool"]["releases"] == 1
