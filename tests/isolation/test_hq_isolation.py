"""HQ isolation, for EVERY URL of the public (HQ host) urlconf and every verb (generated, never listed).

* store users (a store role, no HQ role) get 403 or 404 on every HQ endpoint and console page,
  with a bearer token and with a session;
* anonymous requests get 401 problem+json on /api/ paths and a redirect to the login page elsewhere.

Exempt: the open paths of ``shared_apps.accounts.middleware.OPEN_PATH_PREFIXES``; and, for signed-in
users only, ``SIGNED_IN_PATHS`` (a user's own identity, not HQ data).
"""

from __future__ import annotations

import pytest

from tests.isolation.test_store_isolation import assert_asks_to_sign_in, describe, send
from tests.isolation.urlenum import VERBS, endpoints

# Paths of the public host any signed-in user may use, whatever their roles (their own identity, tokens).
SIGNED_IN_PATHS = ("/api/v1/me", "/api/v1/auth/tokens", "/api/v1/auth/tokens/1")

PUBLIC_ENDPOINTS = [endpoint for endpoint in endpoints("config.urls_public") if not endpoint.is_open]
HQ_ENDPOINTS = [endpoint for endpoint in PUBLIC_ENDPOINTS if endpoint.path not in SIGNED_IN_PATHS]


def cases(found):
    return [pytest.param(endpoint, verb, id=f"{verb} {endpoint.path}") for endpoint in found for verb in VERBS]


def assert_refused(endpoint, verb, response) -> None:
    if response.status_code == 405 and not endpoint.is_api:
        # A page that does not take this verb may say so; each verb it takes is its own case.
        allowed = {method.strip() for method in response.get("Allow", "").split(",") if method.strip()}
        assert allowed and verb not in allowed, describe(endpoint, verb, response)
        return
    assert response.status_code in (403, 404), (
        describe(endpoint, verb, response) + " to a store user; HQ endpoints must refuse users without an HQ role"
    )


def test_the_public_urlconf_has_hq_endpoints():
    assert "/" in {endpoint.path for endpoint in HQ_ENDPOINTS}


@pytest.mark.parametrize(("endpoint", "verb"), cases(HQ_ENDPOINTS))
@pytest.mark.parametrize("user_key", ["a_admin", "b_sales"])
def test_store_user_is_refused_on_hq_endpoints_with_a_token(endpoint, verb, user_key, api, users):
    response = send(api(users[user_key], None), verb, endpoint.path)

    assert_refused(endpoint, verb, response)


@pytest.mark.parametrize(("endpoint", "verb"), cases(HQ_ENDPOINTS))
def test_store_user_is_refused_on_hq_endpoints_with_a_session(endpoint, verb, page_client, users):
    response = send(page_client(users.a_admin, None), verb, endpoint.path)

    assert_refused(endpoint, verb, response)


@pytest.mark.parametrize(("endpoint", "verb"), cases(PUBLIC_ENDPOINTS))
def test_anonymous_request_on_the_hq_host_is_asked_to_sign_in(endpoint, verb, api, db):
    response = send(api(None, None), verb, endpoint.path)

    assert_asks_to_sign_in(endpoint, verb, response)
