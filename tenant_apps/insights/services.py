"""Writes of customer intelligence: scoring a store (RFM and churn risk), its settings, "not at
risk" dismissals, and the one-click follow-up of an at-risk customer.

``score_store`` replaces every score of the store in one transaction (readers see the previous
run until it commits); two runs at once are serialised by a transaction-level advisory lock, so
the second waits and then scores again from the same data.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.commits import after_commit
from shared_apps.platform.errors import Conflict, PermissionDenied, ValidationFailed
from tenant_apps.customers import selectors as customer_selectors
from tenant_apps.customers import services as customer_services
from tenant_apps.insights import churn, features, reasons, rfm
from tenant_apps.insights.models import CustomerScore, Dismissal, InsightSettings, ModelRun
from tenant_apps.insights.segments import band_for
from tenants.storetime import current_store

# The advisory-lock namespace of scoring runs (first key); the store's id is the second (advisory
# locks are database-wide: two stores score at the same time, one store never twice at once).
LOCK_NAMESPACE = 7_000_014
FOLLOW_UP_TASK_DAYS = 2
SETTINGS_LIMITS = {"rfm_lookback_days": (30, 3650), "churn_horizon_days": (7, 365)}
SCORE_COLUMNS = (
    "customer_id",
    "recency_days",
    "frequency",
    "monetary",
    "r",
    "f",
    "m",
    "segment",
    "churn_probability",
    "churn_band",
    "churn_reasons",
    "features",
    "last_order_at",
    "orders_total",
    "lifetime_amount",
    "scored_at",
)


# --- settings -----------------------------------------------------------------------------------


def settings_get() -> InsightSettings:
    found = InsightSettings.objects.order_by("pk").first()
    return found if found is not None else InsightSettings.objects.create()


def settings_update(*, access: StoreAccess, data: dict[str, Any]) -> InsightSettings:
    """Change the look-back or the horizon (store admins); takes effect at the next scoring run."""
    if not access.can("settings.manage") or access.read_only:
        raise PermissionDenied(_("Only store admins change these settings."))
    errors: dict[str, list[str]] = {}
    clean: dict[str, int] = {}
    for name, value in data.items():
        if name not in SETTINGS_LIMITS:
            errors[name] = [_("Unknown setting.")]
            continue
        low, high = SETTINGS_LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[name] = [_("A whole number of days from %(low)d to %(high)d.") % {"low": low, "high": high}]
            continue
        clean[name] = value
    if errors:
        raise ValidationFailed(_("Invalid settings."), errors=errors)
    with transaction.atomic():
        current = settings_get()
        current = InsightSettings.objects.select_for_update().get(pk=current.pk)
        for name, value in clean.items():
            setattr(current, name, value)
        current.save()
    return current


# --- scoring ------------------------------------------------------------------------------------


def _feedback(*, at: datetime, horizon_days: int) -> list[tuple[list[float], int, float]]:
    """Dismissals as training rows (see ``churn``): matured ones labelled by what happened."""
    rows: list[tuple[list[float], int, float]] = []
    horizon = timedelta(days=horizon_days)
    dismissals = Dismissal.objects.filter(at__lt=at, at__gte=at - 4 * horizon).exclude(features=[])
    for dismissal in dismissals.order_by("-at")[:2000]:
        if len(dismissal.features) != len(churn.FEATURES):
            continue
        if dismissal.at + horizon <= at:
            ordered = features.customers_ordering(start=dismissal.at, end=dismissal.at + horizon)
            label = 0 if dismissal.customer_id in ordered else 1
            rows.append((list(dismissal.features), label, churn.FEEDBACK_WEIGHT_MATURED))
        else:
            rows.append((list(dismissal.features), 0, churn.FEEDBACK_WEIGHT_PENDING))
    return rows


def _write_scores(rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM insights_customerscore")
        with cursor.cursor.copy(f"COPY insights_customerscore ({', '.join(SCORE_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # A dismissal holds while the customer stays in the band dismissed.
        cursor.execute(
            "UPDATE insights_dismissal d SET active = false WHERE d.active AND NOT EXISTS ("
            " SELECT 1 FROM insights_customerscore s WHERE s.customer_id = d.customer_id AND s.churn_band = d.band)"
        )


def score_store(*, at: datetime | None = None) -> ModelRun:
    """Score every customer with orders: RFM over the look-back, churn risk over the horizon."""
    at = at or timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            store = current_store()
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, store.pk if store else 0])
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        config = settings_get()
        horizon_days, lookback_days = config.churn_horizon_days, config.rfm_lookback_days
        now_rows = features.customer_figures(at=at, lookback_days=lookback_days)
        if not now_rows:
            _write_scores([])
            return ModelRun.objects.create(
                at=at,
                kind=ModelRun.Kind.EMPTY,
                horizon_days=horizon_days,
                lookback_days=lookback_days,
                seconds=time.perf_counter() - started,
            )
        horizon = timedelta(days=horizon_days)
        recent_at, older_at = at - horizon, at - 2 * horizon
        recent = features.customer_figures(at=recent_at, lookback_days=lookback_days)
        older = features.customer_figures(at=older_at, lookback_days=lookback_days)
        model = churn.train(
            horizon_days=horizon_days,
            older=older,
            older_ordered=features.customers_ordering(start=older_at, end=recent_at),
            recent=recent,
            recent_ordered=features.customers_ordering(start=recent_at, end=at),
            feedback=_feedback(at=at, horizon_days=horizon_days) if recent else [],
        )
        x = churn.matrix(now_rows, gap=churn.default_gap(now_rows))
        probabilities = model.predict(now_rows, x)
        why = churn.model_reasons(model, now_rows, x, probabilities)
        scores = rfm.rfm_scores([(r.recency_days, r.orders_lookback, r.amount_lookback) for r in now_rows])
        rows = []
        for i, row in enumerate(now_rows):
            p = round(float(probabilities[i]), 6)
            rows.append(
                (
                    row.customer_id,
                    row.recency_days,
                    row.orders_lookback,
                    row.amount_lookback,
                    scores[i].r,
                    scores[i].f,
                    scores[i].m,
                    scores[i].segment,
                    p,
                    band_for(p),
                    json.dumps(why[i]),
                    [round(float(v), 6) for v in x[i]],
                    row.last_at,
                    row.orders,
                    row.amount_all,
                    at,
                )
            )
        _write_scores(rows)
        evaluation = model.evaluation
        return ModelRun.objects.create(
            at=at,
            kind=ModelRun.Kind.MODEL if model.kind == "model" else ModelRun.Kind.FALLBACK,
            horizon_days=horizon_days,
            lookback_days=lookback_days,
            customers_scored=len(rows),
            training_rows=model.training_rows,
            training_positives=model.training_positives,
            feedback_rows=model.feedback_rows,
            auc=evaluation.auc,
            brier=evaluation.brier,
            baseline_auc=evaluation.baseline_auc,
            fallback_reason=model.fallback_reason,
            coefficients=model.coefficients(),
            seconds=time.perf_counter() - started,
        )


def scoring_request(*, access: StoreAccess) -> None:
    """Score the store again now, in the background (after this request's transaction commits)."""
    if not access.can("insights.score") or access.read_only:
        raise PermissionDenied(_("Only supervisors and store admins refresh the scores."))
    from shared_apps.platform.jobs import get_job
    from shared_apps.platform.tasks import run_store_job

    at = timezone.now().isoformat()
    queue = get_job("insights.score").queue
    after_commit(lambda: run_store_job.apply_async(("insights.score", at), queue=queue))


# --- the at-risk list's actions -----------------------------------------------------------------


def _scored_customer(*, access: StoreAccess, customer_id: Any):
    customer = customer_selectors.customer_get_for_user(customer_id=customer_id, access=access)
    score = CustomerScore.objects.filter(customer_id=customer.pk).first()
    if score is None:
        raise Conflict(_("This customer has no churn score yet (no order, or not scored since)."))
    return customer, score


def dismiss(*, access: StoreAccess, customer_id: Any, note: str = "", at: datetime | None = None) -> Dismissal:
    """ "Not at risk": hides the customer from the at-risk lists while its band stays the same, and
    teaches the next training (see ``churn``). The owner, their supervisor or an admin may."""
    if access.read_only or not access.can("insights.act"):
        raise PermissionDenied(_("You cannot mark customers as not at risk."))
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationFailed(_("Invalid input."), errors={"note": [_("At most 300 characters.")]})
    customer, score = _scored_customer(access=access, customer_id=customer_id)
    if not customer_services.works_on(access=access, customer=customer):
        raise PermissionDenied(_("Only the owner, their supervisor or an admin may do this."))
    at = at or timezone.now()
    with transaction.atomic():
        Dismissal.objects.select_for_update().filter(customer_id=customer.pk, active=True).update(active=False)
        return Dismissal.objects.create(
            customer_id=customer.pk,
            by_id=access.user.pk,
            at=at,
            band=score.churn_band,
            probability=score.churn_probability,
            features=list(score.features),
            note=note,
        )


def follow_up(*, access: StoreAccess, customer_id: Any, at: datetime | None = None) -> dict:
    """One click on an at-risk customer: a supervisor or admin assigns the owner a work task
    (teamwork), due in two days; the owner gets the customer's next follow-up set to now, so it is
    due in "My follow-ups" (unless one is already due earlier). Returns what was made."""
    customer, score = _scored_customer(access=access, customer_id=customer_id)
    if access.read_only:
        raise PermissionDenied()
    if customer.owner_id is None:
        raise Conflict(_("This customer is in the shared pool: claim or assign it first."))
    at = at or timezone.now()
    words = reasons.render_all(score.churn_reasons)
    percent = round(score.churn_probability * 100)
    if customer.owner_id != access.user.pk and access.can("tasks.assign"):
        from tenant_apps.teamwork import selectors as teamwork_selectors
        from tenant_apps.teamwork import services as teamwork_services

        url = reverse("customers:detail", args=[customer.pk])
        task = teamwork_services.task_create(
            access=access,
            title=_("Follow up %(name)s (churn risk %(percent)d%%)")
            % {"name": customer.name[:150], "percent": percent},
            description="\n".join([*words, url]),
            assignee_id=customer.owner_id,
            due_date=teamwork_selectors.local_today(at) + timedelta(days=FOLLOW_UP_TASK_DAYS),
        )
        return {"kind": "task", "task": task.pk, "url": reverse("teamwork:task", args=[task.pk])}
    if not access.can("customers.edit") or not customer_services.works_on(access=access, customer=customer):
        raise PermissionDenied(_("Only the owner, their supervisor or an admin may do this."))
    due = customer.next_follow_up_at
    if due is None or due > at:
        customer = customer_services.customer_update(customer=customer, data={"next_follow_up_at": at}, access=access)
    return {
        "kind": "reminder",
        "next_follow_up_at": customer.next_follow_up_at.isoformat() if customer.next_follow_up_at else None,
        "url": reverse("customers:detail", args=[customer.pk]),
    }
