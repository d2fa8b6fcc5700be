"""Fault injection with a real broker: nothing lost and nothing duplicated, counted before and after.

    DATABASE_URL=postgresql://.../crm_faults .venv/bin/python -m bench.faults [import drain beat database]

The broker is Redis at ``FAULTS_BROKER`` (``redis://127.0.0.1:6379/7``, emptied first); workers
and beat are real ``celery`` processes started and killed here, by their own pids; the database is
the one of DATABASE_URL (a bench store is made in it).

* ``import``: a 6,000-row customer import (12 batches). The worker's pool process is SIGKILLed
  after the first batches (the worker requeues the task: acks late, reject on worker lost), then
  in a second import the whole worker is SIGKILLed and a new one started; the stale-job job
  (``imports.redispatch_stale``) sends the task again once the job's last progress is older than
  ``STALE_AFTER`` (the job's ``progress_at`` is moved back by that much instead of waiting 10
  minutes). Counted: the store's customers before and after, the job's rows and outcomes, and
  mobile numbers held twice.
* ``drain``: 20,000 orders' outbox events drained into the HQ facts by ``hq.rollup``; the worker
  is SIGKILLed mid-drain, started again and the job sent again. Counted: events pending, events
  applied (the store feed's counter: a batch applied twice would count twice), and the
  reconciliation's missing / extra / changed facts (rebuilt from the store, not fixed).
* ``beat``: beat runs 30 s, is stopped (SIGTERM) and started again, runs 30 s, is SIGKILLed and
  started again, runs 30 s more. Every message it sends is taken from Redis as it arrives; the
  10-second ``hq.rollup`` dispatches must keep their rhythm: none missing (no gap over 15 s) and
  none doubled (no two within 5 s).
* ``webhooks``: 600 events of 200 entities delivered to a local receiver (every signature verified
  with ``standardwebhooks``; each answer takes 20 ms) by a worker of the ``webhooks`` queue, which
  is SIGKILLed mid-delivery and replaced; the sweep (``webhooks.deliver``) sends what was left
  pending. Counted: events, unique ``webhook-id``s received (none lost), requests received beyond
  them (duplicates: at-least-once), signatures verified, and events of one entity received out of
  order.
* ``database``: gunicorn (DEBUG=0, 2 workers, persistent connections) under 4 client threads
  (list and create customers); the database then refuses connections for 6 s and every backend
  of it is terminated (``ALLOW_CONNECTIONS false`` + ``pg_terminate_backend``: the machine's
  PostgreSQL service itself is not touched), then accepts them again. Counted: answers by status
  during and after the cut (every failure must be 503 problem+json ``service_unavailable``), the
  time to the first success after the cut, gunicorn workers' pids (no restart), and the customers
  created against the 201 answers.

Results are printed and written to bench/results/faults.json.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from bench import common

BROKER = os.environ.get("FAULTS_BROKER", "redis://127.0.0.1:6379/7")
# The cache the processes share, as deploy/ sets it (CACHE_URL): rate limits, wake-up marks.
CACHE = os.environ.get("FAULTS_CACHE", "redis://127.0.0.1:6379/8")
RUN_DIR = Path(tempfile.gettempdir()) / "crm-faults-run"
CELERY = str(common.REPO / ".venv" / "bin" / "celery")
SECRET = "bench-only-secret-key-not-for-production-0123456789abcdef"


def setup_django() -> None:
    common.database_url()
    os.environ["CELERY_BROKER_URL"] = BROKER
    os.environ.setdefault("CACHE_URL", CACHE)
    os.environ["CRM_RUN_DIR"] = str(RUN_DIR)
    os.environ.setdefault("SECRET_KEY", SECRET)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if str(common.REPO) not in sys.path:
        sys.path.insert(0, str(common.REPO))
    import django

    django.setup()


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, CELERY_BROKER_URL=BROKER, CRM_RUN_DIR=str(RUN_DIR), SECRET_KEY=SECRET)
    env.setdefault("LOG_LEVEL", "WARNING")
    env.setdefault("DB_CONN_MAX_AGE", "60")  # as deploy/ runs them
    env.setdefault("CACHE_URL", CACHE)
    env.update(extra)
    return env


def redis_client():
    import redis

    return redis.Redis.from_url(BROKER)


def wait_for(predicate, *, timeout: float, every: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"timed out waiting for {what}")


class Proc:
    """A celery worker or beat in its own session, stopped or killed by its own pid."""

    def __init__(self, *args: str, name: str):
        self.log = tempfile.NamedTemporaryFile(prefix=f"faults-{name}-", suffix=".log", delete=False)  # noqa: SIM115
        self.proc = subprocess.Popen(
            [CELERY, "-A", "config", *args],
            cwd=common.REPO,
            env=child_env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @classmethod
    def worker(cls, n: int) -> Proc:
        return cls(
            "worker", "-c", "1", "-P", "prefork", "-n", f"faults{n}@localhost", "--without-gossip",
            "--without-mingle", "--loglevel", "info", name=f"worker{n}",
        )  # fmt: skip

    @classmethod
    def beat(cls) -> Proc:
        return cls("beat", "-s", str(RUN_DIR / "beat-schedule"), "--loglevel", "info", name="beat")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> None:
        wait_for(lambda: "ready." in self.output(), timeout=timeout, every=0.2, what="the worker to be ready")

    def pool_children(self) -> list:
        import psutil

        return psutil.Process(self.proc.pid).children()

    def kill_pool_process(self) -> int:
        child = self.pool_children()[0]
        child.kill()
        return child.pid

    def kill(self) -> None:
        """SIGKILL the whole process group: the worker and its pool, nothing acknowledged."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


# ---------------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------------


def fault_store():
    from django.db import connection
    from django_tenants.utils import schema_context

    from bench import data_orders
    from tenants.models import Store

    store = Store.objects.filter(subdomain="faults").first()
    if store is None:
        from tenants.provisioning import create_store_now

        store = create_store_now(
            name="Faults", subdomain="faults", owner=common.bench_owner(), channels=["tmall", "jd", "pdd"]
        )
    with schema_context(store.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sales_order")
        if cursor.fetchone()[0] == 0:
            data_orders.generate(store.schema_name, orders=20_000, customers=3_000, seed=3, quiet=True)
    return store


def customer_counts(store, mobiles: list[str] | None = None) -> dict:
    from django.db import connection
    from django_tenants.utils import schema_context

    with schema_context(store.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_customer")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM (SELECT mobile_normalized FROM customers_customer WHERE mobile_normalized <> '' "
            "GROUP BY mobile_normalized HAVING count(*) > 1) twice"
        )
        twice = cursor.fetchone()[0]
        found = None
        if mobiles is not None:
            cursor.execute("SELECT count(*) FROM customers_customer WHERE mobile = ANY(%s)", [mobiles])
            found = cursor.fetchone()[0]
    return {"customers": total, "mobiles_held_twice": twice, "of_these_mobiles": found}


# ---------------------------------------------------------------------------------------------
# Worker killed mid-import
# ---------------------------------------------------------------------------------------------


def _csv(rows: int, start: int) -> tuple[bytes, list[str]]:
    mobiles = [f"139{start + i:08d}" for i in range(rows)]
    text = "name,mobile,province\n" + "".join(f"导入客户{start + i},{m},广东\n" for i, m in enumerate(mobiles))
    return text.encode(), mobiles


def _job(store, job_id: int):
    from django_tenants.utils import schema_context

    from tenant_apps.imports.models import ImportJob

    with schema_context(store.schema_name):
        return ImportJob.objects.get(pk=job_id)


def one_import(store, *, rows: int, start: int, kill: str, workers: list[Proc]) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from shared_apps.accounts.access import resolve_store_access
    from tenant_apps.imports import services
    from tenant_apps.imports.models import ImportJob

    data, mobiles = _csv(rows, start)
    before = customer_counts(store, mobiles)
    access = resolve_store_access(user=common.bench_owner(), store=store)
    with schema_context(store.schema_name):
        job = services.import_start(kind="customers", file=SimpleUploadedFile("faults.csv", data), access=access)
    # Kill once two batches are committed and the third is under way.
    wait_for(
        lambda: _job(store, job.pk).processed_rows >= 2 * services.batch_rows(),
        timeout=120,
        every=0.02,
        what="two committed batches",
    )
    at_kill = _job(store, job.pk).processed_rows
    started = time.monotonic()
    if kill == "pool process":
        workers[-1].kill_pool_process()
        redispatched = None
    else:
        workers[-1].kill()
        workers.append(Proc.worker(len(workers) + 1))
        workers[-1].wait_ready()
        # Ten minutes without progress, without waiting them: the job's last progress moved back.
        with schema_context(store.schema_name):
            ImportJob.objects.filter(pk=job.pk).update(progress_at=timezone.now() - services.STALE_AFTER)
            redispatched = services.redispatch_stale(at=timezone.now())
    final = wait_for(
        lambda: (j := _job(store, job.pk)).status in {"done", "failed"} and j,
        timeout=300,
        every=0.1,
        what="the import to finish",
    )
    after = customer_counts(store, mobiles)
    return {
        "killed": kill,
        "rows": rows,
        "processed_at_kill": at_kill,
        "redispatched": redispatched,
        "status": final.status,
        "processed_rows": final.processed_rows,
        "outcomes": final.outcome_counts,
        "seconds_to_finish_after_kill": round(time.monotonic() - started, 1),
        "customers_before": before["customers"],
        "customers_after": after["customers"],
        "created": after["customers"] - before["customers"],
        "rows_found_by_mobile": after["of_these_mobiles"],
        "mobiles_held_twice": after["mobiles_held_twice"],
        "ok": final.status == "done"
        and final.processed_rows == rows
        and final.outcome_counts == {"created": rows}
        and after["customers"] - before["customers"] == rows
        and after["of_these_mobiles"] == rows
        and after["mobiles_held_twice"] == 0,
    }


def scenario_import(store, rows: int = 6000) -> list[dict]:
    redis_client().flushdb()
    workers = [Proc.worker(1)]
    try:
        workers[0].wait_ready()
        first = one_import(store, rows=rows, start=int(time.time()) % 10_000_000, kill="pool process", workers=workers)
        second = one_import(
            store, rows=rows, start=first["customers_after"] + 50_000_000, kill="worker", workers=workers
        )
    finally:
        for worker in workers:
            worker.stop()
    return [first, second]


# ---------------------------------------------------------------------------------------------
# Worker killed mid-drain
# ---------------------------------------------------------------------------------------------


def _feed(store) -> dict:
    from django.db import connection
    from django_tenants.utils import schema_context

    from hq_reports.models import StoreFeed

    with schema_context(store.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FILTER (WHERE drained_at IS NULL), count(*) FROM outbox_outboxevent")
        pending, total = cursor.fetchone()
    feed = StoreFeed.objects.filter(store_id=store.pk).values("events_applied").first() or {"events_applied": 0}
    return {"pending": pending, "events": total, "events_applied": feed["events_applied"]}


def _send_rollup(store) -> None:
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from shared_apps.platform.tasks import run_store_job

    with schema_context(store.schema_name):
        run_store_job.delay("hq.rollup", timezone.now().isoformat())


def scenario_drain(store) -> dict:
    from django.db import connection
    from django_tenants.utils import tenant_context

    from hq_reports import rollups
    from tenant_apps.outbox import services as outbox

    redis_client().flushdb()
    with tenant_context(store):
        rollups.drain()  # whatever was pending before: the count starts from an empty outbox
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM sales_order ORDER BY id")
            order_ids = [row[0] for row in cursor.fetchall()]
            cursor.execute("SELECT id FROM customers_customer ORDER BY id")
            customer_ids = [row[0] for row in cursor.fetchall()]
        outbox.publish_many(topic="order", entity_ids=order_ids)
        outbox.publish_many(topic="customer", entity_ids=customer_ids)
    before = _feed(store)
    published = len(order_ids) + len(customer_ids)
    workers = [Proc.worker(1)]
    try:
        workers[0].wait_ready()
        _send_rollup(store)
        # Killed once four batches of 500 are committed.
        wait_for(
            lambda: _feed(store)["pending"] <= before["pending"] - 2000,
            timeout=120,
            every=0.02,
            what="four drained batches",
        )
        workers[0].kill()
        at_kill = _feed(store)
        workers.append(Proc.worker(2))
        workers[1].wait_ready()
        _send_rollup(store)
        wait_for(lambda: _feed(store)["pending"] == 0, timeout=600, every=0.2, what="the drain to finish")
        time.sleep(1)
    finally:
        for worker in workers:
            worker.stop()
    after = _feed(store)
    with tenant_context(store):
        report = rollups.reconcile(fix=False)
    differences = {kind: {k: v for k, v in counts.items() if k != "store"} for kind, counts in report.items()}
    wrong = sum(sum(counts.values()) for counts in differences.values())
    return {
        "published": published,
        "pending_before": before["pending"],
        "pending_at_kill": at_kill["pending"],
        "applied_at_kill": at_kill["events_applied"] - before["events_applied"],
        "pending_after": after["pending"],
        "applied": after["events_applied"] - before["events_applied"],
        "reconcile_differences": differences,
        "ok": after["pending"] == 0 and after["events_applied"] - before["events_applied"] == published and wrong == 0,
    }


# ---------------------------------------------------------------------------------------------
# Webhook worker killed mid-delivery
# ---------------------------------------------------------------------------------------------


def scenario_webhooks(events: int = 600, entities: int = 200) -> dict:
    from django.db import transaction
    from django_tenants.utils import tenant_context

    from bench.webhook_receiver import Answer, Receiver
    from tenant_apps.outbox import services as outbox
    from tenant_apps.webhooks import services as webhooks
    from tenant_apps.webhooks.models import Delivery, Endpoint
    from tenants.models import Store

    os.environ["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = "1"  # the receiver is on 127.0.0.1
    redis_client().flushdb()
    store = Store.objects.filter(subdomain="faultshooks").first() or common.create_store("faultshooks")
    senders = [
        Proc("worker", "-Q", "celery,webhooks", "-P", "threads", "-c", "8", "-n", "hooks1@localhost",
             "--without-gossip", "--without-mingle", "--loglevel", "info", name="hooks1")
    ]  # fmt: skip
    with Receiver() as receiver, tenant_context(store):
        receiver.answer = lambda path, n: Answer(200, delay=0.02)
        webhooks.consume()  # what earlier runs left
        Endpoint.objects.all().delete()
        endpoint = webhooks.endpoint_create(data={"url": receiver.url("/faults"), "events": ["*"]})
        receiver.secrets["/faults"] = endpoint.secret
        try:
            senders[0].wait_ready()
            sent_ids = []
            with transaction.atomic():
                for n in range(events):
                    event = outbox.emit("order.status_changed", entity="order", entity_id=n % entities, data={"n": n})
                    sent_ids.append(str(event.event_id))
            wait_for(lambda: len(receiver.received) >= events // 3, timeout=300, every=0.01, what="a third delivered")
            senders[0].kill()
            at_kill = len(receiver.received)
            senders.append(
                Proc("worker", "-Q", "celery,webhooks", "-P", "threads", "-c", "8", "-n", "hooks2@localhost",
                     "--without-gossip", "--without-mingle", "--loglevel", "info", name="hooks2")
            )  # fmt: skip
            senders[1].wait_ready()

            def finished() -> bool:
                webhooks.sweep()  # what beat's webhooks.deliver does every 10 s
                return not Delivery.objects.filter(endpoint=endpoint, status="pending").exists()

            wait_for(finished, timeout=600, every=2.0, what="every delivery to succeed")
        finally:
            for sender in senders:
                sender.stop()
        received = list(receiver.received)
        unique = {r.webhook_id for r in received}
        # Per entity, the first receipt of each event must follow the events' order.
        first_seen: dict[str, int] = {}
        for index, r in enumerate(received):
            first_seen.setdefault(r.webhook_id, index)
        out_of_order = 0
        by_entity: dict[int, list[str]] = {}
        for n, event_id in enumerate(sent_ids):
            by_entity.setdefault(n % entities, []).append(event_id)
        for ids in by_entity.values():
            seen = [first_seen.get(i, -1) for i in ids]
            out_of_order += sum(1 for a, b in itertools.pairwise(seen) if a > b)
        statuses = Counter(Delivery.objects.filter(endpoint=endpoint).values_list("status", flat=True))
    return {
        "events": events,
        "received_at_kill": at_kill,
        "requests_received": len(received),
        "unique_webhook_ids": len(unique),
        "lost": len(set(sent_ids) - unique),
        "duplicates": len(received) - len(unique),
        "verified": sum(r.verified for r in received),
        "out_of_order": out_of_order,
        "deliveries": dict(statuses),
        "ok": set(sent_ids) == unique and all(r.verified for r in received) and out_of_order == 0,
    }


# ---------------------------------------------------------------------------------------------
# Beat restarted
# ---------------------------------------------------------------------------------------------


def scenario_beat(span: float = 30.0) -> dict:
    client = redis_client()
    client.flushdb()
    (RUN_DIR / "beat-schedule").unlink(missing_ok=True)
    seen: list[tuple[float, str]] = []
    stop = threading.Event()

    def take():
        while not stop.is_set():
            item = client.brpop(["celery"], timeout=1)
            if item is None:
                continue
            message = json.loads(item[1])
            headers = message.get("headers", {})
            if headers.get("task") == "platform.dispatch_job":
                args = json.loads(base64.b64decode(message["body"]))[0]
                seen.append((time.monotonic(), args[0]))

    consumer = threading.Thread(target=take, daemon=True)
    consumer.start()
    started = time.monotonic()
    spans: list[list[float]] = []  # [up, down] of each beat: from "Starting..." in its log to its stop

    def start_beat() -> Proc:
        beat = Proc.beat()
        wait_for(lambda: "beat: Starting..." in beat.output(), timeout=120, every=0.1, what="beat to start")
        spans.append([time.monotonic() - started, 0.0])
        return beat

    restarts = []
    beat = start_beat()
    try:
        time.sleep(span)
        beat.stop()
        spans[-1][1] = time.monotonic() - started
        restarts.append("stopped (SIGTERM) and started again")
        beat = start_beat()
        time.sleep(span)
        beat.kill()
        spans[-1][1] = time.monotonic() - started
        restarts.append("killed (SIGKILL) and started again")
        beat = start_beat()
        time.sleep(span)
    finally:
        beat.stop()
        spans[-1][1] = time.monotonic() - started
        time.sleep(1)
        stop.set()
        consumer.join(5)
    times = [t - started for t, name in seen if name == "hq.rollup"]
    gaps = [round(b - a, 1) for a, b in itertools.pairwise(times)]
    per_span = []
    for up, down in spans:
        sent = sum(1 for t in times if up <= t <= down + 0.5)
        # A fresh schedule sends the 10-second job 10 s after start; a restarted one at once if due.
        per_span.append({"up": round(up, 1), "down": round(down, 1), "sent": sent, "at_least": int((down - up) // 10)})
    missing = sum(max(0, s["at_least"] - s["sent"]) for s in per_span)
    doubled = sum(1 for g in gaps if g < 5)
    return {
        "restarts": restarts,
        "beats": per_span,
        "dispatches": dict(Counter(name for _t, name in seen)),
        "hq_rollup_at": [round(t, 1) for t in times],
        "intervals": gaps,
        "doubled": doubled,
        "missing_while_running": missing,
        "ok": bool(times) and doubled == 0 and missing == 0,
    }


# ---------------------------------------------------------------------------------------------
# PostgreSQL unavailable under load
# ---------------------------------------------------------------------------------------------


def _admin(sql: str, params=None) -> None:
    import psycopg

    from bench.common import database_url

    url = database_url().rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql, params)


def _database_name() -> str:
    from django.conf import settings

    return settings.DATABASES["default"]["NAME"]


def scenario_database(store, *, threads: int = 4, before: float = 6, down: float = 6, after: float = 10) -> dict:
    import psutil

    from bench.routing import _free_port
    from shared_apps.accounts.services import token_create
    from tenants.routing import store_host

    name = _database_name()
    token = token_create(user=common.bench_owner(), name="faults")[1]
    host = store_host(store.subdomain)
    port = _free_port()
    log = tempfile.NamedTemporaryFile(prefix="faults-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    server = subprocess.Popen(
        [str(common.REPO / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-c", "deploy/gunicorn.conf.py"],
        cwd=common.REPO,
        env=child_env(
            DEBUG="0",
            SECURE_SSL_REDIRECT="0",
            DB_CONN_MAX_AGE="60",
            WEB_CONCURRENCY="2",
            GUNICORN_BIND=f"127.0.0.1:{port}",
            GUNICORN_ACCESS_LOG="/dev/null",
            GUNICORN_LOG_LEVEL="warning",
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    results: list[tuple[float, str, int, str, str]] = []
    created_mobiles: list[str] = []
    refused_mobiles: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    counter = iter(range(10**9))

    def request(method: str, path: str, body: dict | None = None) -> tuple[int, str, str]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
        req.add_header("Host", host)
        req.add_header("Authorization", f"Bearer {token}")
        if data:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310
                return response.status, response.headers.get("Content-Type", ""), ""
        except urllib.error.HTTPError as error:
            content_type = error.headers.get("Content-Type", "")
            try:
                code = json.loads(error.read()).get("code", "")
            except ValueError:
                code = "(not json)"
            return error.code, content_type, code
        except OSError as error:
            return 0, "", type(error).__name__

    def client():
        while not stop.is_set():
            n = next(counter)
            if n % 2:
                status, content_type, code = request("GET", "/api/v1/customers?page_size=5")
                kind = "GET"
            else:
                mobile = f"137{int(time.time()) % 100000:05d}{n % 1000:03d}"
                status, content_type, code = request(
                    "POST", "/api/v1/customers", {"name": f"故障客户{n}", "mobile": mobile}
                )
                kind = "POST"
                with lock:
                    (created_mobiles if status == 201 else refused_mobiles).append(mobile)
            with lock:
                results.append((time.monotonic(), kind, status, content_type, code))

    try:
        wait_for(lambda: request("GET", "/api/v1/me")[0] == 200, timeout=60, every=0.3, what="gunicorn")
        workers_before = sorted(p.pid for p in psutil.Process(server.pid).children())
        count_before = customer_counts(store)["customers"]
        pool = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
        for thread in pool:
            thread.start()
        time.sleep(before)
        cut_at = time.monotonic()
        _admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        while time.monotonic() - cut_at < down:
            _admin(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            time.sleep(0.5)
        _admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        back_at = time.monotonic()
        time.sleep(after)
        stop.set()
        for thread in pool:
            thread.join(35)
        workers_after = sorted(p.pid for p in psutil.Process(server.pid).children())
    finally:
        stop.set()
        _admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
    from django.db import connections

    connections.close_all()
    count_after = customer_counts(store)["customers"]
    with_mobiles = customer_counts(store, created_mobiles)["of_these_mobiles"]
    refused_found = customer_counts(store, refused_mobiles)["of_these_mobiles"]

    def tally(rows):
        return dict(Counter(f"{kind} {status} {code}".strip() for _t, kind, status, _ct, code in rows))

    during = [r for r in results if cut_at <= r[0] < back_at]
    later = [r for r in results if r[0] >= back_at]
    firsts = [r[0] - back_at for r in later if r[2] in (200, 201)]
    failures = [r for r in results if r[2] not in (200, 201)]
    clean = all(
        r[2] == 503 and r[3].startswith("application/problem+json") and r[4] == "service_unavailable" for r in failures
    )
    settled = [r for r in later if r[0] - back_at > 2]
    return {
        "requests": len(results),
        "before_cut": tally([r for r in results if r[0] < cut_at]),
        "during_cut": tally(during),
        "after_cut": tally(later),
        "first_success_after_cut_s": round(min(firsts), 2) if firsts else None,
        "failures_all_503_problem_json": clean,
        "all_ok_2s_after_cut": all(r[2] in (200, 201) for r in settled),
        "gunicorn_workers_same": workers_before == workers_after,
        "created_201": len(created_mobiles),
        "customers_added": count_after - count_before,
        "created_found": with_mobiles,
        "refused_but_stored": refused_found,
        "ok": clean
        and bool(firsts)
        and workers_before == workers_after
        and count_after - count_before == len(created_mobiles) + refused_found
        and with_mobiles == len(created_mobiles),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", default=["import", "drain", "beat", "database"])
    parser.add_argument("--reset", action="store_true", help="recreate and migrate the database of DATABASE_URL")
    args = parser.parse_args(argv)
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    setup_django()
    common.prepare(reset=args.reset)
    store = fault_store() if set(args.scenarios) - {"beat", "webhooks"} else None
    results: dict = {}
    for name in args.scenarios:
        print(f"\n== {name}", flush=True)
        if name == "import":
            results[name] = scenario_import(store)
        elif name == "drain":
            results[name] = scenario_drain(store)
        elif name == "beat":
            results[name] = scenario_beat()
        elif name == "database":
            results[name] = scenario_database(store)
        elif name == "webhooks":
            results[name] = scenario_webhooks()
        print(json.dumps(results[name], indent=1, ensure_ascii=False), flush=True)
    path = common.write_results("faults", results)
    print(f"\nwritten to {path}")
    oks = [r["ok"] for value in results.values() for r in (value if isinstance(value, list) else [value])]
    return 0 if all(oks) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
