"""HQ customer-intelligence jobs: each store publishes its scores and buyers' keyed hashes, then HQ
computes the benchmarks and the cross-store buyers."""

from __future__ import annotations

from datetime import datetime

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from hq_insights import benchmarks, publishing
from shared_apps.platform.jobs import job


@job(
    name="hq.insights_publish",
    per_store=True,
    schedule=crontab(minute=10, hour=3),
    description=_("Publish the store's segment mix, churn totals and buyers' keyed hashes to HQ."),
)
def insights_publish(*, at: datetime) -> dict:
    return publishing.publish_store(at=at)


@job(
    name="hq.insights",
    per_store=False,
    batch=True,
    schedule=crontab(minute=30, hour=4),
    description=_("Compute the stores' benchmark percentiles, anomaly flags and the buyers of several stores."),
)
def insights(*, at: datetime) -> dict:
    return benchmarks.run(at=at)
