"""No bad input gives a 500: every API endpoint (enumerated, never listed) and every verb answer a
4xx problem for malformed JSON, wrong shapes, wrong types and junk query parameters."""

from __future__ import annotations

import json

import pytest

from shared_apps.platform.problems import PROBLEM_CONTENT_TYPE
from tests.isolation.urlenum import endpoints

WRITE_VERBS = ("POST", "PUT", "PATCH")
BAD_BODIES = {
    "malformed-json": '{"name": ',
    "json-array": "[1, 2, 3]",
    "wrong-types": json.dumps(
        {
            "email": 12,
            "name": ["x"],
            "id": "abc",
            "amount": "NaN",
            "quantity": -1,
            "date": "not-a-date",
            "role": {"x": 1},
            "platform": None,
            "code": "x" * 1000,
            "supervisor": "me",
            "is_active": "maybe",
            "discount_threshold": "1e999",
        }
    ),
    "nul-characters": json.dumps({"name": "a\u0000b", "code": "\u0000", "email": "a\u0000@example.com"}),
}
BAD_QUERIES = {
    "junk-paging": "page=abc&page_size=-5&ordering=-no_such_field",
    "nul-and-huge": "q=%00&ordering=%00&page=99999999999999999999&page_size=99999999999",
    "junk-filters": "platform=zzz&is_active=perhaps&status=%ff&date=2026-13-45&owner=me&id=x",
}


def api_paths(urlconf: str) -> list[str]:
    return [
        e.path for e in endpoints(urlconf) if e.is_api and not e.path.startswith(("/api/v1/schema", "/api/v1/docs"))
    ]


STORE_API = api_paths("config.urls_tenant")
HQ_API = api_paths("config.urls_public")


def assert_client_error(response, what: str) -> None:
    assert response.status_code < 500, f"{what} answered {response.status_code}"
    if response.status_code >= 400:
        assert response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE), what


def client_for(api, user, store):
    client = api(user, store)
    client.raise_request_exception = False
    return client


def send_bad_bodies(client, verb: str, path: str) -> None:
    for name, body in BAD_BODIES.items():
        response = getattr(client, verb.lower())(path, body, content_type="application/json")
        assert_client_error(response, f"{verb} {path} with {name}")


@pytest.mark.parametrize("verb", WRITE_VERBS)
@pytest.mark.parametrize("path", STORE_API)
def test_store_api_answers_bad_bodies_with_a_client_error(path, verb, api, users, store_a):
    send_bad_bodies(client_for(api, users.a_admin, store_a), verb, path)


@pytest.mark.parametrize("query", BAD_QUERIES, ids=list(BAD_QUERIES))
@pytest.mark.parametrize("path", STORE_API)
def test_store_api_answers_junk_query_parameters_without_a_server_error(path, query, api, users, store_a):
    response = client_for(api, users.a_admin, store_a).get(f"{path}?{BAD_QUERIES[query]}")

    assert_client_error(response, f"GET {path}?{BAD_QUERIES[query]}")


@pytest.mark.parametrize("verb", WRITE_VERBS)
@pytest.mark.parametrize("path", HQ_API)
def test_hq_api_answers_bad_bodies_with_a_client_error(path, verb, api, users):
    send_bad_bodies(client_for(api, users.hq_admin, None), verb, path)


@pytest.mark.parametrize("query", BAD_QUERIES, ids=list(BAD_QUERIES))
@pytest.mark.parametrize("path", HQ_API)
def test_hq_api_answers_junk_query_parameters_without_a_server_error(path, query, api, users):
    response = client_for(api, users.hq_admin, None).get(f"{path}?{BAD_QUERIES[query]}")

    assert_client_error(response, f"GET {path}?{BAD_QUERIES[query]}")


def test_form_encoded_body_to_a_json_endpoint_is_a_client_error(api, store_a):
    response = client_for(api, None, store_a).post("/api/v1/auth/token", "email=x", content_type="text/plain")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_a_nul_character_in_a_json_body_is_a_parse_error_and_writes_nothing(api, users, store_a, in_store):
    from tenant_apps.sales.models import Category

    response = client_for(api, users.a_admin, store_a).post(
        "/api/v1/categories", {"name": "pallets\x00"}, format="json"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    with in_store(store_a):
        assert not Category.objects.filter(name__startswith="pallets").exists()


def test_a_nul_character_in_a_query_parameter_is_refused_with_a_problem(api, users, store_a):
    response = client_for(api, users.a_admin, store_a).get("/api/v1/orders?q=a%00b")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


DEEPLY_NESTED = '{"tags": ' + "[" * 2000 + "]" * 2000 + ', "name": "x"}'


def _assert_refused_as_a_problem(response, what: str) -> None:
    assert 400 <= response.status_code < 500, f"{what} answered {response.status_code}"
    assert response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE), what


@pytest.mark.parametrize("path", STORE_API)
def test_store_api_refuses_deeply_nested_json(path, api, users, store_a):
    client = client_for(api, users.a_admin, store_a)
    for verb in WRITE_VERBS:
        response = getattr(client, verb.lower())(path, DEEPLY_NESTED, content_type="application/json")
        _assert_refused_as_a_problem(response, f"{verb} {path} with 2000 levels of nesting")


@pytest.mark.parametrize("path", HQ_API)
def test_hq_api_refuses_deeply_nested_json(path, api, users):
    client = client_for(api, users.hq_admin, None)
    for verb in WRITE_VERBS:
        response = getattr(client, verb.lower())(path, DEEPLY_NESTED, content_type="application/json")
        _assert_refused_as_a_problem(response, f"{verb} {path} with 2000 levels of nesting")


def test_nesting_within_the_limit_is_still_parsed(api, users, store_a):
    body = json.dumps({"name": "shelf", "extra": [[[[{"a": [1, 2]}]]]]})

    response = client_for(api, users.a_admin, store_a).post("/api/v1/categories", body, content_type="application/json")

    assert response.status_code == 201, response.content


TEN_MEGABYTES = json.dumps({"name": "x" * (10 * 1024 * 1024)})


@pytest.mark.parametrize(
    ("path", "store"),
    [("/api/v1/customers", "a"), ("/api/v1/categories", "a"), ("/api/v1/auth/token", "a"), ("/api/v1/signup", None)],
)
def test_a_ten_megabyte_json_body_is_413_problem_json(path, store, api, users, store_a):
    client = client_for(api, users.a_admin if store else None, store_a if store else None)

    response = client.post(path, TEN_MEGABYTES, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
    assert response.json()["code"] == "payload_too_large"


def test_a_ten_megabyte_form_to_a_page_is_413(page_client, users, store_a):
    client = page_client(users.a_admin, store_a)
    client.raise_request_exception = False

    response = client.post("/customers/new/", {"name": "x" * (10 * 1024 * 1024)})

    assert response.status_code == 413
