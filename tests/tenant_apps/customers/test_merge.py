"""Merging two records of one person: everything of both ends up on the survivor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shared_apps.platform.errors import Conflict, ValidationFailed
from tenant_apps.customers import panels, services
from tenant_apps.customers.models import Customer, CustomerMerge, FollowUp
from tests.factories import access_of

pytestmark = pytest.mark.django_db

MERGE_URL = "/api/v1/customers/merge"


@pytest.fixture
def pair(store_a, users, make_customer, in_store):
    """Two records of one person, each with a follow-up and a tag."""
    survivor = make_customer(store_a, owner=users.a_sales, name="王总", company="", tags=["重点客户"])
    merged = make_customer(
        store_a,
        owner=users.a_sales2,
        name="王建华",
        company="恒通物流",
        mobile="13800138000",
        wechat_id="wang_pallet",
        province="江苏",
        tags=["经销商"],
        product_preferences=["塑料托盘"],
    )
    with in_store(store_a):
        for customer in (survivor, merged):
            services.follow_up_add(
                customer=customer, access=access_of(users.a_admin), kind="call", content=customer.name
            )
    return survivor, merged


def _merge(api, user, store, survivor, merged):
    return api(user, store).post(MERGE_URL, {"survivor": survivor.pk, "merged": merged.pk}, format="json")


def test_merge_moves_the_follow_ups_to_the_survivor(api, users, store_a, in_store, pair):
    survivor, merged = pair

    response = _merge(api, users.a_supervisor, store_a, survivor, merged)

    assert response.status_code == 201, response.content
    with in_store(store_a):
        assert sorted(FollowUp.objects.filter(customer=survivor).values_list("content", flat=True)) == [
            "王建华",
            "王总",
        ]
        assert not FollowUp.objects.filter(customer=merged).exists()


def test_merge_unites_the_tags(api, users, store_a, in_store, pair):
    survivor, merged = pair

    _merge(api, users.a_supervisor, store_a, survivor, merged)

    with in_store(store_a):
        assert sorted(survivor.tags.values_list("name", flat=True)) == ["经销商", "重点客户"]


def test_merge_fills_the_survivors_empty_fields_including_identifiers(api, users, store_a, in_store, pair):
    survivor, merged = pair

    _merge(api, users.a_supervisor, store_a, survivor, merged)

    with in_store(store_a):
        survivor.refresh_from_db()
        assert survivor.name == "王总"  # kept
        assert survivor.owner_id == users.a_sales.pk  # kept
        assert (survivor.company, survivor.province) == ("恒通物流", "江苏")
        assert (survivor.mobile_normalized, survivor.wechat_id) == ("+8613800138000", "wang_pallet")
        assert survivor.product_preferences == ["塑料托盘"]


def test_merge_is_recorded_with_a_snapshot(api, users, store_a, in_store, pair):
    survivor, merged = pair

    response = _merge(api, users.a_admin, store_a, survivor, merged)

    with in_store(store_a):
        record = CustomerMerge.objects.get()
        assert (record.survivor_id, record.merged_id, record.by_id) == (survivor.pk, merged.pk, users.a_admin.pk)
        assert record.snapshot["mobile_normalized"] == "+8613800138000"
        assert record.snapshot["owner_id"] == users.a_sales2.pk
        assert record.snapshot["tags"] == ["经销商"]
        assert len(record.snapshot["moved"]["follow_ups"]) == 1
    assert response.json()["id"] == record.pk


def test_merged_id_answers_404_naming_the_survivor(api, users, store_a, pair):
    survivor, merged = pair
    _merge(api, users.a_supervisor, store_a, survivor, merged)

    response = api(users.a_supervisor, store_a).get(f"/api/v1/customers/{merged.pk}")

    assert response.status_code == 404
    assert response.json()["merged_into"] == survivor.pk


def test_merged_record_no_longer_blocks_its_identifiers(store_a, users, in_store, make_customer):
    survivor = make_customer(store_a, owner=users.a_sales, mobile="13900139000")
    merged = make_customer(store_a, owner=users.a_sales, wechat_id="freed_id", mobile="13800138000")
    with in_store(store_a):
        services.customer_merge(survivor=survivor, merged=merged, access=access_of(users.a_admin))
        survivor.refresh_from_db()
        assert survivor.mobile_normalized == "+8613900139000"  # its own is kept
        assert survivor.wechat_id == "freed_id"

        # The merged record's mobile is held by nobody live now.
        created = services.customer_create(
            data={"name": "新", "mobile": "13800138000"}, access=access_of(users.a_sales)
        )
        assert created.mobile_normalized == "+8613800138000"


def test_merge_takes_the_earliest_next_and_latest_last_follow_up(store_a, users, in_store, make_customer):
    now = timezone.now()
    survivor = make_customer(
        store_a,
        owner=users.a_sales,
        last_follow_up_at=now - timedelta(days=5),
        next_follow_up_at=now + timedelta(days=5),
    )
    merged = make_customer(
        store_a,
        owner=users.a_sales,
        last_follow_up_at=now - timedelta(days=1),
        next_follow_up_at=now + timedelta(days=1),
    )
    with in_store(store_a):
        services.customer_merge(survivor=survivor, merged=merged, access=access_of(users.a_admin))
        survivor.refresh_from_db()
        assert survivor.last_follow_up_at == now - timedelta(days=1)
        assert survivor.next_follow_up_at == now + timedelta(days=1)


def test_pool_survivor_takes_the_merged_records_owner(store_a, users, in_store, make_customer):
    survivor = make_customer(store_a, owner=None)
    merged = make_customer(store_a, owner=users.a_sales2)
    with in_store(store_a):
        services.customer_merge(survivor=survivor, merged=merged, access=access_of(users.a_supervisor))
        survivor.refresh_from_db()
        assert survivor.owner_id == users.a_sales2.pk


def test_merging_a_record_into_itself_is_refused(store_a, users, in_store, make_customer):
    customer = make_customer(store_a, owner=users.a_sales)
    with in_store(store_a), pytest.raises(ValidationFailed):
        services.customer_merge(survivor=customer, merged=customer, access=access_of(users.a_admin))


def test_merging_into_a_merged_record_is_refused(store_a, users, in_store, make_customer):
    first = make_customer(store_a, owner=users.a_sales)
    second = make_customer(store_a, owner=users.a_sales)
    third = make_customer(store_a, owner=users.a_sales)
    with in_store(store_a):
        services.customer_merge(survivor=first, merged=second, access=access_of(users.a_admin))
        with pytest.raises(Conflict) as exc:
            services.customer_merge(survivor=second, merged=third, access=access_of(users.a_admin))
        assert exc.value.code == "customer_merged"
        assert Customer.objects.get(pk=third.pk).merged_into_id is None


def test_merge_api_with_a_merged_id_is_404(api, users, store_a, make_customer, in_store):
    first = make_customer(store_a, owner=users.a_sales)
    second = make_customer(store_a, owner=users.a_sales)
    third = make_customer(store_a, owner=users.a_sales)
    with in_store(store_a):
        services.customer_merge(survivor=first, merged=second, access=access_of(users.a_admin))

    response = _merge(api, users.a_admin, store_a, second, third)

    assert response.status_code == 404
    assert response.json()["merged_into"] == first.pk


def test_merge_runs_registered_merge_handlers(store_a, users, in_store, make_customer):
    survivor = make_customer(store_a, owner=users.a_sales)
    merged = make_customer(store_a, owner=users.a_sales)
    calls = []
    panels.register_merge_handler("orders", lambda *, survivor, merged: calls.append((survivor.pk, merged.pk)) or 2)
    try:
        with in_store(store_a):
            record = services.customer_merge(survivor=survivor, merged=merged, access=access_of(users.a_admin))
    finally:
        panels.unregister_merge_handler("orders")

    assert calls == [(survivor.pk, merged.pk)]
    assert record.snapshot["moved"]["orders"] == 2


def test_records_merged_earlier_point_to_the_new_survivor(store_a, users, in_store, make_customer):
    first = make_customer(store_a, owner=users.a_sales)
    second = make_customer(store_a, owner=users.a_sales)
    third = make_customer(store_a, owner=users.a_sales)
    with in_store(store_a):
        services.customer_merge(survivor=second, merged=third, access=access_of(users.a_admin))
        services.customer_merge(survivor=first, merged=second, access=access_of(users.a_admin))

        assert Customer.objects.get(pk=third.pk).merged_into_id == first.pk
