"""RFM scores and segments equal an independent plain-Python reading of the rule (product.md 3.9,
``tenant_apps.insights.rfm``), over generated order histories with ties, cancelled orders, orders
older than the look-back and customers without orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenant_apps.insights import services
from tenant_apps.insights.models import CustomerScore
from tenant_apps.insights.segments import SEGMENTS
from tenant_apps.sales.models import Order
from tests.dates import SHANGHAI
from tests.factories.sales import make_customer, make_order, make_product

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 6, 15, 9, 30, tzinfo=SHANGHAI)
LOOKBACK = 365


@dataclass(frozen=True)
class OrderSpec:
    minutes_ago: int
    amount: int
    cancelled: bool


order_specs = st.builds(
    OrderSpec,
    minutes_ago=st.integers(min_value=1, max_value=500 * 24 * 60),
    amount=st.sampled_from([100, 100, 250, 400, 1000, 3000]),
    cancelled=st.booleans(),
)
histories = st.lists(st.lists(order_specs, min_size=0, max_size=5), min_size=1, max_size=25)


def reference(history: list[list[OrderSpec]], now: datetime) -> dict[int, tuple[int, int, int, str]]:
    """Customer index → (r, f, m, segment), computed from the specs without the module's helpers."""
    today = now.astimezone(SHANGHAI).date()
    start = now - timedelta(days=LOOKBACK)
    inputs = {}
    for index, orders in enumerate(history):
        live = [o for o in orders if not o.cancelled]
        if not live:
            continue
        last = max(now - timedelta(minutes=o.minutes_ago) for o in live)
        recency = (today - last.astimezone(SHANGHAI).date()).days
        within = [o for o in live if now - timedelta(minutes=o.minutes_ago) >= start]
        inputs[index] = (recency, len(within), sum((Decimal(o.amount) for o in within), Decimal(0)))
    n = len(inputs)

    def score(index: int, position: int, better_is_lower: bool) -> int:
        mine = inputs[index][position]
        worse = sum(
            1 for other in inputs.values() if (other[position] > mine if better_is_lower else other[position] < mine)
        )
        return 1 + (5 * worse) // n

    scores = {i: (score(i, 0, True), score(i, 1, False), score(i, 2, False)) for i in inputs}
    means = [Fraction(sum(s[k] for s in scores.values()), n) for k in range(3)] if n else []
    names = {(s.r_high, s.f_high, s.m_high): s.key for s in SEGMENTS}
    return {i: (*s, names[(s[0] > means[0], s[1] > means[1], s[2] > means[2])]) for i, s in scores.items()}


def write(history: list[list[OrderSpec]], owner) -> list[int]:
    product = make_product()
    ids = []
    for orders in history:
        customer = make_customer(owner=owner)
        ids.append(customer.pk)
        for spec in orders:
            price = Decimal(spec.amount)
            make_order(
                customer=customer,
                owner=owner,
                lines=[(product, 1, price)],
                signed_at=NOW - timedelta(minutes=spec.minutes_ago),
                status=Order.Status.CANCELLED if spec.cancelled else Order.Status.COMPLETED,
                payment_mode=Order.PaymentMode.PREPAID,
                collected="0.00" if spec.cancelled else price,
            )
    return ids


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories)
def test_segments_equal_an_independent_computation(history, store_a, users, in_store):
    with time_machine.travel(NOW, tick=False), in_store(store_a), transaction.atomic():
        try:
            ids = write(history, users.a_sales)
            services.score_store(at=NOW)
            got = {
                ids.index(s.customer_id): (s.r, s.f, s.m, s.segment)
                for s in CustomerScore.objects.filter(customer_id__in=ids)
            }
            assert got == reference(history, NOW)
        finally:
            transaction.set_rollback(True)


def test_ties_share_a_score_and_one_order_customers_score_low(store_a, users, in_store):
    """Six customers with one order each in the look-back and one with three: the six tie on F."""
    history = [[OrderSpec(60 * 24 * d, 100, False)] for d in range(1, 7)]
    history.append([OrderSpec(60 * 24 * d, 400, False) for d in (2, 20, 40)])
    with time_machine.travel(NOW, tick=False), in_store(store_a):
        ids = write(history, users.a_sales)
        services.score_store(at=NOW)
        scores = {s.customer_id: s for s in CustomerScore.objects.filter(customer_id__in=ids)}
    assert {scores[i].f for i in ids[:6]} == {1}
    assert scores[ids[6]].f == 1 + (5 * 6) // 7
    assert len(scores) == 7
