"""Periodic jobs: one registry for Celery beat, the worker and ``manage.py run_job``.

An app declares its jobs in its own ``jobs.py`` module (found by autodiscovery when Django starts)::

    @job(name="pool.release", per_store=True, schedule=crontab(minute=0), description=_("..."))
    def release(*, at: datetime) -> dict:
        ...

``at`` is the job's "now" (an aware datetime): beat passes the time of dispatch, ``run_job --at``
any moment to replay. A per-store job runs once for every store that is not suspended, each run
inside that store's schema; a global job runs once in the public schema. Jobs must be idempotent:
a run may be retried, replayed or overlap with the next one.

``due=`` is for the jobs that run often but have work in few stores (the HQ drain, the event
consumers, webhook retries): a function ``due(schema, store) -> str`` giving a SQL boolean expression
over the store's schema (``schema`` is its quoted name; ``%(at)s`` is the job's "now") that is true
when the job has work there. Beat's dispatch evaluates it for every active store in one statement
per few hundred stores (``probe``) and sends the job only where it is true: an idle store costs a
line of SQL, not a task. The probe reads the stores' own rows, in one snapshot, so it cannot miss
work committed before its statement began (a probe that fails sends the job everywhere, as
without one).
``idle=`` may add a function ``idle(stores, checked_at) -> stores`` called with the stores found
idle and the moment up to which they were (taken before the probe's statements began): it
records what the idleness vouches for and returns those it could not vouch for, which get the job
anyway (the HQ drain records that an idle store's facts hold every change committed before that
moment, which is what the dashboard's "as of" rests on).

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
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction
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
# ``due(schema, store)``: a SQL boolean expression, true where the job has work (see the module).
DueProbe = Callable[[str, Store], str]
# ``idle(stores, checked_at)``: records what the stores' idleness vouches for; returns the stores
# that get the job anyway.
IdleHook = Callable[[list[Store], datetime], list[Store]]


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
    due: DueProbe | None = None
    idle: IdleHook | None = None

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
    due: DueProbe | None = None,
    idle: IdleHook | None = None,
) -> Callable:
    """Register ``fn(*, at) -> dict | int | None`` as the job ``name`` (``batch``, ``due``, ``idle``:
    see the module)."""
    if (due is not None or idle is not None) and not per_store:
        raise ImproperlyConfigured(f"job {name!r}: only a per-store job can be sent where it has work")
    if idle is not None and due is None:
        raise ImproperlyConfigured(f"job {name!r}: an idle hook needs a due probe")
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
            due=due,
            idle=idle,
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


# Stores probed by one statement (a UNION ALL of one line per store).
PROBE_CHUNK = 250


def probe(job_: Job, stores: list[Store], *, at: datetime) -> tuple[set[int], datetime]:
    """The ids of the ``stores`` where ``job_``'s ``due`` expression is true, and the moment the
    others were idle at (taken before any of the statements' snapshots).

    A statement that fails (a store schema without the table yet, a migration under way) counts all
    its stores as due: they get the job, as without a probe."""
    quote = connection.ops.quote_name
    due: set[int] = set()
    checked_at = timezone.now()
    with schema_context(settings.PUBLIC_SCHEMA_NAME), connection.cursor() as cursor:
        for offset in range(0, len(stores), PROBE_CHUNK):
            chunk = stores[offset : offset + PROBE_CHUNK]
            sql = "\nUNION ALL ".join(
                f"SELECT {store.pk} WHERE {job_.due(quote(store.schema_name), store)}" for store in chunk
            )
            try:
                with transaction.atomic():
                    cursor.execute(sql, {"at": at})
                    due.update(row[0] for row in cursor.fetchall())
            except DatabaseError:
                logger.warning("job %s: could not probe %d stores; sending it to them all", job_.name, len(chunk))
                due.update(store.pk for store in chunk)
    return due, checked_at


def stores_due(job_: Job, stores: list[Store], *, at: datetime) -> list[Store]:
    """Of ``stores``, those where beat's dispatch sends ``job_`` now (see the module: ``due``)."""
    if job_.due is None or not stores:
        return stores
    try:
        due, checked_at = probe(job_, stores, at=at)
    except DatabaseError:
        logger.warning("job %s: the probe failed; sending it to every store", job_.name, exc_info=True)
        return stores
    idle = [store for store in stores if store.pk not in due]
    if job_.idle is not None and idle:
        due.update(store.pk for store in job_.idle(idle, checked_at))
    return [store for store in stores if store.pk in due]


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
