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
