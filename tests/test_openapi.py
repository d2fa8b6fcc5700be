"""The OpenAPI documents: each host describes its own endpoints, and every endpoint is described
without drf-spectacular warnings (a new endpoint with an undocumented shape fails here)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

from tests.conftest import host_for


@pytest.mark.parametrize("urlconf", ["config.urls_tenant", "config.urls_public"])
def test_schema_generates_without_warnings(urlconf, tmp_path, db):
    GENERATOR_STATS.reset()
    call_command("spectacular", "--urlconf", urlconf, "--validate", "--file", str(tmp_path / "schema.yaml"))
    assert not GENERATOR_STATS._warn_cache, sorted(GENERATOR_STATS._warn_cache)
    assert not GENERATOR_STATS._error_cache, sorted(GENERATOR_STATS._error_cache)


def test_store_host_schema_lists_store_endpoints_only(api, store_a):
    response = api(None, store_a).get("/api/v1/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/me" in paths
    assert "/api/v1/auth/token" in paths
    assert not any(path.startswith("/api/v1/hq/") for path in paths)


def test_public_host_schema_lists_hq_endpoints_only(api):
    response = api(None, None).get("/api/v1/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert any(path.startswith("/api/v1/hq/") for path in paths)
    assert "/api/v1/notifications" not in paths


def test_docs_page_loads_swagger_from_our_static_files(client, store_a):
    response = client.get("/api/v1/docs/", HTTP_HOST=host_for(store_a))

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/swagger-ui/" in html
    assert "cdn" not in html.lower()


def test_customer_list_documents_the_filters_other_modules_register(api, store_a):
    from tenant_apps.customers.panels import list_filters
    from tenant_apps.insights.segments import BANDS, SEGMENT_KEYS

    paths = api(None, store_a).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]

    registered = {extra.key for extra in list_filters()}
    assert {"segment", "churn_band"} <= registered
    for path in ("/api/v1/customers", "/api/v1/customers/export"):
        parameters = {p["name"]: p for p in paths[path]["get"]["parameters"]}
        assert registered <= set(parameters), path
        assert set(parameters["segment"]["schema"]["enum"]) == set(SEGMENT_KEYS)
        # Several bands may be asked for at once: a free string whose description names the values.
        assert "enum" not in parameters["churn_band"]["schema"]
        assert all(band.key in parameters["churn_band"]["description"] for band in BANDS)
    # Only the list (and its export) take them: creating a customer does not.
    create = paths["/api/v1/customers"]["post"]
    assert not any(p["name"] == "segment" for p in create.get("parameters", []))
    retrieve = paths["/api/v1/customers/{id}"]["get"]
    assert not any(p["name"] == "segment" for p in retrieve.get("parameters", []))


def _readme() -> str:
    from django.conf import settings

    return (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")


def _path_shape(path: str) -> str:
    import re

    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/"))


def _hq_paths_named_in(text: str) -> set[str]:
    """Every ``/api/v1/hq/...`` path the text names in code spans, with its ids as ``{}``; an
    optional tail written ``[/{x}]`` counts with and without it."""
    import re

    named: set[str] = set()
    for span in re.findall(r"`([^`]*)`", text):
        for path in re.findall(r"/api/v1/hq/(?:[^\s`?,{\[]|\{[^}]*\}|\[[^\]]*\])*", span):
            if "[" in path:
                named.add(_path_shape(re.sub(r"\[[^\]]*\]", "", path)))
                path = re.sub(r"\[([^\]]*)\]", r"\1", path)
            named.add(_path_shape(path))
    named.discard(_path_shape("/api/v1/hq/"))
    return named


def test_every_hq_path_the_readme_documents_is_in_the_public_schema(api):
    paths = api(None, None).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]

    documented = _hq_paths_named_in(_readme())

    assert "/api/v1/hq/audit/logins" in documented
    assert documented - {_path_shape(path) for path in paths} == set()


def test_the_readme_entry_of_hq_sign_ins_names_its_parameters_fields_roles_and_errors(api):
    """The README's entry of ``GET /api/v1/hq/audit/logins`` (a paragraph starting with it) names
    every query parameter and every field of a row that the OpenAPI document has."""
    schema = api(None, None).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/hq/audit/logins"]["get"]
    row = schema["components"]["schemas"]["SignIn"]["properties"]
    paragraphs = [p for p in _readme().split("\n\n") if p.startswith("**`GET /api/v1/hq/audit/logins`**")]

    assert len(paragraphs) == 1, "no README entry of GET /api/v1/hq/audit/logins"
    entry = paragraphs[0]
    parameters = {parameter["name"] for parameter in operation["parameters"]}
    assert parameters == {"email", "succeeded", "since", "until", "page", "page_size"}
    assert {name for name in parameters if f"`{name}`" not in entry} == set()
    assert {name for name in row if f'"{name}"' not in entry} == set()
    for words in ("HQ admins", "401", "403", "`permission_denied`", "400", "`validation_error`", "problem+json"):
        assert words in entry


def test_hq_sign_ins_answer_the_errors_its_readme_entry_names(api, users, store_a):
    url = "/api/v1/hq/audit/logins"

    answers = {
        "anonymous": api(None, None).get(url),
        "hq_exec": api(users.hq_exec, None).get(url),
        "store user": api(users.a_admin, None).get(url),
        "bad filter": api(users.hq_admin, None).get(url, {"since": "2026-02-30"}),
        "store host": api(users.a_admin, store_a).get(url),
    }

    assert {who: (r.status_code, r.json()["code"]) for who, r in answers.items()} == {
        "anonymous": (401, "not_authenticated"),
        "hq_exec": (403, "permission_denied"),
        "store user": (403, "permission_denied"),
        "bad filter": (400, "validation_error"),
        "store host": (404, "not_found"),
    }
    assert all(r["Content-Type"].startswith("application/problem+json") for r in answers.values())
    assert set(answers["bad filter"].json()["errors"]) == {"since"}
