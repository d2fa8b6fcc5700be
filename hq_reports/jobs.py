"""HQ feed jobs: the outbox drain (every 10 s, sent only to the stores with events waiting; the
others' feeds record that nothing waited) and the nightly reconciliation, per store; the fold of
the day rollups (every 10 s) and their nightly check against the facts."""

from __future__ import annotations

from datetime import datetime, timedelta

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from hq_reports import rollups
from shared_apps.platform.jobs import job
from tenant_apps.outbox import services as outbox_services

# Drained events are kept this long (for inspection), then purged by the reconciliation.
KEEP_DRAINED = timedelta(days=7)


@job(
    name="hq.rollup",
    per_store=True,
    due=rollups.drain_due_sql,
    idle=rollups.vouch_idle,
    schedule=timedelta(seconds=10),
    description=_("Drain the store's outbox into the HQ report facts."),
)
def rollup(*, at: datetime) -> dict:
    return rollups.drain()


@job(
    name="hq.reconcile",
    per_store=True,
    batch=True,
    schedule=crontab(minute=40, hour=3),
    description=_("Rebuild the store's HQ report facts from its data and report the differences."),
)
def reconcile(*, at: datetime) -> dict:
    report = rollups.reconcile(at=at)
    purged = outbox_services.purge_drained(before=at - KEEP_DRAINED)
    summary = {name: f"{counts['missing']}/{counts['extra']}/{counts['changed']}" for name, counts in report.items()}
    return {"purged_events": purged, **summary}


@job(
    name="hq.fold_day_rollups",
    per_store=False,
    schedule=timedelta(seconds=10),
    description=_("Add the latest changes of the stores' facts into HQ's day rollups."),
)
def fold_day_rollups(*, at: datetime) -> dict:
    return rollups.fold_day_rollups()


@job(
    name="hq.check_day_rollups",
    per_store=False,
    batch=True,
    schedule=crontab(minute=30, hour=5),
    description=_("Check HQ's day rollups against the facts and repair any difference."),
)
def check_day_rollups(*, at: datetime) -> dict:
    return {"repaired": rollups.repair_day_rollups()}
