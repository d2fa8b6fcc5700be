"""Every date a client can send is checked: out-of-range, impossible and overflowing dates answer
400 problem+json naming the parameter, on every API endpoint whose OpenAPI document takes a date
(found from the documents, never listed), and the pages with date filters show a form error."""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from shared_apps.platform.problems import PROBLEM_CONTENT_TYPE

BAD_DATES = ("9999-12-31", "2026-02-30", "2026-13-45", "0001-01-01")
GOOD_DATE = "2026-01-15"
DATE_NAME = re.compile(r"(^|_)(from|to|start|end|date)$")


def _is_date_parameter(parameter: dict) -> bool:
    schema = parameter.get("schema", {})
    if schema.get("format") in ("date", "date-time"):
        return True
    return schema.get("type") == "string" and "enum" not in schema and bool(DATE_NAME.search(parameter["name"]))


def date_parameters(urlconf: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(path, parameter, the other date parameters of that operation) for every GET taking a date."""
    schema = SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if not get:
            continue
        names = tuple(p["name"] for p in get.get("parameters", []) if p["in"] == "query" and _is_date_parameter(p))
        found.extend((path, name, names) for name in names)
    return found


STORE_DATES = date_parameters("config.urls_tenant")
HQ_DATES = date_parameters("config.urls_public")


def test_the_documents_list_the_date_parameters_the_findings_named():
    store = {(path, name) for path, name, _ in STORE_DATES}
    hq = {(path, name) for path, name, _ in HQ_DATES}

    assert {
        ("/api/v1/payments", "created_to"),
        ("/api/v1/orders", "signed_to"),
        ("/api/v1/orders/export", "signed_from"),
        ("/api/v1/after-sales", "created_to"),
        ("/api/v1/kanban", "start"),
        ("/api/v1/enquiries/stats", "end"),
    } <= store
    assert {("/api/v1/hq/dashboard", "start"), ("/api/v1/hq/stores/{id}/kanban", "end")} <= hq


def _query(name: str, value: str, others: tuple[str, ...]) -> dict[str, str]:
    query = {name: value}
    if name in ("start", "end"):
        query["range"] = "custom"
        for other in ("start", "end"):
            if other != name and other in others:
                query[other] = GOOD_DATE
    return query


def _assert_bad_date_refused(response, what: str, name: str) -> None:
    assert response.status_code == 400, f"{what} answered {response.status_code}"
    assert response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE), what
    body = response.json()
    assert body["code"] == "validation_error", what
    assert name in body["errors"], f"{what}: {body['errors']}"


@pytest.mark.parametrize("value", BAD_DATES)
@pytest.mark.parametrize(("path", "name", "others"), STORE_DATES, ids=[f"{p}?{n}" for p, n, _ in STORE_DATES])
def test_store_api_refuses_bad_dates(path, name, others, value, api, users, store_a):
    assert "{" not in path, f"{path}: give the test a real id for this path"
    client = api(users.a_admin, store_a)
    client.raise_request_exception = False

    response = client.get(path, _query(name, value, others))

    _assert_bad_date_refused(response, f"GET {path}?{name}={value}", name)


@pytest.mark.parametrize("value", BAD_DATES)
@pytest.mark.parametrize(("path", "name", "others"), HQ_DATES, ids=[f"{p}?{n}" for p, n, _ in HQ_DATES])
def test_hq_api_refuses_bad_dates(path, name, others, value, api, users, store_a):
    client = api(users.hq_admin, None)
    client.raise_request_exception = False
    concrete = path.replace("/api/v1/hq/stores/{id}", f"/api/v1/hq/stores/{store_a.id}")
    assert "{" not in concrete, f"{path}: give the test a real id for this path"

    response = client.get(concrete, _query(name, value, others))

    _assert_bad_date_refused(response, f"GET {path}?{name}={value}", name)


STORE_PAGES = {
    "/finance/": ("created_from", "created_to", "confirmed_from", "confirmed_to"),
    "/sales/orders/": ("signed_from", "signed_to"),
    "/after-sales/": ("created_from", "created_to"),
    "/kanban/": ("start", "end"),
    "/enquiries/": ("start", "end"),
    "/kanban/reports/": ("date_from", "date_to"),
}


@pytest.mark.parametrize("value", BAD_DATES)
@pytest.mark.parametrize(
    ("path", "name"), [(p, n) for p, names in STORE_PAGES.items() for n in names], ids=lambda v: str(v)
)
def test_store_pages_show_a_form_error_for_bad_dates(path, name, value, page_client, users, store_a):
    client = page_client(users.a_admin, store_a)
    client.raise_request_exception = False

    response = client.get(path, _query(name, value, STORE_PAGES[path]))

    assert response.status_code in (200, 400), f"GET {path}?{name}={value} answered {response.status_code}"
    html = response.content.decode()
    assert 'role="alert"' in html, f"GET {path}?{name}={value} shows no error"


@pytest.mark.parametrize("value", BAD_DATES)
@pytest.mark.parametrize("name", ["start", "end"])
def test_hq_dashboard_page_answers_bad_dates_without_a_server_error(name, value, page_client, users):
    client = page_client(users.hq_admin, None)
    client.raise_request_exception = False

    response = client.get("/dashboard/", _query(name, value, ("start", "end")))

    assert response.status_code in (200, 400), f"GET /dashboard/?{name}={value} answered {response.status_code}"
