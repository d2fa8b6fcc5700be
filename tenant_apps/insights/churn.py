"""Churn risk: the probability that a customer places no non-cancelled order in the next N days
(store setting ``churn_horizon_days``, default 90), trained on the store's own history.

Features (``FEATURES``; raw values computed in SQL by ``features.customer_figures``, transformed
here): log days since the last order, that recency over the customer's usual gap between orders,
log orders ever, log orders and amount over the last 365 days, log average order value, log
tenure, the order trend (orders in the last 180 days against the 180 before), log days since the
last follow-up (never: tenure + 365), log follow-ups over the last 90 days, log after-sales cases
over the last 365 days, a single-order flag, an in-the-pool flag, whether nobody followed the
customer up since their last order, and whether an after-sales case was opened since it.

Training (``train``), a time split on the store's own history, with ``t`` the scoring moment:

- snapshot A: the customers' features at ``t - 2N``, labelled by whether they ordered in
  ``[t - 2N, t - N)``; snapshot B: features at ``t - N``, labelled by ``[t - N, t)``;
- holdout: a standardised logistic regression (scikit-learn) fitted on A is evaluated on B: AUC,
  Brier score, and the AUC of plain recency ranking (more days since the last order = more risk)
  as the baseline;
- the model that scores is then fitted on A and B together, with the feedback of dismissals
  (below), and applied to the features at ``t``.

Feedback: every "not at risk" dismissal keeps the customer's features at that moment. A
dismissal at least N days old is a training row labelled by what happened (ordered within N days
of it or not), weight 2; a younger one is a row labelled "will order" (the person's judgement),
weight 1.

Fallback: when snapshot B has fewer than ``MIN_ROWS`` customers or fewer than ``MIN_CLASS`` of
either outcome (a young or small store), no model is trained. The probability is then a
transparent rule: with ``rate`` = the customer's orders per day over their tenure (at least 30
days), the chance of no order in N days under a steady rate is ``exp(-rate * N)``; a customer
overdue beyond their usual gap is less likely to be still buying, ``alive = exp(1 - recency * rate)``
capped at 1, and ``p = 1 - (1 - exp(-rate * N)) * alive``. Every API answer names which was used
(``model.kind``: ``model`` or ``fallback``, with the reason).

Bands: high from 0.7, medium from 0.4, else low (``segments.band_for``).

Reasons: for a model, each feature's contribution to the customer's log-odds against the store's
average customer (coefficient × standardised value), summed per reason; the (at most three)
reasons that raise the risk most, above ``REASON_MIN``; a customer in the medium or high band
always gets at least one. For the fallback, the same reasons by simple thresholds. Reasons are
codes with numbers (``reasons.render`` words them in the reader's language).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from tenant_apps.insights.features import Figures
from tenant_apps.insights.segments import band_for

MIN_ROWS = 200
MIN_CLASS = 20
REASON_MIN = 0.15
MAX_REASONS = 3
FEEDBACK_WEIGHT_MATURED = 2.0
FEEDBACK_WEIGHT_PENDING = 1.0

FEATURES = (
    "log_recency",
    "overdue_ratio",
    "log_orders",
    "log_orders_365",
    "log_amount_365",
    "log_aov",
    "log_tenure",
    "trend",
    "log_follow_up_days",
    "log_follow_ups_90",
    "log_aftersales",
    "single_order",
    "in_pool",
    "not_followed_since_last_order",
    "case_since_last_order",
)
# Which reason each feature speaks to.
FEATURE_REASON = {
    "log_recency": "overdue",
    "overdue_ratio": "overdue",
    "log_orders": "few_orders",
    "log_orders_365": "few_orders",
    "single_order": "few_orders",
    "log_amount_365": "low_spend",
    "log_aov": "low_spend",
    "log_tenure": "tenure",
    "trend": "declining",
    "log_follow_up_days": "no_follow_up",
    "log_follow_ups_90": "no_follow_up",
    "log_aftersales": "aftersales",
    "in_pool": "in_pool",
    "not_followed_since_last_order": "no_follow_up",
    "case_since_last_order": "aftersales",
}


def feature_vector(row: Figures, *, default_gap: float) -> list[float]:
    gap = row.usual_gap or default_gap
    follow_up = row.follow_up_days if row.follow_up_days is not None else row.tenure_days + 365
    amount_365 = float(row.amount_365)
    return [
        math.log1p(max(row.recency_days, 0)),
        math.log1p(max(row.recency_days, 0) / max(gap, 1.0)),
        math.log1p(row.orders),
        math.log1p(row.orders_365),
        math.log1p(amount_365),
        math.log1p(float(row.amount_all) / row.orders),
        math.log1p(max(row.tenure_days, 0)),
        (row.orders_180 - row.orders_prev_180) / (row.orders_180 + row.orders_prev_180 + 1),
        math.log1p(max(follow_up, 0)),
        math.log1p(row.follow_ups_90),
        math.log1p(row.aftersales_365),
        1.0 if row.orders == 1 else 0.0,
        1.0 if row.in_pool else 0.0,
        0.0 if row.followed_since_last_order else 1.0,
        1.0 if row.case_since_last_order else 0.0,
    ]


def default_gap(rows: Sequence[Figures]) -> float:
    """The store's median usual gap between orders (days), for customers with a single order."""
    gaps = sorted(g for g in (row.usual_gap for row in rows) if g is not None)
    return float(gaps[len(gaps) // 2]) if gaps else 90.0


def matrix(rows: Sequence[Figures], *, gap: float) -> np.ndarray:
    if not rows:
        return np.zeros((0, len(FEATURES)))
    return np.array([feature_vector(row, default_gap=gap) for row in rows], dtype=float)


@dataclass
class Evaluation:
    auc: float | None = None
    brier: float | None = None
    baseline_auc: float | None = None
    rows: int = 0
    positives: int = 0


@dataclass
class Model:
    """A fitted model, or the fallback rule (``fitted`` None)."""

    horizon_days: int
    fitted: object | None = None
    means: np.ndarray | None = None
    scales: np.ndarray | None = None
    fallback_reason: str = ""
    evaluation: Evaluation = field(default_factory=Evaluation)
    training_rows: int = 0
    training_positives: int = 0
    feedback_rows: int = 0

    @property
    def kind(self) -> str:
        return "model" if self.fitted is not None else "fallback"

    def coefficients(self) -> dict:
        if self.fitted is None:
            return {}
        coef = self.fitted.coef_[0]
        return {
            "intercept": float(self.fitted.intercept_[0]),
            **{n: float(c) for n, c in zip(FEATURES, coef, strict=True)},
        }

    def predict(self, rows: Sequence[Figures], x: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0)
        if self.fitted is None:
            return np.array([fallback_probability(row, self.horizon_days) for row in rows])
        return self.fitted.predict_proba(self._z(x))[:, 1]

    def _z(self, x: np.ndarray) -> np.ndarray:
        return (x - self.means) / self.scales

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per row and feature: coefficient × standardised value (the log-odds it adds)."""
        return self._z(x) * self.fitted.coef_[0]


def _fit(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None):
    from sklearn.linear_model import LogisticRegression

    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit((x - means) / scales, y, sample_weight=weights)
    return model, means, scales


def auc(y: np.ndarray, scores: np.ndarray) -> float | None:
    """The area under the ROC curve (ties count a half); None without both outcomes."""
    from sklearn.metrics import roc_auc_score

    if len(set(y.tolist())) < 2:
        return None
    return float(roc_auc_score(y, scores))


def brier(y: np.ndarray, p: np.ndarray) -> float | None:
    if len(y) == 0:
        return None
    return float(np.mean((p - y) ** 2))


def labels(rows: Sequence[Figures], ordered: set[int]) -> np.ndarray:
    """1 where the customer ordered nothing in the window (churned), 0 where they ordered."""
    return np.array([0 if row.customer_id in ordered else 1 for row in rows], dtype=int)


def _enough(y: np.ndarray) -> bool:
    positives = int(y.sum())
    return len(y) >= MIN_ROWS and positives >= MIN_CLASS and len(y) - positives >= MIN_CLASS


def train(
    *,
    horizon_days: int,
    older: Sequence[Figures],
    older_ordered: set[int],
    recent: Sequence[Figures],
    recent_ordered: set[int],
    feedback: Sequence[tuple[list[float], int, float]] = (),
) -> Model:
    """The model of the module docstring: ``older`` = snapshot A and the customers who ordered in
    its window, ``recent`` = snapshot B likewise; ``feedback`` = (features, label, weight)."""
    model = Model(horizon_days=horizon_days)
    y_recent = labels(recent, recent_ordered)
    if not _enough(y_recent):
        model.fallback_reason = (
            f"fewer than {MIN_ROWS} customers with orders {horizon_days} days ago, "
            f"or fewer than {MIN_CLASS} who bought again or did not"
        )
        return model
    gap = default_gap(recent)
    x_recent = matrix(recent, gap=gap)
    y_older = labels(older, older_ordered)
    x_older = matrix(older, gap=default_gap(older))
    if _enough(y_older):
        fitted, means, scales = _fit(x_older, y_older)
        p = fitted.predict_proba((x_recent - means) / scales)[:, 1]
        model.evaluation = Evaluation(
            auc=auc(y_recent, p),
            brier=brier(y_recent, p),
            baseline_auc=auc(y_recent, x_recent[:, FEATURES.index("log_recency")]),
            rows=len(y_recent),
            positives=int(y_recent.sum()),
        )
    parts_x, parts_y, parts_w = [x_recent], [y_recent], [np.ones(len(y_recent))]
    if _enough(y_older):
        parts_x.append(x_older)
        parts_y.append(y_older)
        parts_w.append(np.ones(len(y_older)))
    if feedback:
        parts_x.append(np.array([f for f, _label, _w in feedback], dtype=float))
        parts_y.append(np.array([label for _f, label, _w in feedback], dtype=int))
        parts_w.append(np.array([w for _f, _label, w in feedback], dtype=float))
    x = np.vstack(parts_x)
    y = np.concatenate(parts_y)
    model.fitted, model.means, model.scales = _fit(x, y, np.concatenate(parts_w))
    model.training_rows = len(y)
    model.training_positives = int(y.sum())
    model.feedback_rows = len(feedback)
    return model


def fallback_probability(row: Figures, horizon_days: int) -> float:
    rate = row.orders / max(row.tenure_days, 30)
    steady = math.exp(-rate * horizon_days)
    alive = min(1.0, math.exp(1.0 - row.recency_days * rate))
    return 1.0 - (1.0 - steady) * alive


# --- reasons ------------------------------------------------------------------------------------


def _reason(code: str, row: Figures, *, gap: float | None) -> dict:
    if code == "overdue":
        usual = row.usual_gap
        return {"code": "overdue", "days": row.recency_days, "gap": round(usual) if usual else None}
    if code == "few_orders":
        return {"code": "few_orders", "orders": row.orders}
    if code == "low_spend":
        return {"code": "low_spend", "amount": f"{row.amount_365:.2f}"}
    if code == "declining":
        return {"code": "declining", "recent": row.orders_180, "before": row.orders_prev_180}
    if code == "no_follow_up":
        return {"code": "no_follow_up", "days": row.follow_up_days, "since_order": not row.followed_since_last_order}
    if code == "aftersales":
        return {"code": "aftersales", "cases": row.aftersales_365, "last_order": row.case_since_last_order}
    if code == "in_pool":
        return {"code": "in_pool"}
    return {"code": "tenure", "days": row.tenure_days}


def _applies(code: str, row: Figures) -> bool:
    """Whether a reason is true of the customer in words (a reason never says what is false)."""
    if code == "overdue":
        return row.usual_gap is None or row.recency_days > row.usual_gap
    if code == "few_orders":
        return row.orders <= 2
    if code == "declining":
        return row.orders_180 < row.orders_prev_180
    if code == "no_follow_up":
        return row.follow_up_days is None or row.follow_up_days > 30 or not row.followed_since_last_order
    if code == "aftersales":
        return row.aftersales_365 > 0 or row.case_since_last_order
    if code == "in_pool":
        return row.in_pool
    if code == "low_spend":
        return True
    return code == "tenure" and row.tenure_days < 90


def model_reasons(model: Model, rows: Sequence[Figures], x: np.ndarray, p: np.ndarray) -> list[list[dict]]:
    if model.fitted is None:
        return [fallback_reasons(row, float(prob)) for row, prob in zip(rows, p, strict=True)]
    contributions = model.contributions(x)
    out = []
    for i, row in enumerate(rows):
        totals: dict[str, float] = {}
        for j, name in enumerate(FEATURES):
            code = FEATURE_REASON[name]
            totals[code] = totals.get(code, 0.0) + float(contributions[i, j])
        ranked = [c for c, v in sorted(totals.items(), key=lambda kv: -kv[1]) if v >= REASON_MIN and _applies(c, row)]
        if not ranked and band_for(float(p[i])) != "low":
            ranked = ["overdue"]
        out.append([_reason(code, row, gap=None) for code in ranked[:MAX_REASONS]])
    return out


def fallback_reasons(row: Figures, probability: float) -> list[dict]:
    """The reasons of the fallback rule: what is true of the customer, most telling first."""
    codes = []
    gap = row.usual_gap
    if gap is None or row.recency_days > gap:
        codes.append("overdue")
    if row.orders_180 < row.orders_prev_180:
        codes.append("declining")
    if row.follow_up_days is None or row.follow_up_days > 60 or not row.followed_since_last_order:
        codes.append("no_follow_up")
    if row.aftersales_365 > 0 or row.case_since_last_order:
        codes.append("aftersales")
    if row.in_pool:
        codes.append("in_pool")
    return [_reason(code, row, gap=gap) for code in codes[:MAX_REASONS]]
