"""What the API fuzzing shares: both OpenAPI documents loaded into schemathesis, the WSGI app the
requests go to (in process), the checks, and a call as a user on a host."""

from __future__ import annotations

import os
import random

import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, seed, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from shared_apps.platform.problems import PROBLEM_CONTENT_TYPE

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))
SEED = int(os.environ.get("FUZZ_SEED", "0"))

APP = get_wsgi_application()
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"mode": "all", "max-examples": EXAMPLES},
        "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)


def document(urlconf: str) -> dict:
    return SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)


STORE = schemathesis.openapi.from_dict(document("config.urls_tenant"), config=CONFIG)
HQ = schemathesis.openapi.from_dict(document("config.urls_public"), config=CONFIG)


def problem_json_on_errors(ctx, response, case):
    """Every 4xx and 5xx answer is an RFC 9457 problem document with a stable code."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith(PROBLEM_CONTENT_TYPE), (
        f"{response.status_code} answered as {content_type!r}: {response.text[:200]!r}"
    )
    body = response.json()
    assert body.get("status") == response.status_code and body.get("code"), f"not a problem document: {body!r}"
    return None


# No 5xx; a body that matches the document wherever it describes the status; problem+json on errors.
CHECKS = [schemathesis.checks.not_a_server_error, response_schema_conformance, problem_json_on_errors]


def token_for(user) -> str:
    from shared_apps.accounts.services import token_create

    return token_create(user=user, name="fuzz")[1]


def call_and_check(case, *, host: str, token: str):
    return case.call_and_validate(
        app=APP, base_url=f"http://{host}", headers={"Host": host, "Authorization": f"Bearer {token}"}, checks=CHECKS
    )


BUDGET = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=SEED == 0,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


def draw(test):
    """The same draw on every run (CI), or the one ``FUZZ_SEED`` names."""
    return seed(SEED)(test) if SEED else test


# Ids of the seeded rows (the ``seeded`` fixture): a generated id in a path is swapped for one of
# them half of the time, so that the operations on an existing row are reached too (not only
# their 404).
KNOWN_IDS: list[int] = []


@schemathesis.hook("map_path_parameters")
def known_ids(context, path_parameters):
    if not path_parameters:
        return path_parameters
    rng = random.Random(f"{SEED}:{sorted(path_parameters.items())!r}")
    for name, value in path_parameters.items():
        if isinstance(value, int) and KNOWN_IDS and rng.random() < 0.5:
            path_parameters[name] = rng.choice(KNOWN_IDS)
    return path_parameters
