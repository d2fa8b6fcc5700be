"""Follow-ups: recording them moves the customer's last / next follow-up; who may record them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shared_apps.platform.errors import PermissionDenied, ValidationFailed
from tenant_apps.customers import services
from tenant_apps.customers.models import FollowUp
from tests.factories import access_of

pytestmark = pytest.mark.django_db


def _url(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/follow-ups"


def test_follow_up_updates_the_customers_last_and_next_follow_up(api, users, store_a, in_store, make_customer):
    customer = make_customer(store_a, owner=users.a_sales)
    next_at = timezone.now() + timedelta(days=3)

    response = api(users.a_sales, store_a).post(
        _url(customer),
        {
            "kind": "call",
            "content": "问了 1200x1000 川字托盘的价格",
            "outcome": "要报价",
            "next_follow_up_at": next_at.isoformat(),
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["author"] == users.a_sales.pk
    with in_store(store_a):
        customer.refresh_from_db()
        assert customer.next_follow_up_at == next_at
        assert customer.last_follow_up_at is not None
        assert abs(customer.last_follow_up_at - timezone.now()) < timedelta(minutes=1)


def test_follow_up_without_next_time_clears_the_next_follow_up(store_a, users, in_store, make_customer):
    customer = make_customer(store_a, owner=users.a_sales, next_follow_up_at=timezone.now() - timedelta(days=1))

    with in_store(store_a):
        services.follow_up_add(customer=customer, access=access_of(users.a_sales), kind="wechat", content="成交了")
        customer.refresh_from_db()
        assert customer.next_follow_up_at is None


def test_back_dated_follow_up_does_not_move_the_dates_back(store_a, users, in_store, make_customer):
    now = timezone.now()
    customer = make_customer(
        store_a, owner=users.a_sales, last_follow_up_at=now, next_follow_up_at=now + timedelta(days=2)
    )

    with in_store(store_a):
        services.follow_up_add(
            customer=customer,
            access=access_of(users.a_sales),
            kind="visit",
            content="补录上周拜访",
            at=now - timedelta(days=7),
            next_follow_up_at=now - timedelta(days=6),
        )
        customer.refresh_from_db()
        assert customer.last_follow_up_at == now
        assert customer.next_follow_up_at == now + timedelta(days=2)
        assert FollowUp.objects.filter(customer=customer).count() == 1


def test_follow_up_by_the_return_visit_deadline_clears_it(store_a, users, in_store, make_customer):
    customer = make_customer(store_a, owner=users.a_sales, return_visit_deadline=timezone.now() + timedelta(days=1))

    with in_store(store_a):
        services.follow_up_add(customer=customer, access=access_of(users.a_sales), kind="call", content="回访")
        customer.refresh_from_db()
        assert customer.return_visit_deadline is None


def test_next_follow_up_in_the_past_is_refused(api, users, store_a, in_store, make_customer):
    customer = make_customer(store_a, owner=users.a_sales)

    response = api(users.a_sales, store_a).post(
        _url(customer),
        {"kind": "call", "content": "x", "next_follow_up_at": (timezone.now() - timedelta(hours=1)).isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["next_follow_up_at"]
    with in_store(store_a):
        assert not FollowUp.objects.exists()


def test_unknown_kind_and_empty_content_are_field_errors(api, users, store_a, make_customer):
    customer = make_customer(store_a, owner=users.a_sales)

    response = api(users.a_sales, store_a).post(_url(customer), {"kind": "fax", "content": ""}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"kind"}
    response = api(users.a_sales, store_a).post(_url(customer), {"kind": "call", "content": "  "}, format="json")
    assert set(response.json()["errors"]) == {"content"}


def test_service_refuses_an_unknown_kind(store_a, users, in_store, make_customer):
    customer = make_customer(store_a, owner=users.a_sales)

    with in_store(store_a), pytest.raises(ValidationFailed) as exc:
        services.follow_up_add(customer=customer, access=access_of(users.a_sales), kind="fax", content="x")
    assert list(exc.value.errors) == ["kind"]


def test_salesperson_cannot_follow_up_a_pool_customer(api, users, store_a, in_store, make_customer):
    customer = make_customer(store_a, owner=None)

    response = api(users.a_sales, store_a).post(_url(customer), {"kind": "call", "content": "x"}, format="json")

    assert response.status_code == 403
    with in_store(store_a):
        assert not FollowUp.objects.exists()


def test_supervisor_follows_up_a_team_members_customer(api, users, store_a, make_customer):
    customer = make_customer(store_a, owner=users.a_sales2)

    response = api(users.a_supervisor, store_a).post(_url(customer), {"kind": "call", "content": "x"}, format="json")

    assert response.status_code == 201


def test_admin_follows_up_any_customer(api, users, store_a, make_customer):
    customer = make_customer(store_a, owner=users.a_sales2)

    response = api(users.a_admin, store_a).post(_url(customer), {"kind": "email", "content": "x"}, format="json")

    assert response.status_code == 201


def test_follow_up_is_refused_when_the_customer_changed_hands_meanwhile(store_a, users, in_store, make_customer):
    customer = make_customer(store_a, owner=users.a_sales)
    with in_store(store_a):
        type(customer).objects.filter(pk=customer.pk).update(owner=None)  # released by a job

        with pytest.raises(PermissionDenied):
            services.follow_up_add(customer=customer, access=access_of(users.a_sales), kind="call", content="x")


def test_follow_ups_are_listed_newest_first(api, users, store_a, in_store, make_customer):
    customer = make_customer(store_a, owner=users.a_sales)
    now = timezone.now()
    with in_store(store_a):
        for days, text in ((3, "old"), (1, "new"), (2, "middle")):
            services.follow_up_add(
                customer=customer,
                access=access_of(users.a_sales),
                kind="call",
                content=text,
                at=now - timedelta(days=days),
            )

    response = api(users.a_sales, store_a).get(_url(customer))

    assert response.status_code == 200
    assert [row["content"] for row in response.json()["results"]] == ["new", "middle", "old"]
