"""The store document as the store's staff (see ``test_schemathesis.py``)."""

from __future__ import annotations

import pytest

from tests.api_fuzz.fuzzing import BUDGET, STORE, call_and_check, draw, token_for
from tests.conftest import host_for


@STORE.parametrize()
@draw
@BUDGET
@pytest.mark.parametrize("role", ["a_sales", "a_finance"])
def test_store_api_as_staff(case, role, users, store_a, seeded):
    call_and_check(case, host=host_for(store_a), token=token_for(users[role]))
