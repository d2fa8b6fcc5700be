"""The enumerator behind the isolation suite finds every pattern and builds paths that resolve."""

import pytest

from tests.isolation.urlenum import endpoints, problems

SAMPLE_URLCONF = "tests.isolation.sample_urls"


def test_enumerator_builds_a_path_for_every_kind_of_pattern():
    paths = {endpoint.path for endpoint in endpoints(SAMPLE_URLCONF)}

    assert {
        "/plain/",
        "/files/3f2b8a6e-6a1c-4c55-9d0e-2b7f4c1a9e01/1",
        "/customers/1/follow-ups",
        "/customers/2026/1/",
        "/api/v1/.json/",
        "/legacy/1.csv",
        "/api/v1/things",
        "/api/v1/things/1",
        "/api/v1/things/1/approve",
        "/api/v1/things.json/",
    } <= paths


def test_every_built_sample_path_resolves_to_its_own_view():
    assert problems(SAMPLE_URLCONF) == []


@pytest.mark.parametrize("urlconf", ["config.urls_tenant", "config.urls_public"])
def test_every_pattern_of_the_project_urlconfs_is_enumerated(urlconf):
    assert problems(urlconf) == []


def test_tenant_enumeration_includes_the_store_api_and_pages():
    paths = {endpoint.path for endpoint in endpoints("config.urls_tenant")}

    assert {"/api/v1/me", "/", "/login/"} <= paths
