"""Webhook delivery, end to end with real Celery workers (Redis broker) and a local receiver that
verifies every signature with the ``standardwebhooks`` library.

    DATABASE_URL=postgresql://.../crm_bench_hooks .venv/bin/python -m bench webhooks [--reset]
        [--orders 100] [--stores 100] [--events 10000] [--slow 5] [--rate 100] [--only latency|throughput]

* ``latency``: orders created one after another through ``sales.services.order_create`` in one store
  with an endpoint subscribed to ``order.created``; from just before the call to the receiver
  getting the delivery: p50 / p95 / max.
* ``throughput``: ``--events`` events over ``--stores`` stores (one endpoint each, every event a
  different entity), one endpoint answering in ``--slow`` seconds, the others at once; the time
  to deliver everything, and the fast endpoints' latency from the commit of their events to
  receipt (p50 / p95): a slow endpoint must not hold them up. ``--rate N`` emits the events at N a
  second (one per store per round) and times each from its own commit; without it they are all
  committed at once, store by store, and timed from their store's commit (a burst, whose latency is
  the backlog's).

The worker processes, as deploy/ runs them: one on the default queue (the event log consumers;
prefork, 2 processes) and one on ``webhooks`` (threads, 32), and beat, whose sweep retries what
failed. The broker is Redis at ``FAULTS_BROKER`` (emptied first), the cache Redis at
``FAULTS_CACHE``.
Results: bench/results/webhooks.json.
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal

from bench import common, faults
from bench.webhook_receiver import Answer, Receiver

PREFIX = "hooks"


def _workers() -> list[faults.Proc]:
    # As deploy/ runs them: the default queue on a prefork worker of one process per core, the
    # webhooks queue on threads (they wait on the receivers).
    consumers = faults.Proc(
        "worker", "-Q", "celery", "-P", "prefork", "-c", "2", "-n", "hooks-default@localhost",
        "--without-gossip", "--without-mingle", "--loglevel", "info", name="hooks-default",
    )  # fmt: skip
    senders = faults.Proc(
        "worker", "-Q", "webhooks", "-P", "threads", "-c", "32", "-n", "hooks-send@localhost",
        "--without-gossip", "--without-mingle", "--loglevel", "info", name="hooks-send",
    )  # fmt: skip
    for proc in (consumers, senders):
        proc.wait_ready(timeout=180)
    # beat sends the sweep (webhooks.deliver, every 10 s) that retries failed deliveries
    return [consumers, senders, faults.Proc.beat()]


def _stores(count: int) -> list:
    from tenants.models import Store

    stores = list(Store.objects.filter(subdomain__startswith=PREFIX).order_by("id"))
    owner = common.bench_owner()
    while len(stores) < count:
        stores.append(common.create_store(PREFIX, owner=owner))
        if len(stores) % 10 == 0:
            print(f"  {len(stores)} stores", flush=True)
    return stores[:count]


def _endpoint(store, url: str, events: list[str]):
    from django_tenants.utils import tenant_context

    from tenant_apps.webhooks import services
    from tenant_apps.webhooks.models import Endpoint

    with tenant_context(store):
        Endpoint.objects.all().delete()
        return services.endpoint_create(data={"url": url, "events": events})


def _skip_old_events(store) -> None:
    from django_tenants.utils import tenant_context

    from tenant_apps.webhooks import services

    with tenant_context(store):
        services.consume()


def latency(store, receiver: Receiver, *, orders: int) -> dict:
    from django_tenants.utils import tenant_context

    from shared_apps.accounts.access import resolve_store_access
    from tenant_apps.sales import services as sales
    from tenant_apps.sales.inputs import LineInput
    from tests.factories.sales import make_customer, make_product

    owner = common.bench_owner()
    _skip_old_events(store)
    endpoint = _endpoint(store, receiver.url("/latency"), ["order.created"])
    receiver.secrets["/latency"] = endpoint.secret
    with tenant_context(store):
        customer = make_customer(owner=owner)
        product = make_product(sku=f"HOOK-{time.time_ns()}", list_price="100.00")
        access = resolve_store_access(user=owner, store=store)
    started: dict[int, float] = {}
    for _n in range(orders):
        with tenant_context(store):
            t0 = time.time()
            order = sales.order_create(
                access=access,
                customer_id=customer.pk,
                lines=[LineInput(product.pk, 1, Decimal("100.00"))],
                payment_mode="prepaid",
            )
        started[order.pk] = t0
        time.sleep(0.05)
    faults.wait_for(lambda: len(receiver.on("/latency")) >= orders, timeout=600, every=0.1, what="every delivery")
    got = {r.json()["data"]["id"]: r for r in receiver.on("/latency")}
    seconds = [got[pk].at - t0 for pk, t0 in started.items()]
    return {
        "orders": orders,
        "received": len(got),
        "verified": sum(r.verified for r in receiver.on("/latency")),
        **{f"{k}_ms": round(v * 1000, 1) for k, v in common.summary(seconds).items() if k != "n"},
    }


def _emit_paced(stores: list, paths: list, *, per_store: int, rate: float) -> dict:
    """One event per store per round, rounds spaced for ``rate`` events a second over all stores;
    each event's commit time by (path, entity)."""
    from django.db import transaction
    from django_tenants.utils import tenant_context

    from tenant_apps.outbox import services as outbox

    committed: dict[tuple[str, int], float] = {}
    round_seconds = len(stores) / rate
    started = time.time()
    for entity in range(per_store):
        for store, path in zip(stores, paths, strict=True):
            with tenant_context(store), transaction.atomic():
                outbox.emit("order.created", entity="order", entity_id=entity, data={"id": entity})
            committed[(path, entity)] = time.time()
        lag = started + (entity + 1) * round_seconds - time.time()
        if lag > 0:
            time.sleep(lag)
    return committed


def throughput(stores: list, receiver: Receiver, *, events: int, slow: float, rate: float = 0.0) -> dict:
    from django.db import transaction
    from django_tenants.utils import tenant_context

    from tenant_apps.outbox import services as outbox

    per_store = events // len(stores)
    paths = []
    for index, store in enumerate(stores):
        _skip_old_events(store)
        path = "/slow" if index == 0 else f"/fast-{index}"
        endpoint = _endpoint(store, receiver.url(path), ["*"])
        receiver.secrets[path] = endpoint.secret
        paths.append(path)
    receiver.answer = lambda path, n: Answer(200, delay=slow if path == "/slow" else 0.0)
    committed: dict = {}
    started = time.time()
    if rate > 0:
        committed = _emit_paced(stores, paths, per_store=per_store, rate=rate)
    else:
        for store, path in zip(stores, paths, strict=True):
            with tenant_context(store), transaction.atomic():
                for entity in range(per_store):
                    outbox.emit("order.created", entity="order", entity_id=entity, data={"id": entity})
            committed[path] = time.time()
    emitted = time.time()
    total = per_store * len(stores)
    print(f"  {total} events committed over {len(stores)} stores in {emitted - started:.1f} s", flush=True)
    _wait_reporting(receiver, total, started)
    finished = time.time()
    if rate > 0:  # from each event's own commit
        fast = [r.at - committed[(r.path, r.json()["data"]["id"])] for r in receiver.received if r.path != "/slow"]
    else:  # from the commit of the store's whole batch
        fast = [r.at - committed[r.path] for r in receiver.received if r.path != "/slow"]
    fast_done = max(r.at for r in receiver.received if r.path != "/slow") - started
    slow_done = max(r.at for r in receiver.received if r.path == "/slow") - started
    return {
        "stores": len(stores),
        "events": total,
        "slow_endpoint_seconds_per_answer": slow,
        "emitted_per_second": rate or "all at once",
        "emit_seconds": round(emitted - started, 1),
        "all_delivered_seconds": round(finished - started, 1),
        "fast_endpoints_done_seconds": round(fast_done, 1),
        "slow_endpoint_done_seconds": round(slow_done, 1),
        "fast_latency": {k: round(v, 2) for k, v in common.summary(fast).items()},
        "received": len(receiver.received),
        "unique": len(receiver.unique_ids()),
        "verified": sum(r.verified for r in receiver.received),
        "fast_p95_under_5s": common.percentile(fast, 95) < 5.0,
    }


def _wait_reporting(receiver: Receiver, total: int, started: float, *, every: float = 30.0) -> None:
    """Until every event is received once (at most an hour), a line every ``every`` seconds: how
    many are in, and how many of the slow endpoint's."""
    deadline = time.monotonic() + 3600
    next_line = time.monotonic() + every
    while len(receiver.unique_ids()) < total:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(receiver.unique_ids())} of {total} events delivered after an hour")
        if time.monotonic() >= next_line:
            slow = sum(1 for r in receiver.received if r.path == "/slow")
            print(
                f"  {time.time() - started:6.0f} s: {len(receiver.unique_ids())} of {total} delivered "
                f"({len(receiver.received)} requests, {slow} to the slow endpoint)",
                flush=True,
            )
            next_line += every
        time.sleep(0.2)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench webhooks", description=__doc__.split("\n")[0])
    parser.add_argument("--reset", action="store_true", help="recreate the database first")
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--slow", type=float, default=5.0)
    parser.add_argument(
        "--rate", type=float, default=0.0, help="throughput: events a second over all stores (0: all at once)"
    )
    parser.add_argument("--only", choices=["latency", "throughput"])
    args = parser.parse_args(argv)
    import os

    os.environ["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = "1"  # the receiver is on 127.0.0.1
    faults.RUN_DIR.mkdir(parents=True, exist_ok=True)
    faults.setup_django()
    common.prepare(reset=args.reset)
    faults.redis_client().flushdb()
    stores = _stores(max(args.stores, 1))
    results: dict = {}
    workers = _workers()
    try:
        if args.only in (None, "latency"):
            with Receiver() as receiver:
                results["latency"] = latency(stores[0], receiver, orders=args.orders)
            print(results["latency"], flush=True)
        if args.only in (None, "throughput"):
            with Receiver() as receiver:
                results["throughput"] = throughput(stores, receiver, events=args.events, slow=args.slow, rate=args.rate)
            print(results["throughput"], flush=True)
    finally:
        for worker in workers:
            worker.stop()
    common.write_results("webhooks", results)
    return 0
