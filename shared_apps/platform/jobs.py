"""Periodic jobs: one registry for Celery beat, the worker and ``manage.py run_job``.

An app declares its jobs in its own ``jobs.py`` module (found by autodiscovery when Django starts)::

    @job(name="pool.release", per_store=True, schedule=crontab(minute=0), description=_("..."))
    def release(*, at: datetime) -> dict:
        ...

``at`` is the job's "now" (an aware datetime): beat passes the time of dispatch, ``run_job --at``
any moment to replay. A per-store job runs once for every store that is not suspended, each run
inside that store's schema; a global job runs once in the public schema. Jobs must be idempotent:
a run may be retried, replayed or overlap with the next one.

``on_activity=True`` is for the jobs that only poll a store for the events it wrote (the event
consumers' sweep): beat's dispatch sends them only to the stores that wrote events since the
previous dispatch (``note_activity``, called after each commit that wrote events, keeps the time in
the shared cache), and to every store once every ``JOBS_ACTIVITY_SWEEP_SECONDS`` in case a mark
was lost. The HQ drain is not one of them: each of its runs is also the record HQ's "as of" rests
on (a store it has not reached for a minute shows as behind), which a mark in a cache cannot vouch
for.

``batch=True`` sends a job's runs to the batch queue (``settings.CELERY_BATCH_QUEUE``): long
nightly work (reconciliations, backups, model scoring, store provisioning) that a worker of its own
consumes, so that it never holds the threads of the short, frequent jobs such as the HQ drain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery.schedules import crontab
from celery.schedules import schedule as interval_schedule
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tenants.utils import schema_context, tenant_context

from shared_apps.platform.actionlog import ActionContext, action_context
from shared_apps.platform.observability import job_finished
from tenants.models import Store
from tenants.storetime import store_zone, zone_named

logger = logging.getLogger(__name__)

JobFunction = Callable[..., Any]
Schedule = crontab | timedelta | interval_schedule | None


class UnknownJob(LookupError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"unknown job {name!r}")


@dataclass(frozen=True)
class Job:
    name: str
    fn: JobFunction
    per_store: bool
    schedule: Schedule
    description: str
    batch: bool = False
    on_activity: bool = False

    @property
    def queue(self) -> str:
        """The Celery queue the job's runs are sent to."""
        return settings.CELERY_BATCH_QUEUE if self.batch else settings.CELERY_TASK_DEFAULT_QUEUE

    @property
    def scope(self) -> str:
        return "per store" if self.per_store else "global"

    @property
    def schedule_text(self) -> str:
        return describe_schedule(self.schedule)

    def __call__(self, *, at: datetime) -> Any:
        return self.fn(at=at)


@dataclass(frozen=True)
class JobRun:
    """The outcome of one job in one place (a store's subdomain, or None for a global job)."""

    job: str
    store: str | None
    at: datetime
    ok: bool
    result: Any = None
    error: str = ""

    @property
    def summary(self) -> str:
        if not self.ok:
            return f"failed: {self.error}"
        return format_result(self.result)


_registry: dict[str, Job] = {}
_discovered = False


def job(
    *,
    name: str,
    per_store: bool,
    schedule: Schedule = None,
    description: Any = "",
    batch: bool = False,
    on_activity: bool = False,
) -> Callable:
    """Register ``fn(*, at) -> dict | int | None`` as the job ``name`` (``batch``, ``on_activity``:
    see the module)."""
    if on_activity and not per_store:
        raise ImproperlyConfigured(f"job {name!r}: only a per-store job can run on the stores' activity")
    if not name or any(ch.isspace() for ch in name):
        raise ImproperlyConfigured(f"job name {name!r} must be a non-empty word such as 'pool.release'")
    if schedule is not None and not isinstance(schedule, (crontab, timedelta, interval_schedule)):
        raise ImproperlyConfigured(f"job {name!r}: schedule must be a crontab, a timedelta or None")

    def decorator(fn: JobFunction) -> JobFunction:
        existing = _registry.get(name)
        if existing is not None and f"{existing.fn.__module__}.{existing.fn.__qualname__}" != (
            f"{fn.__module__}.{fn.__qualname__}"
        ):
            raise ImproperlyConfigured(f"job {name!r} is registered twice")
        _registry[name] = Job(
            name=name,
            fn=fn,
            per_store=bool(per_store),
            schedule=schedule,
            description=description,
            batch=bool(batch),
            on_activity=bool(on_activity),
        )
        return fn

    return decorator


def discover() -> None:
    """Import every installed app's ``jobs`` module (once)."""
    global _discovered
    if not _discovered:
        autodiscover_modules("jobs")
        _discovered = True


def all_jobs() -> list[Job]:
    discover()
    return sorted(_registry.values(), key=lambda j: j.name)


def get_job(name: str) -> Job:
    discover()
    try:
        return _registry[name]
    except KeyError:
        raise UnknownJob(name) from None


def describe_schedule(value: Schedule) -> str:
    if value is None:
        return "manual"
    if isinstance(value, crontab):
        fields = (
            value._orig_minute,
            value._orig_hour,
            value._orig_day_of_month,
            value._orig_month_of_year,
            value._orig_day_of_week,
        )
        return "cron " + " ".join(str(f) for f in fields)
    seconds = int((value.run_every if isinstance(value, interval_schedule) else value).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds % size == 0:
            return f"every {seconds // size} {unit}"
    return f"every {seconds} s"


def format_result(result: Any) -> str:
    if result is None:
        return "ok"
    if isinstance(result, dict):
        return ", ".join(f"{k}={v}" for k, v in result.items()) or "ok"
    return str(result)


def parse_at(value: str | None) -> datetime:
    """An ISO 8601 time (a date alone means its midnight); naive times are in settings.TIME_ZONE."""
    if value is None or value == "":
        return timezone.now()
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{value!r} is not an ISO 8601 time; use e.g. 2025-03-01T09:00 or 2025-03-01T09:00:00+08:00"
        ) from None
    if timezone.is_naive(at):
        at = timezone.make_aware(at, timezone.get_default_timezone())
    return at


def active_stores() -> list[Store]:
    return list(Store.objects.active().order_by("subdomain"))


# A mark is compared with the previous dispatch less this margin (clocks of several machines).
ACTIVITY_MARGIN_SECONDS = 5.0


def _activity_key(schema: str) -> str:
    return f"jobs:activity:{schema}"


def note_activity(schema: str) -> None:
    """``schema``'s store has just committed events: its ``on_activity`` jobs run at the next dispatch.
    A cache that cannot be reached loses only the mark (the periodic sweep runs everywhere)."""
    try:
        cache.set(_activity_key(schema), timezone.now().timestamp(), timeout=24 * 3600)
    except Exception:  # the mark is an optimisation, never a reason to fail a request
        logger.warning("could not mark activity of %s", schema, exc_info=True)


def stores_due(job_: Job, stores: list[Store]) -> list[Store]:
    """Of ``stores``, those where beat's dispatch sends ``job_`` now (see the module: on_activity)."""
    if not job_.on_activity:
        return stores
    now = timezone.now().timestamp()
    dispatched_key, swept_key = f"jobs:dispatched:{job_.name}", f"jobs:swept:{job_.name}"
    try:
        found = cache.get_many([dispatched_key, swept_key])
        previous, swept = found.get(dispatched_key), found.get(swept_key)
        if previous is None or swept is None or now - swept >= settings.JOBS_ACTIVITY_SWEEP_SECONDS:
            cache.set_many({dispatched_key: now, swept_key: now}, timeout=None)
            return stores
        marks = cache.get_many([_activity_key(store.schema_name) for store in stores])
        cache.set(dispatched_key, now, timeout=None)
    except Exception:  # no cache: every store, as without marks
        logger.warning("could not read the activity marks for %s", job_.name, exc_info=True)
        return stores
    since = previous - ACTIVITY_MARGIN_SECONDS
    return [store for store in stores if marks.get(_activity_key(store.schema_name), float("-inf")) >= since]


def _run(job_: Job, *, at: datetime, store: Store | None, propagate: bool) -> JobRun:
    where = store.subdomain if store is not None else None
    acting = ActionContext(source="job", actor=f"job:{job_.name}", at=timezone.now())
    try:
        with (
            action_context(acting),
            timezone.override(store_zone(store) if store is not None else zone_named(None)),
        ):
            result = job_(at=at)
    except Exception as exc:  # one failing store must not stop the others
        logger.exception("job %s failed for %s", job_.name, where or "public")
        job_finished(job=job_.name, ok=False)
        if propagate:
            raise
        return JobRun(job=job_.name, store=where, at=at, ok=False, error=f"{type(exc).__name__}: {exc}")
    logger.debug("job %s done for %s: %s", job_.name, where or "public", format_result(result))
    job_finished(job=job_.name, ok=True)
    return JobRun(job=job_.name, store=where, at=at, ok=True, result=result)


def run_in_store(job_: Job, *, store: Store, at: datetime, propagate: bool = False) -> JobRun:
    """Run a per-store job inside ``store``'s schema. Errors are reported in the JobRun unless
    ``propagate`` (the worker lets them through so that the task is retried)."""
    if not job_.per_store:
        raise ValueError(f"job {job_.name!r} is global")
    with tenant_context(store):
        return _run(job_, at=at, store=store, propagate=propagate)


def run_global(job_: Job, *, at: datetime, propagate: bool = False) -> JobRun:
    """Run a global job in the public schema."""
    if job_.per_store:
        raise ValueError(f"job {job_.name!r} runs per store")
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        return _run(job_, at=at, store=None, propagate=propagate)


def run_now(job_: Job, *, at: datetime, stores: Iterable[Store] | None = None) -> Iterator[JobRun]:
    """Run synchronously in this process: over ``stores`` (default: every active store) or globally."""
    if not job_.per_store:
        yield run_global(job_, at=at)
        return
    for store in active_stores() if stores is None else stores:
        yield run_in_store(job_, store=store, at=at)


def run_in_current_store(job_: Job, *, at: datetime) -> JobRun:
    """Run a per-store job in the store schema already active (the worker's task switched to it).

    Errors propagate so that the task is retried for this store alone. A store suspended since
    the dispatch is skipped.
    """
    if not job_.per_store:
        raise ValueError(f"job {job_.name!r} is global")
    store = Store.objects.filter(schema_name=connection.schema_name).first()
    if store is None or store.is_public:
        raise RuntimeError(f"per-store job {job_.name!r} was sent without a store schema")
    if store.status == Store.Status.SUSPENDED:
        logger.info("job %s skipped for suspended store %s", job_.name, store.subdomain)
        return JobRun(job=job_.name, store=store.subdomain, at=at, ok=True, result={"skipped": "suspended"})
    return run_in_store(job_, store=store, at=at, propagate=True)


def beat_schedule() -> dict[str, dict]:
    """Celery beat entries: each scheduled job → ``platform.dispatch_job``."""
    return {
        f"job:{j.name}": {"task": "platform.dispatch_job", "schedule": j.schedule, "args": (j.name,)}
        for j in all_jobs()
        if j.schedule is not None
    }
