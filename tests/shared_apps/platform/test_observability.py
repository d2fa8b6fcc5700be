"""Metrics behind a token, readiness, and the request context in logs and Celery tasks."""

from __future__ import annotations

import json
import logging
import re
from types import SimpleNamespace

import pytest
from django.test import Client

from shared_apps.platform import observability

pytestmark = pytest.mark.django_db

TOKEN = "scrape-secret-7"


def scrape(token: str | None = TOKEN):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().get("/metrics", HTTP_HOST="localhost", **headers)


def sample(text: str, name: str, **labels) -> float | None:
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_endpoint_does_not_exist_without_a_token_setting(settings):
    settings.METRICS_TOKEN = ""
    assert scrape().status_code == 404


def test_metrics_refuse_a_wrong_token(settings):
    settings.METRICS_TOKEN = TOKEN
    assert scrape("wrong").status_code == 401
    assert scrape(None).status_code == 401


def test_requests_are_counted_by_route_not_by_store(settings, api, users, store_a, store_b):
    settings.METRICS_TOKEN = TOKEN
    before = sample(scrape().content.decode(), "crm_http_requests_total", route="api/v1/channels", status="200") or 0
    api(users.a_admin, store_a).get("/api/v1/channels")
    api(users.b_admin, store_b).get("/api/v1/channels")
    body = scrape().content.decode()
    assert sample(body, "crm_http_requests_total", route="api/v1/channels", method="GET", status="200") == before + 2
    assert "alpha" not in "".join(line for line in body.splitlines() if line.startswith("crm_http_"))


def test_outbox_backlog_and_lag_are_read_per_store_at_scrape_time(settings, store_a, store_b, in_store, users):
    from tenant_apps.outbox import services as outbox

    settings.METRICS_TOKEN = TOKEN
    with in_store(store_a):
        outbox.publish(topic="customer", entity_id=1)
        outbox.publish(topic="customer", entity_id=2)
    body = scrape().content.decode()
    alpha = sample(body, "crm_outbox_backlog", store="alpha")
    bravo = sample(body, "crm_outbox_backlog", store="bravo")
    assert alpha is not None and bravo is not None
    assert alpha >= bravo + 2
    assert sample(body, "crm_outbox_lag_seconds", store="alpha") >= 0
    assert sample(body, "crm_queue_depth", queue="celery") is not None


def test_a_declared_store_gauge_is_read_in_each_store_at_scrape_time(settings, store_a, store_b, in_store, users):
    from django.db import connection

    from tenant_apps.customers.models import Tag

    settings.METRICS_TOKEN = TOKEN
    observability.register_store_gauge(
        name="crm_test_backlog", documentation="Tags, as a stand-in backlog", read=lambda: Tag.objects.count()
    )
    try:
        with in_store(store_a):
            Tag.objects.bulk_create([Tag(name="one"), Tag(name="two")])
        with in_store(store_b):
            Tag.objects.create(name="three")
        connection.set_schema_to_public()
        body = scrape().content.decode()
    finally:
        observability.unregister_store_gauge("crm_test_backlog")
    assert sample(body, "crm_test_backlog", store="alpha") == 2
    assert sample(body, "crm_test_backlog", store="bravo") == 1
    assert "crm_test_backlog" not in scrape().content.decode()


def test_job_runs_are_counted(settings, store_a):
    from shared_apps.platform import jobs

    settings.METRICS_TOKEN = TOKEN
    before = sample(scrape().content.decode(), "crm_jobs_total", job="notifications.purge_read", outcome="ok") or 0
    jobs.run_in_store(jobs.get_job("notifications.purge_read"), store=store_a, at=jobs.parse_at(None))
    after = sample(scrape().content.decode(), "crm_jobs_total", job="notifications.purge_read", outcome="ok")
    assert after == before + 1


def test_readiness_checks_the_database_and_the_broker(monkeypatch):
    response = Client().get("/readyz", HTTP_HOST="localhost")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}

    from celery import current_app

    def broken(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(current_app, "connection_for_write", broken)
    response = Client().get("/readyz", HTTP_HOST="localhost")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("failed")


def test_json_log_lines_carry_store_user_and_request_id(api, users, store_a, monkeypatch):
    from tenant_apps.workspace import api as workspace_api

    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(observability.JsonFormatter().format(record))

    original = workspace_api.ChannelViewSet.list

    def logged(self, request, *args, **kwargs):
        logging.getLogger("tenant_apps.workspace").warning("listing channels")
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(workspace_api.ChannelViewSet, "list", logged)
    handler = Keep()
    handler.addFilter(observability.ContextFilter())
    logger = logging.getLogger("tenant_apps")
    logger.addHandler(handler)
    try:
        response = api(users.a_admin, store_a).get("/api/v1/channels", HTTP_X_REQUEST_ID="req-123")
    finally:
        logger.removeHandler(handler)
    assert response["X-Request-ID"] == "req-123"
    line = json.loads(next(r for r in records if "listing channels" in r))
    assert (line["store"], line["user_id"], line["request_id"]) == ("alpha", str(users.a_admin.pk), "req-123")


def test_a_task_carries_the_request_context_to_the_worker():
    tokens = [observability.request_id_var.set("req-9"), observability.store_var.set("alpha")]
    try:
        headers = observability.task_headers()
    finally:
        for token in reversed(tokens):
            token.var.reset(token)
    assert headers == {"crm_request_id": "req-9", "crm_store": "alpha"}

    from celery.signals import task_postrun, task_prerun

    class Task:
        request = SimpleNamespace(**headers)

    task = Task()
    task_prerun.send(sender=task, task_id="t-1", task=task)
    try:
        assert (observability.request_id_var.get(), observability.store_var.get()) == ("req-9", "alpha")
    finally:
        task_postrun.send(sender=task, task_id="t-1", task=task)
    assert observability.request_id_var.get() == ""


def test_every_metric_the_example_alerts_use_is_served(settings, store_a):
    from pathlib import Path

    import yaml

    settings.METRICS_TOKEN = TOKEN
    rules = yaml.safe_load((Path(settings.BASE_DIR) / "deploy/prometheus/alerts.yml").read_text())
    used = {
        name for group in rules["groups"] for rule in group["rules"] for name in re.findall(r"\bcrm_\w+", rule["expr"])
    }
    served = set(re.findall(r"^# HELP (crm_\w+) ", scrape().content.decode(), re.M))
    assert {"crm_outbox_lag_seconds", "crm_webhook_backlog", "crm_webhook_oldest_pending_seconds"} <= used
    assert used <= served
