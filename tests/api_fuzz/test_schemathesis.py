"""Schemathesis over both OpenAPI documents, in process (the WSGI app, the test database with its two
stores and their users): every operation, a bounded number of generated requests each, as the roles
below. The checks: no 5xx, and every error is problem+json. The budget is ``FUZZ_EXAMPLES``
generated requests per operation and role (environment variable; 2 by default, so that the run
stays within a couple of minutes on two cores); raise it for a longer run."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from shared_apps.platform.problems import PROBLEM_CONTENT_TYPE
from tests.conftest import host_for

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
APP = get_wsgi_application()


def _document(urlconf: str) -> dict:
    document = SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
    return document


STORE = schemathesis.openapi.from_dict(_document("config.urls_tenant"))
HQ = schemathesis.openapi.from_dict(_document("config.urls_public"))


def _send(case, *, host: str, token: str | None):
    headers = {"Host": host}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return case.call(app=APP, base_url=f"http://{host}", headers=headers)


def _check(case, response) -> None:
    what = f"{case.method} {case.formatted_path} {case.query or ''}"
    assert response.status_code < 500, f"{what} answered {response.status_code}: {response.text[:300]}"
    if response.status_code >= 400:
        content_type = response.headers.get("Content-Type", [""])
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type.startswith(PROBLEM_CONTENT_TYPE), f"{what} answered {response.status_code} {content_type}"


def _token(user) -> str:
    from shared_apps.accounts.services import token_create

    return token_create(user=user, name="fuzz")[1]


@pytest.mark.fuzz
@STORE.parametrize()
@FUZZ
@pytest.mark.parametrize("role", ["a_admin", "a_sales"])
def test_store_api_as_each_role(case, role, users, store_a):
    _check(case, _send(case, host=host_for(store_a), token=_token(users[role])))


@pytest.mark.fuzz
@HQ.parametrize()
@FUZZ
@pytest.mark.parametrize("role", ["hq_admin", "hq_exec"])
def test_hq_api_as_each_role(case, role, users):
    _check(case, _send(case, host=host_for(None), token=_token(users[role])))
