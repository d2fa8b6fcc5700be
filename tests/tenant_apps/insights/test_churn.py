"""The churn model: trained on a planted churn process it ranks better than recency alone; a small
store falls back to the documented rule and says so; dismissals feed the next training; the whole
scoring run on a store with enough history trains a model."""

from __future__ import annotations

import math
import random
from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from tenant_apps.insights import churn, services
from tenant_apps.insights.features import Figures
from tenant_apps.insights.models import CustomerScore, Dismissal, ModelRun
from tenant_apps.sales.models import Order
from tests.factories.sales import make_customer

NOW = timezone.now()


def planted(n: int, seed: int) -> tuple[list[Figures], set[int], dict[int, float]]:
    """Customers whose chance of not ordering depends on behaviour: after-sales on the last order,
    no follow-up since it, and how overdue they are against their own pace."""
    rng = random.Random(seed)
    rows, ordered, truth = [], set(), {}
    for i in range(n):
        orders = rng.randint(1, 12)
        gap = rng.uniform(15, 90)
        tenure = int(gap * (orders - 1) + rng.uniform(5, 200))
        recency = min(tenure, int(rng.expovariate(1 / (gap * 1.2))))
        case = rng.random() < 0.15
        followed = rng.random() < 0.5
        p = 1 / (1 + math.exp(-(-1.5 + 2.0 * case + 1.5 * (not followed) + 1.2 * (recency / gap - 1))))
        truth[i] = p
        if rng.random() >= p:
            ordered.add(i)
        rows.append(
            Figures(
                customer_id=i, orders=orders, tenure_days=tenure, recency_days=recency, last_at=NOW,
                orders_lookback=min(orders, 4), amount_lookback=Decimal(500), orders_365=min(orders, 4),
                amount_365=Decimal(500), orders_180=min(orders, 2), orders_prev_180=min(orders, 2),
                amount_all=Decimal(500 * orders), follow_up_days=rng.randint(0, 200), follow_ups_90=int(followed),
                aftersales_365=int(case), in_pool=False, followed_since_last_order=followed,
                case_since_last_order=case,
            )
        )  # fmt: skip
    return rows, ordered, truth


def test_the_model_beats_recency_ranking_on_a_planted_process():
    older, older_ordered, _truth = planted(2000, 1)
    recent, recent_ordered, _truth = planted(2000, 2)
    model = churn.train(
        horizon_days=90, older=older, older_ordered=older_ordered, recent=recent, recent_ordered=recent_ordered
    )
    assert model.kind == "model"
    evaluation = model.evaluation
    assert evaluation.auc >= 0.80
    assert evaluation.auc > evaluation.baseline_auc + 0.05
    assert evaluation.brier < 0.2
    holdout, holdout_ordered, _truth = planted(2000, 3)
    y = churn.labels(holdout, holdout_ordered)
    p = model.predict(holdout, churn.matrix(holdout, gap=churn.default_gap(holdout)))
    assert churn.auc(y, p) >= 0.80


def test_a_small_store_falls_back_to_the_rule_and_says_why():
    recent, recent_ordered, _truth = planted(churn.MIN_ROWS - 1, 4)
    model = churn.train(horizon_days=90, older=[], older_ordered=set(), recent=recent, recent_ordered=recent_ordered)
    assert model.kind == "fallback"
    assert str(churn.MIN_ROWS) in model.fallback_reason
    p = model.predict(recent, churn.matrix(recent, gap=30))
    assert ((p >= 0) & (p <= 1)).all()


def test_the_fallback_rises_as_a_customer_falls_behind_their_pace():
    row = planted(1, 5)[0][0]
    values = []
    for recency in (5, 60, 200, 400):
        fields = {name: getattr(row, name) for name in row.__slots__}
        fields.update(orders=6, tenure_days=500, recency_days=recency)
        values.append(churn.fallback_probability(Figures(**fields), 90))
    assert values == sorted(values) and values[-1] > values[0]


def test_feedback_rows_join_the_training():
    older, older_ordered, _truth = planted(800, 6)
    recent, recent_ordered, _truth = planted(800, 7)
    vector = churn.matrix(recent[:1], gap=30)[0].tolist()
    model = churn.train(
        horizon_days=90,
        older=older,
        older_ordered=older_ordered,
        recent=recent,
        recent_ordered=recent_ordered,
        feedback=[(vector, 0, 2.0), (vector, 1, 1.0)],
    )
    assert model.feedback_rows == 2
    assert model.training_rows == len(older) + len(recent) + 2


def _store_history(owner, customers: int, seed: int) -> list[int]:
    """Orders over two years written in bulk; customers stop after an order with a planted chance."""
    rng = random.Random(seed)
    now = timezone.now()
    orders = []
    ids = []
    for _ in range(customers):
        customer = make_customer(owner=owner)
        ids.append(customer.pk)
        t = now - timedelta(days=rng.uniform(200, 700))
        gap = rng.uniform(20, 60)
        loyal = rng.random() < 0.5
        while t < now:
            amount = Decimal(rng.choice([300, 800, 1500]))
            orders.append(
                Order(
                    number=f"C{len(orders):08d}-{seed}", customer=customer, owner=owner, status="completed",
                    payment_mode="prepaid", amount=amount, list_amount=amount, collected=amount, signed_at=t,
                )
            )  # fmt: skip
            if rng.random() < (0.05 if loyal else 0.35):
                break
            t += timedelta(days=rng.expovariate(1 / gap))
    Order.objects.bulk_create(orders, batch_size=2000)
    return ids


@pytest.mark.django_db
def test_scoring_a_store_with_history_trains_a_model_and_learns_from_dismissals(store_a, users, in_store):
    with in_store(store_a):
        ids = _store_history(users.a_sales, 400, seed=8)
        first = services.score_store()
        assert first.kind == ModelRun.Kind.MODEL, first.fallback_reason
        assert first.auc is not None and first.baseline_auc is not None and first.brier is not None
        scores = CustomerScore.objects.filter(customer_id__in=ids)
        assert scores.count() == len(ids)
        assert all(len(s.features) == len(churn.FEATURES) for s in scores[:20])
        high = scores.filter(churn_band="high").first()
        assert high is not None and high.churn_reasons
        dismissal = Dismissal.objects.create(
            customer_id=high.customer_id, by_id=users.a_sales.pk, at=timezone.now() - timedelta(days=100),
            band="high", probability=high.churn_probability, features=list(high.features),
        )  # fmt: skip
        second = services.score_store()
        assert second.feedback_rows == 1
        assert Dismissal.objects.get(pk=dismissal.pk).active == (
            CustomerScore.objects.get(customer_id=high.customer_id).churn_band == "high"
        )
        probabilities = np.array([s.churn_probability for s in scores])
    assert ((probabilities >= 0) & (probabilities <= 1)).all()
