"""Store isolation, for EVERY URL of the store urlconf and every verb (generated, never listed).

* a member of store A gets 404 on store B's host (bearer token and session alike);
* a signed-in user with no membership gets 404 on a store's host;
* anonymous requests get 401 problem+json on /api/ paths and a redirect to the login page elsewhere
  (a page may answer 405 to a verb it does not take, with an Allow header; the verbs it takes redirect).

Only the open paths of ``shared_apps.accounts.middleware.OPEN_PATH_PREFIXES`` (sign-in, tokens,
schema/docs, health, static) are exempt.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from shared_apps.platform.problems import PROBLEM_CONTENT_TYPE
from tests.isolation.urlenum import VERBS, Endpoint, endpoints

STORE_ENDPOINTS = [endpoint for endpoint in endpoints("config.urls_tenant") if not endpoint.is_open]
CASES = [pytest.param(endpoint, verb, id=f"{verb} {endpoint.path}") for endpoint in STORE_ENDPOINTS for verb in VERBS]


def send(client, verb: str, path: str):
    return getattr(client, verb.lower())(path)


def describe(endpoint: Endpoint, verb: str, response) -> str:
    return f"{verb} {endpoint.path} (route {endpoint.route!r}) answered {response.status_code}"


def assert_hidden(endpoint: Endpoint, verb: str, response) -> None:
    """The store does not exist for this caller: 404, as problem+json on the API."""
    assert response.status_code == 404, describe(endpoint, verb, response)
    if endpoint.is_api:
        assert response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE), describe(endpoint, verb, response)
        assert response.json()["code"] == "not_found"


def assert_asks_to_sign_in(endpoint: Endpoint, verb: str, response) -> None:
    if endpoint.is_api:
        assert response.status_code == 401, describe(endpoint, verb, response)
        assert response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
        assert response.json()["code"] in {"not_authenticated", "authentication_failed"}
    elif response.status_code == 405:
        # A page that does not take this verb may say so (the URL patterns are the same for every
        # store, so this reveals nothing); each verb it does take is its own case and must redirect.
        allowed = {method.strip() for method in response.get("Allow", "").split(",") if method.strip()}
        assert allowed and verb not in allowed, describe(endpoint, verb, response)
    else:
        assert response.status_code == 302, describe(endpoint, verb, response)
        assert response["Location"].startswith(settings.LOGIN_URL), describe(endpoint, verb, response)


def test_the_store_urlconf_has_gated_endpoints():
    assert {"/api/v1/me", "/"} <= {endpoint.path for endpoint in STORE_ENDPOINTS}


@pytest.mark.parametrize(("endpoint", "verb"), CASES)
def test_member_of_store_a_gets_404_on_store_b_with_a_token(endpoint, verb, api, users, store_b):
    response = send(api(users.a_admin, store_b), verb, endpoint.path)

    assert_hidden(endpoint, verb, response)


@pytest.mark.parametrize(("endpoint", "verb"), CASES)
def test_member_of_store_a_gets_404_on_store_b_with_a_session(endpoint, verb, page_client, users, store_b):
    response = send(page_client(users.a_admin, store_b), verb, endpoint.path)

    assert_hidden(endpoint, verb, response)


@pytest.mark.parametrize(("endpoint", "verb"), CASES)
def test_user_without_membership_gets_404_with_a_token(endpoint, verb, api, users, store_a):
    response = send(api(users.nobody, store_a), verb, endpoint.path)

    assert_hidden(endpoint, verb, response)


@pytest.mark.parametrize(("endpoint", "verb"), CASES)
def test_anonymous_request_is_asked_to_sign_in(endpoint, verb, api, store_a):
    response = send(api(None, store_a), verb, endpoint.path)

    assert_asks_to_sign_in(endpoint, verb, response)
