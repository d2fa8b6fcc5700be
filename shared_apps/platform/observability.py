"""Metrics, request context for logs, readiness.

Metrics (prometheus-client, served at ``/metrics`` on the HQ host with ``Authorization: Bearer
<METRICS_TOKEN>``; without the setting the endpoint does not exist):

- ``crm_http_requests_total{route, method, status}`` and ``crm_http_request_duration_seconds{route,
  method}``: labelled by the URL pattern (``api/v1/customers/<int:pk>``), never by store or by
  raw path, so that the number of series stays bounded;
- ``crm_jobs_total{job, outcome}``: periodic job runs per store or global, ``ok`` or ``failed``;
- gauges read at scrape time by collectors that apps register (``register_collector``): the outbox
  lag and backlog per store, the broker's queue depth; and per-store gauges that store apps declare
  with ``register_store_gauge`` (a reader run in each store's schema, one pass over the stores for
  all of them).

With several processes (gunicorn workers, the Celery worker), set ``PROMETHEUS_MULTIPROC_DIR`` to a
folder shared by them (prometheus-client's multiprocess mode): counters are then summed over the
processes at scrape time.

Logs: ``RequestContextMiddleware`` gives every request a request id (the ``X-Request-ID`` header
when sent, else a new one) and puts it, the store and the user id in context variables that the
``JsonFormatter`` and ``ContextFilter`` add to every record; Celery tasks carry them in their
headers and restore them while they run.
"""

from __future__ import annotations

import contextlib
import contextvars
import hmac
import json
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

logger = logging.getLogger(__name__)

disable_created_metrics()

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
store_var: contextvars.ContextVar[str] = contextvars.ContextVar("store", default="")
user_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("user_id", default="")

HTTP_REQUESTS = Counter("crm_http_requests", "HTTP requests by route", ["route", "method", "status"])
HTTP_LATENCY = Histogram(
    "crm_http_request_duration_seconds",
    "HTTP request latency by route",
    ["route", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
JOBS = Counter("crm_jobs", "Periodic job runs (per store or global) by outcome", ["job", "outcome"])

_collectors: list[Callable[[], Iterable[GaugeMetricFamily]]] = []


def register_collector(fn: Callable[[], Iterable[GaugeMetricFamily]]) -> None:
    """Add gauges computed at scrape time (``fn`` yields metric families)."""
    if fn not in _collectors:
        _collectors.append(fn)


class _ScrapeTimeCollector(Collector):
    def collect(self):
        for fn in list(_collectors):
            try:
                yield from fn()
            except Exception:  # one failing source must not hide the others
                logger.exception("metrics collector %s failed", getattr(fn, "__name__", fn))


@dataclass(frozen=True)
class StoreGauge:
    """A per-store gauge a store app declares: ``read()`` runs in each active store's schema at
    scrape time and answers the store's value."""

    name: str
    documentation: str
    read: Callable[[], float]


_store_gauges: dict[str, StoreGauge] = {}


def register_store_gauge(*, name: str, documentation: str, read: Callable[[], float]) -> None:
    """Add a gauge labelled by store, read at scrape time (a store app's backlog, e.g. the webhook
    deliveries not yet made: ``crm_webhook_backlog``)."""
    _store_gauges[name] = StoreGauge(name=name, documentation=documentation, read=read)


def unregister_store_gauge(name: str) -> None:
    _store_gauges.pop(name, None)


def store_gauges() -> list[StoreGauge]:
    return [_store_gauges[name] for name in sorted(_store_gauges)]


def job_finished(*, job: str, ok: bool) -> None:
    JOBS.labels(job=job, outcome="ok" if ok else "failed").inc()


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    route = match.route or match.view_name or "unmatched"
    return route.replace("^", "").removesuffix("$")


class RequestContextMiddleware:
    """Request id, store and user id for the logs; request count and latency by route."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if given and len(given) <= 64 and given.isprintable() else uuid.uuid4().hex
        tokens = [request_id_var.set(request_id)]
        tenant = getattr(request, "tenant", None)
        tokens.append(store_var.set(getattr(tenant, "subdomain", "") if tenant is not None else ""))
        tokens.append(user_id_var.set(""))
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            for token in reversed(tokens):
                token.var.reset(token)
        route = _route(request)
        HTTP_REQUESTS.labels(route=route, method=request.method, status=str(response.status_code)).inc()
        HTTP_LATENCY.labels(route=route, method=request.method).observe(time.perf_counter() - started)
        response["X-Request-ID"] = request_id
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            user_id_var.set(str(user.pk))
        return None


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.store = store_var.get()
        record.user_id = user_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, store, user id, request id."""

    def format(self, record: logging.LogRecord) -> str:
        body = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "store": getattr(record, "store", "") or store_var.get(),
            "user_id": getattr(record, "user_id", "") or user_id_var.get(),
            "request_id": getattr(record, "request_id", "") or request_id_var.get(),
        }
        if record.exc_info:
            body["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False)


# --- Celery: the context travels with the task ---------------------------------------------------


def _action_var():
    from shared_apps.platform.actionlog import action_var

    return action_var


CONTEXT_HEADERS = {
    "crm_request_id": request_id_var,
    "crm_store": store_var,
    "crm_user_id": user_id_var,
    # Who acts, for the action log: a task does what its sender asked, as the sender.
    "crm_action": _action_var(),
}


def task_headers() -> dict[str, str]:
    return {name: var.get() for name, var in CONTEXT_HEADERS.items() if var.get()}


def connect_celery_signals() -> None:
    from celery.signals import before_task_publish, task_failure, task_postrun, task_prerun

    @before_task_publish.connect(weak=False)
    def _add_context(headers=None, **kwargs):
        if headers is not None:
            headers.update(task_headers())

    _tokens: dict[str, list] = {}

    @task_prerun.connect(weak=False)
    def _restore_context(task_id=None, task=None, **kwargs):
        # Message headers sent with the task are attributes of its request on the worker.
        request = getattr(task, "request", None)
        tokens = []
        for name, var in CONTEXT_HEADERS.items():
            value = getattr(request, name, None) or ""
            if name == "crm_request_id" and not value:
                value = task_id or ""
            tokens.append(var.set(str(value)))
        _tokens[task_id] = tokens
        _apply_action_context()

    @task_postrun.connect(weak=False)
    def _clear_context(task_id=None, **kwargs):
        for token in reversed(_tokens.pop(task_id, [])):
            with contextlib.suppress(ValueError):
                token.var.reset(token)
        _apply_action_context()

    @task_failure.connect(weak=False)
    def _count_failure(sender=None, **kwargs):
        JOBS.labels(job=f"task:{getattr(sender, 'name', 'unknown')}", outcome="failed").inc()


def _apply_action_context() -> None:
    from shared_apps.platform.actionlog import apply

    with contextlib.suppress(Exception):  # a broken connection is reset on its next use
        apply()


# --- views -------------------------------------------------------------------------------------


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(_ScrapeTimeCollector())
        return registry
    return REGISTRY


_registered = False


def ensure_registered() -> None:
    global _registered
    if not _registered and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        REGISTRY.register(_ScrapeTimeCollector())
    _registered = True


def metrics_view(request):
    token = getattr(settings, "METRICS_TOKEN", "")
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        response = HttpResponse("unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = "Bearer"
        return response
    ensure_registered()
    return HttpResponse(generate_latest(_registry()), content_type="text/plain; version=0.0.4; charset=utf-8")


def readiness_checks() -> dict[str, str]:
    from django.db import connection

    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        checks["database"] = f"failed: {type(exc).__name__}"
    try:
        from celery import current_app

        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        checks["broker"] = f"failed: {type(exc).__name__}"
    return checks


def readyz(request):
    checks = readiness_checks()
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
