"""Host-based routing: the store comes from the host and nothing else."""

from __future__ import annotations

from django.db import connection
from django.test import Client

from shared_apps.platform.problems import PROBLEM_CONTENT_TYPE


def test_unknown_host_gets_404_problem_json(db):
    response = Client(HTTP_HOST="nosuch.localhost").get("/api/v1/me")

    assert response.status_code == 404
    assert response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
    assert response.json()["code"] == "not_found"


def test_unknown_host_gets_a_404_page_in_a_browser(db):
    response = Client(HTTP_HOST="nosuch.localhost").get("/", HTTP_ACCEPT="text/html")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_store_host_routes_to_its_own_schema(api, users, store_a):
    response = api(users.a_admin, store_a).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["store"]["subdomain"] == "alpha"
    assert connection.schema_name == store_a.schema_name


def test_second_store_host_routes_to_the_second_schema(api, users, store_b):
    api(users.b_admin, store_b).get("/api/v1/me")

    assert connection.schema_name == store_b.schema_name


def test_base_domain_routes_to_the_public_schema(api, users):
    response = api(users.hq_admin, None).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["store"] is None
    assert connection.schema_name == "public"


def test_subdomain_of_an_unknown_store_is_not_routed_to_a_known_one(api, users, store_a):
    response = api(users.a_admin, None).get("/api/v1/me", HTTP_HOST="alpha2.localhost")

    assert response.status_code == 404
