"""Leads and handover: distribution of 10,000 leads over 50 salespeople, and the handover of
20,000 customers from one person.

One store is provisioned through the real path with 50 salespeople (and a supervisor, and the
admin who takes the leads in). Timed:

1. **Distribution**: 10,000 leads taken in through ``lead_create`` (the service behind
   ``POST /api/v1/leads``), each in its own transaction, from ``--threads`` threads at once (each
   its own database connection), by round-robin over the 50 salespeople. Reported: wall time,
   leads per second, p50/p95 of one intake, and the fairness of the round-robin: leads per
   salesperson (min, max, spread), and the longest run of one person served twice in a row in
   commit order (0 when the rotation is strict).
2. **Handover**: 20,000 customers of one salesperson (with 2,000 open orders and 500 open leads
   among them) handed to another with ``handover_start`` (the service behind
   ``POST /api/v1/customers/transfer``): the time the request takes (it only records the job),
   then the job (``handover_run``) timed, its progress read from another connection while it runs.
   Then the same 20,000 customers handed over to the pool.

The store is dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections import Counter
from datetime import timedelta

from bench import common

PREFIX = "bench-leads-"


def _team(store, n: int):
    from shared_apps.accounts.models import User
    from shared_apps.accounts.services import membership_create, user_create

    supervisor = User.objects.filter(email="bench-leads-sup@example.com").first() or user_create(
        email="bench-leads-sup@example.com", password=common.BENCH_PASSWORD, name="Bench Supervisor"
    )
    membership_create(user=supervisor, store=store, role="supervisor")
    people = []
    for i in range(n):
        email = f"bench-leads-s{i:02d}@example.com"
        user = User.objects.filter(email=email).first() or user_create(
            email=email, password=common.BENCH_PASSWORD, name=f"Sales {i:02d}"
        )
        membership_create(user=user, store=store, role="salesperson", supervisor=supervisor)
        people.append(user)
    return supervisor, people


def _distribution(store, admin, people, *, leads: int, threads: int) -> dict:
    from django.db import connections
    from django_tenants.utils import tenant_context

    from shared_apps.accounts.access import resolve_store_access
    from tenant_apps.leads import services
    from tenant_apps.leads.models import LeadAssignment

    access = resolve_store_access(user=admin, store=store)
    with tenant_context(store):
        services.lead_settings_update(access=access, data={"first_response_minutes": 30, "open_lead_cap": 0})
    latencies: list[float] = []
    lock = threading.Lock()
    per_thread = [leads // threads + (1 if i < leads % threads else 0) for i in range(threads)]
    barrier = threading.Barrier(threads)

    def work(index: int, count: int) -> None:
        mine = []
        try:
            with tenant_context(store):
                barrier.wait()
                for n in range(count):
                    data = {
                        "channel": "tmall" if n % 3 else "jd",
                        "mobile": f"139{index:02d}{n:06d}",
                        "message": "pallets",
                    }
                    started = time.perf_counter()
                    services.lead_create(data=data, access=access)
                    mine.append(time.perf_counter() - started)
        finally:
            connections.close_all()
            with lock:
                latencies.extend(mine)

    started = time.perf_counter()
    workers = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(per_thread)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    with tenant_context(store):
        order = list(LeadAssignment.objects.order_by("id").values_list("owner_id", flat=True))
    counts = Counter(order)
    per_person = [counts.get(p.pk, 0) for p in people]
    repeats = 0
    window = len(people)
    # Strict rotation: within every window of 50 consecutive assignments, nobody appears twice.
    for i in range(0, len(order) - window + 1, window):
        chunk = order[i : i + window]
        repeats += len(chunk) - len(set(chunk))
    return {
        "leads": len(order),
        "threads": threads,
        "seconds": round(seconds, 2),
        "leads_per_second": round(len(order) / seconds, 1),
        "intake_ms": {k: round(v * 1000, 1) for k, v in common.summary(latencies).items() if k != "n"},
        "per_salesperson": {
            "min": min(per_person),
            "max": max(per_person),
            "spread": max(per_person) - min(per_person),
            "stdev": round(statistics.pstdev(per_person), 2),
        },
        "repeats_within_a_round": repeats,
    }


def _fill_customers(store, owner, *, customers: int, orders: int, leads: int) -> None:
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from tenant_apps.customers.models import Customer
    from tenant_apps.leads.models import Lead
    from tenant_apps.sales.models import Order

    now = timezone.now()
    with tenant_context(store), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO customers_customer (name, company, mobile, mobile_normalized, wechat_id, platform_chat_id,
                province, city, address, grade, product_preferences, intention_level, intention_note, owner_id,
                owner_since, created_at, updated_at)
            SELECT 'Customer ' || g, '', '', '', 'bench-wx-' || g, '', '', '', '', 'C', '[]', '', '', %s, %s, %s, %s
            FROM generate_series(1, %s) AS g
            """,
            [owner.pk, now, now, now, customers],
        )
        ids = list(
            Customer.objects.filter(owner_id=owner.pk).order_by("pk").values_list("pk", "wechat_id")[: orders + leads]
        )
        Order.objects.bulk_create(
            [
                Order(
                    number=f"BO{pk}",
                    customer_id=pk,
                    owner_id=owner.pk,
                    payment_mode=Order.PaymentMode.PREPAID,
                    status=Order.Status.PENDING_OUTBOUND,
                    amount=100,
                    list_amount=100,
                    signed_at=now,
                    created_by_id=owner.pk,
                )
                for pk, _wx in ids[:orders]
            ],
            batch_size=1000,
        )
        Lead.objects.bulk_create(
            [
                Lead(wechat_id=wx, received_at=now, owner_id=owner.pk, customer_id=pk, is_new=False)
                for pk, wx in ids[orders:]
            ],
            batch_size=1000,
        )
        cursor.execute("ANALYZE customers_customer; ANALYZE sales_order; ANALYZE leads_lead")


def _handover(store, admin, *, from_owner, to_owner) -> dict:
    from django.db import connection, connections
    from django_tenants.utils import tenant_context

    from shared_apps.accounts.access import resolve_store_access
    from tenant_apps.handover import services

    access = resolve_store_access(user=admin, store=store)
    with tenant_context(store):
        sent: list[int] = []
        real_dispatch = services._dispatch
        services._dispatch = lambda schema, handover_id: sent.append(handover_id)
        try:
            started = time.perf_counter()
            handover = services.handover_start(
                access=access, data={"from_owner": from_owner.pk, "to_owner": to_owner.pk if to_owner else None}
            )
            request_seconds = time.perf_counter() - started
        finally:
            services._dispatch = real_dispatch
        assert sent == [handover.pk], "a large handover is a background job"
        schema = connection.schema_name
    seen: list[tuple[float, int]] = []
    done = threading.Event()

    def watch() -> None:
        try:
            conn = connections.create_connection("default")
            with conn.cursor() as cursor:
                while not done.is_set():
                    cursor.execute(f'SELECT processed FROM "{schema}".handover_handover WHERE id = %s', [handover.pk])
                    seen.append((time.perf_counter(), cursor.fetchone()[0]))
                    time.sleep(0.2)
            conn.close()
        finally:
            connections.close_all()

    watcher = threading.Thread(target=watch)
    with tenant_context(store):
        started = time.perf_counter()
        watcher.start()
        result = services.handover_run(handover_id=handover.pk)
        job_seconds = time.perf_counter() - started
    done.set()
    watcher.join()
    progress = sorted({p for _t, p in seen})
    return {
        "customers": result.customers,
        "orders": result.orders,
        "quotations": result.quotations,
        "leads": result.leads,
        "request_seconds": round(request_seconds, 3),
        "job_seconds": round(job_seconds, 2),
        "progress_values_seen": progress,
        "status": result.status,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench leads", description=__doc__.split("\n")[0])
    parser.add_argument("--reset", action="store_true", help="recreate the database first")
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--salespeople", type=int, default=50)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true", help="keep the bench store")
    args = parser.parse_args(argv)
    common.setup_django()
    common.prepare(reset=args.reset)
    from tenants.models import Store

    for old in Store.objects.filter(subdomain__startswith=PREFIX):
        common.drop_store(old)
    admin = common.bench_owner()
    store = common.create_store(PREFIX, owner=admin)
    _supervisor, people = _team(store, args.salespeople)
    print(f"store {store.subdomain}: {len(people)} salespeople", flush=True)

    distribution = _distribution(store, admin, people, leads=args.leads, threads=args.threads)
    print()
    common.print_table(
        ["leads", "threads", "seconds", "leads/s", "p50 ms", "p95 ms", "min/person", "max/person", "repeats"],
        [
            [
                distribution["leads"],
                distribution["threads"],
                distribution["seconds"],
                distribution["leads_per_second"],
                distribution["intake_ms"]["p50"],
                distribution["intake_ms"]["p95"],
                distribution["per_salesperson"]["min"],
                distribution["per_salesperson"]["max"],
                distribution["repeats_within_a_round"],
            ]
        ],
    )

    _fill_customers(store, people[0], customers=args.customers, orders=2_000, leads=500)
    to_person = _handover(store, admin, from_owner=people[0], to_owner=people[1])
    to_pool = _handover(store, admin, from_owner=people[1], to_owner=None)
    print()
    rows = []
    for label, h in (("to a person", to_person), ("to the pool", to_pool)):
        rows.append(
            [
                label,
                h["customers"],
                h["orders"],
                h["leads"],
                h["request_seconds"],
                h["job_seconds"],
                len(h["progress_values_seen"]),
            ]
        )
    common.print_table(["handover", "customers", "orders", "leads", "request s", "job s", "progress steps seen"], rows)
    common.write_results(
        "leads",
        {
            "salespeople": len(people),
            "distribution": distribution,
            "handover_to_person": to_person,
            "handover_to_pool": to_pool,
        },
    )
    if not args.keep:
        common.drop_store(store)
    return 0


del timedelta
