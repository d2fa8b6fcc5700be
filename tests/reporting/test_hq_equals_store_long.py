"""The property of ``test_hq_equals_store`` (HQ's figures equal each store's own Kanban and
metrics.md) over the ``30d`` and ``custom`` ranges: the other half of its generated histories, in a
file of its own so that another worker of the suite runs it at the same time."""

from __future__ import annotations

import pytest
from hypothesis import given

from tests.reporting.test_hq_equals_store import LONG_RANGES, PROPERTY, cases, each_range_and_filter, holds_for

pytestmark = pytest.mark.django_db


@PROPERTY
@given(case=cases(LONG_RANGES))
@each_range_and_filter(LONG_RANGES)
def test_hq_figures_equal_each_store_and_metrics_md_over_longer_ranges(case, store_a, store_b, users, api, in_store):
    holds_for(case, store_a, store_b, users, api, in_store)
