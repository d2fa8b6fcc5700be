"""What automation rules cost: rule evaluation per event, firing, and a ready-made rule's scan.

    DATABASE_URL=postgresql://.../crm_bench .venv/bin/python -m bench automation [--events 300] [--customers 2000]

One store is made through the real path. Timed, in this process:

1. evaluation per event (``services.handle_event``) with 0, 1, 10 and 100 active event rules on
   the event's type whose conditions (three leaves in ``all``/``any``) do not match: the cost of
   looking at an event, with nothing to do;
2. firing per event with one matching rule (notify two roles): the run's unique insert, the
   actions and the notifications;
3. the ``customer_quiet`` ready-made rule over ``--customers`` quiet customers through
   ``run_schedules`` (first run: every one fires; second run an hour later: nothing left).
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from bench import common

NOT_MATCHING = {
    "all": [
        {"field": "amount", "op": "gte", "value": "100000"},
        {
            "any": [
                {"field": "customer.grade", "op": "in", "value": ["A", "B"]},
                {"field": "channel", "op": "eq", "value": 3},
            ]
        },
    ]
}
EVENT = {
    "id": 1,
    "number": "SO-1",
    "status": "pending_outbound",
    "amount": "1280.00",
    "customer": {"grade": "C"},
    "channel": 1,
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench automation")
    parser.add_argument("--events", type=int, default=300, help="events per measurement")
    parser.add_argument("--customers", type=int, default=2000, help="quiet customers for the scan")
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args(argv)
    common.setup_django()
    common.prepare(reset=args.reset)

    from django.utils import timezone
    from django_tenants.utils import schema_context

    from shared_apps.accounts.access import resolve_store_access
    from shared_apps.accounts.services import membership_create, user_create
    from tenant_apps.automation import services
    from tenant_apps.automation.models import Rule
    from tenant_apps.customers.models import Customer

    owner = common.bench_owner()
    store = common.create_store("auto", owner=owner)
    helper = user_create(email=f"sup-{store.subdomain}@bench.invalid", password=common.BENCH_PASSWORD, name="Sup")
    membership_create(user=helper, store=store, role="supervisor")
    results: dict = {"evaluation_ms_per_event": {}, "firing_ms_per_event": None, "scan": {}}
    rows = []
    access = resolve_store_access(user=owner, store=store)
    with schema_context(store.schema_name):
        at = timezone.now()
        counter = [0]

        def one_event() -> float:
            counter[0] += 1
            started = time.perf_counter()
            services.handle_event(
                event_type="order.status_changed",
                event_id=f"bench-{counter[0]}",
                entity="order",
                entity_id=1,
                data=EVENT,
                at=at,
            )
            return (time.perf_counter() - started) * 1000

        made = 0
        for rules in (0, 1, 10, 100):
            while made < rules:
                services.rule_create(
                    data={
                        "name": f"bench rule {made}",
                        "trigger": {"event": "order.status_changed"},
                        "conditions": NOT_MATCHING,
                        "actions": [{"type": "notify", "roles": ["supervisor"]}],
                    },
                    access=access,
                )
                made += 1
            for _ in range(20):
                one_event()  # warm up
            took = [one_event() for _ in range(args.events)]
            stats = common.summary(took)
            results["evaluation_ms_per_event"][rules] = stats
            rows.append([f"evaluate, {rules} rules (none match)", stats["p50"], stats["p95"], stats["mean"]])
        Rule.objects.all().delete()

        services.rule_create(
            data={
                "name": "bench firing",
                "trigger": {"event": "order.status_changed"},
                "actions": [{"type": "notify", "roles": ["supervisor", "admin"]}],
            },
            access=access,
        )
        took = [one_event() for _ in range(args.events)]
        stats = common.summary(took)
        results["firing_ms_per_event"] = stats
        rows.append(["fire, 1 rule (notify 2 roles)", stats["p50"], stats["p95"], stats["mean"]])
        Rule.objects.all().delete()

        long_ago = at - timedelta(days=60)
        Customer.objects.bulk_create(
            Customer(name=f"Quiet {i}", owner=owner, owner_since=long_ago, last_follow_up_at=long_ago)
            for i in range(args.customers)
        )
        services.rule_create(data={"template": "customer_quiet", "params": {"days": 30}}, access=access)
        started = time.perf_counter()
        first = services.run_schedules(at=at)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        second = services.run_schedules(at=at + timedelta(hours=1))
        second_s = time.perf_counter() - started
        results["scan"] = {
            "customers": args.customers,
            "first_run_s": round(first_s, 3),
            "first_run": first,
            "ms_per_firing": round(first_s * 1000 / max(1, first["fired"]), 3),
            "second_run_s": round(second_s, 3),
            "second_run": second,
        }
        rows.append([f"customer_quiet first run, {first['fired']} fired", "", "", f"{first_s * 1000:.0f} ms total"])
        rows.append(
            [f"customer_quiet an hour later, {second['fired']} fired", "", "", f"{second_s * 1000:.0f} ms total"]
        )
    common.print_table(["what", "p50 ms", "p95 ms", "mean ms"], rows)
    common.write_results("automation", results)
    common.drop_store(store)
    return 0
