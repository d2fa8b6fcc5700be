"""Schemathesis over both OpenAPI documents, in process (the WSGI app on the test database, its two
stores and their users, plus a customer, a product and an order in store A): every operation, as
each role, a bounded number of generated requests each (valid and invalid ones).

The checks (``fuzzing.CHECKS``): no 5xx, responses that match the document where the document
describes the status, and ``application/problem+json`` on every error. The budget is
``FUZZ_EXAMPLES`` generated requests per operation and role (environment variable, 2 by default,
so that the run stays within a couple of minutes on two cores); ``FUZZ_SEED`` picks another
reproducible draw. ``bench/fuzz.py`` runs a longer profile."""

from __future__ import annotations

import os
import random

import pytest
import schemathesis
from hypothesis import HealthCheck, seed, settings

from tests.api_fuzz.fuzzing import EXAMPLES, HQ, STORE, call_and_check, token_for
from tests.conftest import host_for

SEED = int(os.environ.get("FUZZ_SEED", "0"))
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


# Ids of the seeded rows: a generated id in a path is swapped for one of them half of the time, so
# that the operations on an existing row are reached too (not only their 404).
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


@pytest.fixture
def seeded(store_a, users, in_store):
    """A customer, a product and an order of store A's salesperson: rows for the ids in paths."""
    from tests.factories.sales import make_customer, make_order, make_product

    with in_store(store_a):
        customer = make_customer(owner=users.a_sales)
        product = make_product()
        order = make_order(customer=customer, owner=users.a_sales, lines=[(product, 2, "90.00")])
    KNOWN_IDS[:] = sorted({customer.pk, product.pk, order.pk})
    yield
    KNOWN_IDS.clear()


@STORE.parametrize()
@draw
@BUDGET
@pytest.mark.parametrize("role", ["a_admin", "a_supervisor", "a_sales", "a_finance"])
def test_store_api_as_each_role(case, role, users, store_a, seeded):
    call_and_check(case, host=host_for(store_a), token=token_for(users[role]))


@HQ.parametrize()
@draw
@BUDGET
@pytest.mark.parametrize("role", ["hq_admin", "hq_exec", "a_admin"])
def test_hq_api_as_each_role(case, role, users):
    call_and_check(case, host=host_for(None), token=token_for(users[role]))
