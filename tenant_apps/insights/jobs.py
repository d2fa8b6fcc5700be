"""Periodic jobs of customer intelligence (registered in shared_apps.platform.jobs)."""

from __future__ import annotations

from datetime import datetime

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.jobs import job
from tenant_apps.insights import services


@job(
    name="insights.score",
    per_store=True,
    batch=True,
    schedule=crontab(minute=30, hour=2),
    description=_("Score every customer: RFM segments and churn risk (the model is trained on the store's history)."),
)
def score(*, at: datetime) -> dict:
    run = services.score_store(at=at)
    return {"kind": run.kind, "customers": run.customers_scored, "auc": run.auc, "seconds": round(run.seconds, 1)}
