"""Schemathesis over both OpenAPI documents, in process (the WSGI app on the test database, its two
stores and their users, plus a customer, a product and an order in store A): every operation, as
each role, a bounded number of generated requests each (valid and invalid ones).

The checks (``fuzzing.CHECKS``): no 5xx, responses that match the document where the document
describes the status, and ``application/problem+json`` on every error. The budget is
``FUZZ_EXAMPLES`` generated requests per operation and role (environment variable, 2 by default,
so that the run stays within a couple of minutes on two cores); ``FUZZ_SEED`` picks another
reproducible draw. ``bench/fuzz.py`` runs a longer profile.

The store document is fuzzed in two files (managers, staff) and the HQ one in a third, so that
``--dist loadfile`` spreads them over two workers."""

from __future__ import annotations

import pytest

from tests.api_fuzz.fuzzing import BUDGET, STORE, call_and_check, draw, token_for
from tests.conftest import host_for


@STORE.parametrize()
@draw
@BUDGET
@pytest.mark.parametrize("role", ["a_admin", "a_supervisor"])
def test_store_api_as_a_manager(case, role, users, store_a, seeded):
    call_and_check(case, host=host_for(store_a), token=token_for(users[role]))
