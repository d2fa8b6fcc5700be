"""RFM scores and segments: the exact rule.

Who is scored: every live customer (not merged into another) with at least one non-cancelled
order signed before the scoring moment. Inputs, per customer:

- **R** — recency: store-local days since the customer's last non-cancelled order (the whole
  history counts); fewer days is better;
- **F** — frequency: non-cancelled orders signed within the look-back (store setting, default
  365 days, ending at the scoring moment); may be 0 for a customer whose orders are all older;
- **M** — monetary: the sum of those orders' amounts (0 likewise).

Scores 1-5 by quintiles of the store's scored customers, ties together: a customer's score for a
letter is ``1 + floor(5 * below / n)``, where ``n`` is the number of scored customers and
``below`` the number of them with a strictly worse value (for R: more days; for F and M: less).
So the customers of the lowest fifth score 1, those of the top fifth 5, equal values always score
the same (a tie takes the score of its lowest member's position: when half the store has a single
order in the look-back, all of them get F = 1 or the score of the first position they occupy), and
a store whose customers all have the same value scores them all 1.

Segments: each letter is high when the customer's score is strictly above the store's mean score
of that letter, else low; the three flags name one of the eight segments of ``segments.SEGMENTS``
(R high, F high, M high → important value; ... R, F and M low → general win-back). A store where
every customer has the same score has every letter low.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

from tenant_apps.insights.segments import segment_for


def quintile_scores(values: Sequence[float]) -> list[int]:
    """``1 + floor(5 * below / n)`` for each value, ``below`` = how many values are strictly smaller
    (higher is better; pass negated values for recency)."""
    n = len(values)
    if n == 0:
        return []
    ordered = sorted(values)
    return [1 + (5 * bisect_left(ordered, value)) // n for value in values]


@dataclass(frozen=True, slots=True)
class RFM:
    r: int
    f: int
    m: int
    segment: str


def rfm_scores(rows: Sequence[tuple[int, int, object]]) -> list[RFM]:
    """RFM of ``rows`` of ``(recency_days, frequency, monetary)``, in the same order."""
    if not rows:
        return []
    r = quintile_scores([-recency for recency, _f, _m in rows])
    f = quintile_scores([frequency for _r, frequency, _m in rows])
    m = quintile_scores([monetary for _r, _f, monetary in rows])
    n = len(rows)
    # Means compared exactly: score > sum / n  <=>  score * n > sum.
    r_sum, f_sum, m_sum = sum(r), sum(f), sum(m)
    return [
        RFM(
            r=r[i],
            f=f[i],
            m=m[i],
            segment=segment_for(r_high=r[i] * n > r_sum, f_high=f[i] * n > f_sum, m_high=m[i] * n > m_sum).key,
        )
        for i in range(n)
    ]
