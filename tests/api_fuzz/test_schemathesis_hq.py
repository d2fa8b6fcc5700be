"""The HQ host's document (see ``test_schemathesis.py``): HQ's roles, and a store admin there."""

from __future__ import annotations

import pytest

from tests.api_fuzz.fuzzing import BUDGET, HQ, call_and_check, draw, token_for
from tests.conftest import host_for


@HQ.parametrize()
@draw
@BUDGET
@pytest.mark.parametrize("role", ["hq_admin", "hq_exec", "a_admin"])
def test_hq_api_as_each_role(case, role, users):
    call_and_check(case, host=host_for(None), token=token_for(users[role]))
