"""Creating and editing customers: validation, ownership and dual verification (409 duplicate_customer)."""

from __future__ import annotations

import pytest

from shared_apps.platform.problems import PROBLEM_CONTENT_TYPE
from tenant_apps.customers import services
from tenant_apps.customers.error_codes import DuplicateCustomer
from tenant_apps.customers.models import Customer
from tenant_apps.customers.services import duplicates
from tests.factories import access_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers"


def _count(in_store, store) -> int:
    with in_store(store):
        return Customer.objects.count()


# --- create -----------------------------------------------------------------------------------


def test_salesperson_creates_a_customer_and_owns_it(api, users, store_a, make_tag):
    make_tag(store_a, "经销商")

    response = api(users.a_sales, store_a).post(
        URL,
        {
            "name": "王建华",
            "company": "苏州恒通物流",
            "mobile": "+86 138-0013-8000",
            "wechat_id": "wjh_pallet",
            "channel": "tmall",
            "province": "江苏",
            "city": "苏州",
            "tags": ["经销商"],
            "grade": "b",
            "intention_level": "high",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner"] == users.a_sales.pk
    assert body["in_pool"] is False
    assert body["mobile_normalized"] == "+8613800138000"
    assert body["channel"] == "tmall"
    assert body["tags"] == ["经销商"]
    assert body["grade"] == "B"
    assert set(body) >= {
        "id",
        "name",
        "company",
        "mobile",
        "wechat_id",
        "platform_chat_id",
        "channel",
        "province",
        "city",
        "address",
        "tags",
        "grade",
        "owner",
        "in_pool",
        "next_follow_up_at",
        "last_follow_up_at",
        "created_at",
    }


def test_admin_creating_without_owner_puts_the_customer_in_the_pool(api, users, store_a):
    response = api(users.a_admin, store_a).post(URL, {"name": "池中客户"}, format="json")

    assert response.status_code == 201
    assert response.json()["owner"] is None
    assert response.json()["in_pool"] is True


def test_supervisor_may_create_for_a_team_member(api, users, store_a):
    response = api(users.a_supervisor, store_a).post(
        URL, {"name": "分配客户", "owner": users.a_sales2.pk}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["owner"] == users.a_sales2.pk


def test_salesperson_cannot_create_for_someone_else(api, users, store_a, in_store):
    response = api(users.a_sales, store_a).post(URL, {"name": "别人的", "owner": users.a_sales2.pk}, format="json")

    assert response.status_code == 400
    assert "owner" in response.json()["errors"]
    assert _count(in_store, store_a) == 0


def test_owner_must_be_a_salesperson_or_supervisor_of_the_store(api, users, store_a, in_store):
    response = api(users.a_admin, store_a).post(URL, {"name": "X", "owner": users.b_sales.pk}, format="json")

    assert response.status_code == 400
    assert "owner" in response.json()["errors"]
    assert _count(in_store, store_a) == 0


def test_finance_cannot_create_customers(api, users, store_a, in_store):
    response = api(users.a_finance, store_a).post(URL, {"name": "财务建的"}, format="json")

    assert response.status_code == 403
    assert _count(in_store, store_a) == 0


def test_empty_name_is_a_field_error(api, users, store_a, in_store):
    response = api(users.a_sales, store_a).post(URL, {"name": "  ", "mobile": "13800138000"}, format="json")

    assert response.status_code == 400
    assert response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["errors"]) == ["name"]
    assert _count(in_store, store_a) == 0


def test_invalid_mobile_is_a_field_error(api, users, store_a, in_store):
    response = api(users.a_sales, store_a).post(URL, {"name": "张三", "mobile": "12345"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["mobile"]
    assert _count(in_store, store_a) == 0


def test_unknown_tag_is_a_field_error_naming_the_tag(api, users, store_a, in_store, make_tag):
    make_tag(store_a, "重点客户")

    response = api(users.a_sales, store_a).post(URL, {"name": "张三", "tags": ["重点客户", "不存在"]}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["tags"]
    assert "不存在" in response.json()["errors"]["tags"][0]
    assert _count(in_store, store_a) == 0


def test_unknown_channel_is_a_field_error(api, users, store_a, in_store):
    response = api(users.a_sales, store_a).post(URL, {"name": "张三", "channel": "myspace"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["channel"]
    assert _count(in_store, store_a) == 0


def test_every_bad_field_is_reported_at_once(api, users, store_a):
    response = api(users.a_sales, store_a).post(
        URL,
        {"name": "", "mobile": "1", "tags": ["nope"], "channel": "nope", "grade": "E", "intention_level": "hot"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "mobile", "tags", "channel", "grade", "intention_level"}


def test_overlong_text_is_a_field_error_not_a_server_error(api, users, store_a):
    response = api(users.a_sales, store_a).post(URL, {"name": "张" * 121}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["name"]


# --- dual verification on create --------------------------------------------------------------


def test_same_mobile_in_another_form_is_a_duplicate_naming_the_owner(api, users, store_a, in_store, make_customer):
    existing = make_customer(store_a, owner=users.a_sales2, name="李雷", mobile="13800138000")

    response = api(users.a_sales, store_a).post(URL, {"name": "李雷 2", "mobile": "+86 138-0013-8000"}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_customer"
    assert body["existing"] == {"id": existing.pk, "name": "李雷", "owner": users.a_sales2.pk}
    assert list(body["errors"]) == ["mobile"]
    assert _count(in_store, store_a) == 1


def test_duplicate_of_a_pool_customer_names_no_owner(api, users, store_a, in_store, make_customer):
    existing = make_customer(store_a, owner=None, name="池客户", mobile="13800138000")

    response = api(users.a_sales, store_a).post(URL, {"name": "新", "mobile": "13800138000"}, format="json")

    assert response.status_code == 409
    assert response.json()["existing"] == {"id": existing.pk, "name": "池客户", "owner": None}
    assert _count(in_store, store_a) == 1


def test_same_wechat_id_is_a_duplicate(api, users, store_a, in_store, make_customer):
    existing = make_customer(store_a, owner=users.a_sales, wechat_id="pallet_boss")

    response = api(users.a_sales2, store_a).post(URL, {"name": "新", "wechat_id": "pallet_boss"}, format="json")

    assert response.status_code == 409
    assert response.json()["existing"]["id"] == existing.pk
    assert list(response.json()["errors"]) == ["wechat_id"]
    assert _count(in_store, store_a) == 1


def test_same_platform_chat_id_is_a_duplicate(api, users, store_a, in_store, make_customer):
    existing = make_customer(store_a, owner=users.a_sales, platform_chat_id="tb_buyer_001")

    response = api(users.a_sales2, store_a).post(URL, {"name": "新", "platform_chat_id": "tb_buyer_001"}, format="json")

    assert response.status_code == 409
    assert response.json()["existing"] == {"id": existing.pk, "name": existing.name, "owner": users.a_sales.pk}
    assert list(response.json()["errors"]) == ["platform_chat_id"]
    assert _count(in_store, store_a) == 1


def test_the_same_person_may_exist_in_two_stores(api, users, store_a, store_b, make_customer):
    make_customer(store_a, owner=users.a_sales, mobile="13800138000")

    response = api(users.b_sales, store_b).post(URL, {"name": "同一人", "mobile": "13800138000"}, format="json")

    assert response.status_code == 201


def test_database_constraint_backs_the_lookup(store_a, users, in_store, make_customer, monkeypatch):
    """Even when the look-up misses (a concurrent insert), the unique constraint answers 409."""
    existing = make_customer(store_a, owner=users.a_sales2, name="先到", mobile="13800138000")
    monkeypatch.setattr(duplicates, "find_duplicate", _miss_once(services.find_duplicate))

    with in_store(store_a):
        with pytest.raises(DuplicateCustomer) as exc:
            services.customer_create(data={"name": "后到", "mobile": "13800138000"}, access=access_of(users.a_sales))
        assert exc.value.existing == {"id": existing.pk, "name": "先到", "owner": users.a_sales2.pk}
        assert Customer.objects.count() == 1


def _miss_once(real):
    calls = {"n": 0}

    def lookup(**kwargs):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(**kwargs)

    return lookup


def test_service_accepts_a_user_as_actor(store_a, users, in_store):
    with in_store(store_a):
        customer = services.customer_create(
            data={"name": "导入客户", "mobile": "13900139000"}, access=access_of(users.a_sales)
        )

        assert customer.owner_id == users.a_sales.pk
        assert customer.created_by_id == users.a_sales.pk


# --- edit -------------------------------------------------------------------------------------


def test_owner_edits_the_profile(api, users, store_a, in_store, make_customer, make_tag):
    customer = make_customer(store_a, owner=users.a_sales, name="旧名")
    make_tag(store_a, "电商平台")

    response = api(users.a_sales, store_a).patch(
        f"{URL}/{customer.pk}",
        {"name": "新名", "grade": "A", "tags": ["电商平台"], "product_preferences": ["1200x1000 川字"]},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "新名"
    assert response.json()["grade"] == "A"
    assert response.json()["tags"] == ["电商平台"]
    with in_store(store_a):
        customer.refresh_from_db()
        assert customer.product_preferences == ["1200x1000 川字"]


def test_edit_to_a_mobile_of_another_customer_is_a_duplicate_and_changes_nothing(
    api, users, store_a, in_store, make_customer
):
    other = make_customer(store_a, owner=None, name="池中", mobile="13800138000")
    customer = make_customer(store_a, owner=users.a_sales, name="我的", mobile="13900139000")

    response = api(users.a_sales, store_a).patch(
        f"{URL}/{customer.pk}", {"name": "改名", "mobile": "138 0013 8000"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["existing"] == {"id": other.pk, "name": "池中", "owner": None}
    with in_store(store_a):
        customer.refresh_from_db()
        assert (customer.name, customer.mobile_normalized) == ("我的", "+8613900139000")


def test_edit_to_a_wechat_id_of_another_customer_is_a_duplicate(api, users, store_a, make_customer):
    other = make_customer(store_a, owner=users.a_sales2, wechat_id="taken")
    customer = make_customer(store_a, owner=users.a_sales)

    response = api(users.a_sales, store_a).patch(f"{URL}/{customer.pk}", {"wechat_id": "taken"}, format="json")

    assert response.status_code == 409
    assert response.json()["existing"]["id"] == other.pk


def test_edit_keeping_its_own_mobile_is_not_a_duplicate(api, users, store_a, make_customer):
    customer = make_customer(store_a, owner=users.a_sales, mobile="13800138000")

    response = api(users.a_sales, store_a).patch(f"{URL}/{customer.pk}", {"mobile": "+8613800138000"}, format="json")

    assert response.status_code == 200


def test_edit_with_an_empty_name_is_refused(api, users, store_a, make_customer):
    customer = make_customer(store_a, owner=users.a_sales)

    response = api(users.a_sales, store_a).patch(f"{URL}/{customer.pk}", {"name": ""}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["name"]


def test_salesperson_cannot_edit_a_pool_customer(api, users, store_a, make_customer):
    customer = make_customer(store_a, owner=None)

    response = api(users.a_sales, store_a).patch(f"{URL}/{customer.pk}", {"name": "抢"}, format="json")

    assert response.status_code == 403


def test_supervisor_hands_a_customer_to_a_team_member(api, users, store_a, in_store, make_customer):
    customer = make_customer(store_a, owner=users.a_sales)

    response = api(users.a_supervisor, store_a).patch(
        f"{URL}/{customer.pk}", {"owner": users.a_sales2.pk}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["owner"] == users.a_sales2.pk
    with in_store(store_a):
        customer.refresh_from_db()
        assert customer.owner_since is not None


def test_edit_cannot_send_a_customer_to_the_pool(api, users, store_a, make_customer):
    customer = make_customer(store_a, owner=users.a_sales)

    response = api(users.a_admin, store_a).patch(f"{URL}/{customer.pk}", {"owner": None}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["owner"]
