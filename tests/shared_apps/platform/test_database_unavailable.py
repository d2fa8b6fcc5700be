"""A database that cannot be reached (restarted, failed over, connections cut) answers 503 with
``Retry-After``: problem+json ``service_unavailable`` on the API, the friendly page elsewhere; the
next request once it is back is served as usual, without restarting anything. (The real cut, with
PostgreSQL backends terminated under load, is ``bench/faults.py``.)"""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

from shared_apps.platform.problems import PROBLEM_CONTENT_TYPE
from tenants.middleware import StoreRoutingMiddleware
from tests.conftest import host_for


def _client(store) -> Client:
    client = Client(HTTP_HOST=host_for(store))
    client.raise_request_exception = False
    return client


@pytest.fixture
def database_down(monkeypatch):
    """Every request's first query (the host's store) fails as when PostgreSQL is unreachable."""
    state = {"down": True, "error": OperationalError("connection to server at 127.0.0.1 failed: Connection refused")}
    real = StoreRoutingMiddleware.get_tenant

    def get_tenant(self, domain_model, hostname):
        if state["down"]:
            raise state["error"]
        return real(self, domain_model, hostname)

    monkeypatch.setattr(StoreRoutingMiddleware, "get_tenant", get_tenant)
    return state


@pytest.mark.parametrize("error", [OperationalError("server closed the connection"), InterfaceError("closed")])
def test_the_api_answers_503_problem_json_and_recovers(database_down, error, api, users, store_a):
    database_down["error"] = error
    client = api(users.a_sales, store_a)
    client.raise_request_exception = False

    down = client.get("/api/v1/me")
    database_down["down"] = False
    back = client.get("/api/v1/me")

    assert down.status_code == 503
    assert down["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert down["Retry-After"] == "5"
    assert down.json()["code"] == "service_unavailable"
    assert back.status_code == 200


def test_a_query_failing_inside_a_view_is_503_too(monkeypatch, api, users, store_a):
    from shared_apps.accounts import api as accounts_api

    def lost(*args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(accounts_api.MeView, "get", lost)
    client = api(users.a_sales, store_a)
    client.raise_request_exception = False

    response = client.get("/api/v1/me")

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"


def test_pages_get_the_friendly_503_page(database_down, store_a):
    response = _client(store_a).get("/login/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    # The language is not known yet (the failure comes before it is chosen): the default, Chinese.
    assert "服务暂时不可用" in html and "Traceback" not in html


def test_other_errors_stay_500(monkeypatch, api, users, store_a):
    from shared_apps.accounts import api as accounts_api

    def broken(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(accounts_api.MeView, "get", broken)
    client = api(users.a_sales, store_a)
    client.raise_request_exception = False

    response = client.get("/api/v1/me")

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
