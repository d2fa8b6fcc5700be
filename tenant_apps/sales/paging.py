"""Paging of long order lists."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db import DatabaseError
from django.utils.functional import cached_property


class CappedCountPaginator(Paginator):
    """Counts exactly up to ``COUNT_CAP`` rows; beyond that the planner's estimate is used, so
    that a list over a million orders never counts them all for each page."""

    COUNT_CAP = 10_000

    @cached_property
    def count(self) -> int:
        qs = self.object_list.order_by()
        capped = qs[: self.COUNT_CAP + 1].count()
        self.estimated = capped > self.COUNT_CAP
        if not self.estimated:
            return capped
        try:
            plan = json.loads(qs.explain(format="json"))
            estimate = int(plan[0]["Plan"]["Plan Rows"])
        except (ValueError, KeyError, IndexError, TypeError, DatabaseError):
            estimate = 0
        return max(estimate, self.COUNT_CAP + 1)
