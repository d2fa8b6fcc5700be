"""Customer and pool services publish outbox events in the transaction of the change."""

from __future__ import annotations

import pytest

from tenant_apps.customers import services as customer_services
from tenant_apps.customers.error_codes import DuplicateCustomer
from tenant_apps.outbox.models import OutboxEvent
from tenant_apps.pool import services as pool_services
from tests.factories.accounts import access_of
from tests.factories.sales import make_customer

pytestmark = pytest.mark.django_db


def events(topic: str) -> list[int]:
    return list(OutboxEvent.objects.filter(topic=topic, drained_at__isnull=True).values_list("entity_id", flat=True))


def test_creating_a_customer_publishes_it(store_a, users, in_store):
    with in_store(store_a):
        customer = customer_services.customer_create(
            data={"name": "张三", "mobile": "13800138001"}, access=access_of(users.a_sales)
        )
        assert events("customer") == [customer.pk]


def test_a_refused_customer_publishes_nothing(store_a, users, in_store):
    with in_store(store_a):
        customer_services.customer_create(
            data={"name": "张三", "mobile": "13800138002"}, access=access_of(users.a_sales)
        )
        with pytest.raises(DuplicateCustomer):
            customer_services.customer_create(
                data={"name": "李四", "mobile": "13800138002"}, access=access_of(users.a_sales)
            )
        assert len(events("customer")) == 1


def test_an_import_batch_publishes_every_new_customer(store_a, users, in_store):
    with in_store(store_a):
        outcomes = customer_services.customer_create_many(
            rows=[{"name": "甲", "mobile": "13800138003"}, {"name": "乙", "mobile": "13800138004"}],
            access=access_of(users.a_admin),
        )
        assert sorted(events("customer")) == sorted(o.customer_id for o in outcomes)


def test_editing_a_customer_publishes_it_only_when_something_changed(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales, province="浙江")
        customer_services.customer_update(customer=customer, data={"province": "浙江"}, access=access_of(users.a_admin))
        assert events("customer") == []
        customer_services.customer_update(customer=customer, data={"province": "广东"}, access=access_of(users.a_admin))
        assert events("customer") == [customer.pk]


def test_a_follow_up_is_published(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
        follow_up = customer_services.follow_up_add(
            customer=customer, access=access_of(users.a_sales), kind="call", content="hi"
        )
        assert events("follow_up") == [follow_up.pk]


def test_a_merge_publishes_both_customers(store_a, users, in_store):
    with in_store(store_a):
        keeper, gone = make_customer(owner=users.a_sales), make_customer(owner=users.a_sales)
        customer_services.customer_merge(survivor=keeper, merged=gone, access=access_of(users.a_admin))
        assert sorted(events("customer")) == sorted([keeper.pk, gone.pk])


def test_a_release_and_an_approved_claim_are_published(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
        release = pool_services.release_customer(
            customer_id=customer.pk, access=access_of(users.a_sales), reason="not now"
        )
        assert events("release") == [release.pk]
        claim = pool_services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales2), reason="mine")
        pool_services.claim_approve(claim_id=claim.pk, access=access_of(users.a_supervisor))
        assert events("customer") == [customer.pk]
