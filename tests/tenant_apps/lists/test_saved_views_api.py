"""Saved views (场景) and list preferences through the API: per user, shareable within the store,
checked against the list's declaration, changed only by their owner."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def create(api, user, store, **body):
    payload = {"list": "customers", "name": "A customers", "filters": {"grade": "A"}, **body}
    return api(user, store).post("/api/v1/saved-views", payload, format="json")


def test_a_view_is_saved_with_its_filters_columns_and_ordering(api, users, store_a):
    response = create(api, users.a_sales, store_a, columns=["mobile", "name"], ordering="-name")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["list"] == "customers"
    assert body["filters"] == {"grade": "A"}
    assert body["columns"] == ["name", "mobile"]  # the list's own order
    assert body["ordering"] == "-name"
    assert body["shared"] is False
    assert body["owner"] == users.a_sales.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"list": "nothing"}, "list"),
        ({"filters": {"colour": "red"}}, "filters"),
        ({"filters": {"grade": 3}}, "filters"),
        ({"columns": ["name", "shoe_size"]}, "columns"),
        ({"ordering": "mobile"}, "ordering"),
        ({"name": ""}, "name"),
        ({"name": "x" * 61}, "name"),
        ({"shared": "yes"}, "shared"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field_and_saves_nothing(api, users, store_a, in_store, body, field):
    response = create(api, users.a_sales, store_a, **body)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["errors"]
    assert api(users.a_sales, store_a).get("/api/v1/saved-views").json()["count"] == 0


def test_the_same_name_twice_is_a_conflict(api, users, store_a):
    assert create(api, users.a_sales, store_a).status_code == 201
    response = create(api, users.a_sales, store_a)
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_saved_view"


def test_a_private_view_is_seen_by_its_owner_only_and_a_shared_one_by_the_store(api, users, store_a):
    private = create(api, users.a_sales, store_a, name="Mine").json()
    shared = create(api, users.a_sales, store_a, name="Team", shared=True).json()

    own = api(users.a_sales, store_a).get("/api/v1/saved-views?list=customers").json()
    other = api(users.a_sales2, store_a).get("/api/v1/saved-views").json()

    assert {v["name"] for v in own["results"]} == {"Mine", "Team"}
    assert [v["name"] for v in other["results"]] == ["Team"]
    assert api(users.a_sales2, store_a).get(f"/api/v1/saved-views/{private['id']}").status_code == 404
    assert api(users.a_sales2, store_a).get(f"/api/v1/saved-views/{shared['id']}").status_code == 200


def test_only_the_owner_changes_or_deletes_a_shared_view(api, users, store_a):
    shared = create(api, users.a_sales, store_a, name="Team", shared=True).json()
    url = f"/api/v1/saved-views/{shared['id']}"

    refused = api(users.a_admin, store_a).patch(url, {"name": "Renamed"}, format="json")
    assert refused.status_code == 403
    assert api(users.a_admin, store_a).delete(url).status_code == 403

    renamed = api(users.a_sales, store_a).patch(url, {"name": "Renamed", "ordering": "name"}, format="json")
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Renamed"
    assert api(users.a_sales, store_a).delete(url).status_code == 204
    assert api(users.a_sales, store_a).get(url).status_code == 404


def test_a_view_of_another_store_is_not_found(api, users, store_a, store_b):
    view = create(api, users.a_admin, store_a, shared=True).json()
    assert api(users.b_admin, store_b).get(f"/api/v1/saved-views/{view['id']}").status_code == 404


def test_preferences_default_to_the_list_declaration_and_are_remembered_per_user(api, users, store_a):
    client = api(users.a_sales, store_a)
    default = client.get("/api/v1/list-preferences/orders").json()
    assert default["density"] == "comfortable"
    assert "due_date" not in default["columns"]

    saved = client.put(
        "/api/v1/list-preferences/orders", {"density": "compact", "columns": ["amount", "due_date"]}, format="json"
    )
    assert saved.status_code == 200
    assert saved.json() == {"list": "orders", "density": "compact", "columns": ["number", "amount", "due_date"]}
    assert client.get("/api/v1/list-preferences/orders").json()["density"] == "compact"
    assert api(users.a_sales2, store_a).get("/api/v1/list-preferences/orders").json()["density"] == "comfortable"


def test_bad_preferences_are_refused(api, users, store_a):
    client = api(users.a_sales, store_a)
    assert client.put("/api/v1/list-preferences/orders", {"density": "tiny"}, format="json").status_code == 400
    assert client.put("/api/v1/list-preferences/orders", {"columns": ["nope"]}, format="json").status_code == 400
    assert client.get("/api/v1/list-preferences/nothing").status_code == 404
    assert client.get("/api/v1/list-preferences/orders").json()["density"] == "comfortable"
