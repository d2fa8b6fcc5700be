"""GET /api/v1/customers: filters, search, ordering, pagination and a constant query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenant_apps.workspace.selectors import channel_list

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers"


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


@pytest.fixture
def admin(api, users, store_a):
    return api(users.a_admin, store_a)


@pytest.fixture
def tmall(store_a, in_store):
    with in_store(store_a):
        return channel_list().get(code="tmall")


def test_q_matches_name_and_company(admin, store_a, make_customer):
    make_customer(store_a, name="王建华", company="苏州恒通")
    make_customer(store_a, name="李四", company="恒通物流")
    make_customer(store_a, name="赵六", company="上海")

    assert sorted(_names(admin.get(URL, {"q": "恒通"}))) == ["李四", "王建华"]


def test_q_matches_mobile_digits_in_any_form(admin, store_a, make_customer):
    make_customer(store_a, name="有号码", mobile="13800138000")
    make_customer(store_a, name="别的号码", mobile="13900139000")

    assert _names(admin.get(URL, {"q": "138-0013"})) == ["有号码"]
    assert _names(admin.get(URL, {"q": "+86 138 0013 8000"})) == ["有号码"]


def test_q_matches_chat_ids_by_prefix(admin, store_a, make_customer):
    make_customer(store_a, name="微信", wechat_id="pallet_boss_88")
    make_customer(store_a, name="旺旺", platform_chat_id="tb_pallet_buyer")

    assert _names(admin.get(URL, {"q": "pallet_boss"})) == ["微信"]
    assert _names(admin.get(URL, {"q": "tb_pallet"})) == ["旺旺"]


def test_owner_filter(admin, users, store_a, make_customer):
    make_customer(store_a, name="A1", owner=users.a_sales)
    make_customer(store_a, name="A2", owner=users.a_sales2)

    assert _names(admin.get(URL, {"owner": users.a_sales.pk})) == ["A1"]


def test_owner_me_filter(api, users, store_a, make_customer):
    make_customer(store_a, name="mine", owner=users.a_sales)
    make_customer(store_a, name="pool", owner=None)

    assert _names(api(users.a_sales, store_a).get(URL, {"owner": "me"})) == ["mine"]


@pytest.mark.parametrize(("value", "expected"), [("true", ["pool"]), ("false", ["owned"])])
def test_in_pool_filter(admin, users, store_a, make_customer, value, expected):
    make_customer(store_a, name="pool", owner=None)
    make_customer(store_a, name="owned", owner=users.a_sales)

    assert _names(admin.get(URL, {"in_pool": value})) == expected


def test_grade_filter(admin, store_a, make_customer):
    make_customer(store_a, name="A 级", grade="A")
    make_customer(store_a, name="D 级", grade="D")

    assert _names(admin.get(URL, {"grade": "a"})) == ["A 级"]


def test_tag_filter(admin, store_a, make_customer):
    make_customer(store_a, name="重点", tags=["重点客户", "经销商"])
    make_customer(store_a, name="普通", tags=["经销商"])

    assert _names(admin.get(URL, {"tag": "重点客户"})) == ["重点"]


def test_channel_filter(admin, store_a, make_customer, tmall):
    make_customer(store_a, name="天猫来的", channel=tmall)
    make_customer(store_a, name="没有渠道")

    assert _names(admin.get(URL, {"channel": "tmall"})) == ["天猫来的"]


def test_province_filter(admin, store_a, make_customer):
    make_customer(store_a, name="江苏客户", province="江苏")
    make_customer(store_a, name="浙江客户", province="浙江")

    assert _names(admin.get(URL, {"province": "浙江"})) == ["浙江客户"]


@time_machine.travel("2025-06-10 10:00 +0800", tick=False)
def test_follow_up_due_filters(admin, store_a, make_customer):
    now = timezone.now()
    make_customer(store_a, name="long overdue", next_follow_up_at=now - timedelta(days=5))
    make_customer(store_a, name="just due", next_follow_up_at=now - timedelta(hours=1))
    make_customer(store_a, name="later today", next_follow_up_at=now + timedelta(hours=5))
    make_customer(store_a, name="tomorrow", next_follow_up_at=now + timedelta(days=1))
    make_customer(store_a, name="no plan")

    assert sorted(_names(admin.get(URL, {"follow_up_due": "due"}))) == ["just due", "long overdue"]
    assert _names(admin.get(URL, {"follow_up_due": "overdue"})) == ["long overdue"]  # grace: 3 days
    assert sorted(_names(admin.get(URL, {"follow_up_due": "today"}))) == ["just due", "later today"]


def test_filters_combine(admin, users, store_a, make_customer):
    make_customer(store_a, name="江苏 A", province="江苏", grade="A", owner=users.a_sales)
    make_customer(store_a, name="江苏 B", province="江苏", grade="B", owner=users.a_sales)
    make_customer(store_a, name="浙江 A", province="浙江", grade="A", owner=users.a_sales)

    assert _names(admin.get(URL, {"q": "江苏", "province": "江苏", "grade": "A"})) == ["江苏 A"]


@pytest.mark.parametrize(
    ("param", "value"),
    [("grade", "E"), ("in_pool", "maybe"), ("owner", "bob"), ("follow_up_due", "soon"), ("ordering", "mobile")],
)
def test_malformed_filter_is_a_field_error(admin, param, value):
    response = admin.get(URL, {param: value})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [param]


def test_default_order_is_newest_first(admin, store_a, make_customer):
    for name in ("first", "second", "third"):
        make_customer(store_a, name=name)

    assert _names(admin.get(URL)) == ["third", "second", "first"]


def test_ordering_by_name(admin, store_a, make_customer):
    for name in ("b", "c", "a"):
        make_customer(store_a, name=name)

    assert _names(admin.get(URL, {"ordering": "name"})) == ["a", "b", "c"]
    assert _names(admin.get(URL, {"ordering": "-name"})) == ["c", "b", "a"]


def test_ordering_by_next_follow_up_puts_empty_last(admin, store_a, make_customer):
    now = timezone.now()
    make_customer(store_a, name="none")
    make_customer(store_a, name="later", next_follow_up_at=now + timedelta(days=2))
    make_customer(store_a, name="sooner", next_follow_up_at=now + timedelta(days=1))

    assert _names(admin.get(URL, {"ordering": "next_follow_up_at"})) == ["sooner", "later", "none"]


def test_list_is_paginated(admin, store_a, make_customer):
    for index in range(3):
        make_customer(store_a, name=f"c{index}")

    body = admin.get(URL, {"page_size": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"] is not None


def test_merged_records_are_not_listed(admin, store_a, make_customer, in_store):
    survivor = make_customer(store_a, name="survivor")
    make_customer(store_a, name="gone", merged_into=survivor)

    assert _names(admin.get(URL)) == ["survivor"]


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"page_size": 50})
    assert response.status_code == 200
    return len(captured)


def test_list_query_count_does_not_grow_with_customers(api, users, store_a, make_customer, tmall):
    client = api(users.a_supervisor, store_a)
    _list_queries(client)  # the first request of a token records its use
    for index in range(5):
        make_customer(store_a, name=f"few {index}", owner=users.a_sales, channel=tmall, tags=["重点客户", "经销商"])
    few = _list_queries(client)
    for index in range(25):
        owner = (users.a_sales, users.a_sales2, None)[index % 3]
        make_customer(store_a, name=f"many {index}", owner=owner, channel=tmall, tags=["重点客户", f"t{index}"])
    many = _list_queries(client)

    assert many == few
