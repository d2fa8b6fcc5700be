"""/api/v1/tags: supervisors and admins manage tags; everyone who sees customers reads them."""

from __future__ import annotations

import pytest

from tenant_apps.customers.models import Tag

pytestmark = pytest.mark.django_db

URL = "/api/v1/tags"


def test_supervisor_creates_a_tag(api, users, store_a, in_store):
    response = api(users.a_supervisor, store_a).post(URL, {"name": "重点客户", "color": "red"}, format="json")

    assert response.status_code == 201
    with in_store(store_a):
        assert Tag.objects.get().name == "重点客户"


def test_salesperson_cannot_create_a_tag(api, users, store_a, in_store):
    response = api(users.a_sales, store_a).post(URL, {"name": "随便"}, format="json")

    assert response.status_code == 403
    with in_store(store_a):
        assert not Tag.objects.exists()


def test_salesperson_lists_tags(api, users, store_a, make_tag):
    make_tag(store_a, "经销商")
    make_tag(store_a, "电商平台")

    response = api(users.a_sales, store_a).get(URL)

    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["电商平台", "经销商"]


def test_tag_name_taken_in_another_case_is_a_conflict(api, users, store_a, make_tag):
    make_tag(store_a, "VIP")

    response = api(users.a_admin, store_a).post(URL, {"name": "vip"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_tag"


def test_empty_tag_name_is_a_field_error(api, users, store_a):
    response = api(users.a_admin, store_a).post(URL, {"name": " "}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["name"]


def test_rename_a_tag_keeps_it_on_its_customers(api, users, store_a, in_store, make_customer):
    customer = make_customer(store_a, owner=users.a_sales, tags=["旧名"])
    with in_store(store_a):
        tag = Tag.objects.get(name="旧名")

    response = api(users.a_admin, store_a).patch(f"{URL}/{tag.pk}", {"name": "新名"}, format="json")

    assert response.status_code == 200
    with in_store(store_a):
        assert list(customer.tags.values_list("name", flat=True)) == ["新名"]


def test_delete_a_tag_removes_it_from_customers(api, users, store_a, in_store, make_customer):
    customer = make_customer(store_a, owner=users.a_sales, tags=["过期"])
    with in_store(store_a):
        tag = Tag.objects.get(name="过期")

    response = api(users.a_supervisor, store_a).delete(f"{URL}/{tag.pk}")

    assert response.status_code == 204
    with in_store(store_a):
        assert not Tag.objects.exists()
        assert not customer.tags.exists()


def test_unknown_tag_id_is_404(api, users, store_a):
    assert api(users.a_admin, store_a).patch(f"{URL}/999999", {"name": "x"}, format="json").status_code == 404
