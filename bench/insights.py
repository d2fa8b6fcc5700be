"""Churn-risk evaluation and scoring time, on generated histories with a planted churn process.

    DATABASE_URL=postgresql://.../crm_insbench .venv/bin/python -m bench.insights \\
        [--customers 100000] [--horizon 90] [--seed 1] [--reuse]

**The planted process.** Each customer starts buying at a random day of the last two years and
orders at their own pace (median gap 28 days; gaps drawn around it), for amounts around their own
level. After each order the customer stops buying for good with a known probability that depends
on their behaviour:

    q = sigmoid(-3.6 + 1.8 * [the order had an after-sales case]
                     + 1.2 * [nobody followed the customer up within 20 days of the order]
                     + 0.7 * [it was their first order]
                     - 0.35 * log(orders so far))

Owners follow their customers up with a customer-level attentiveness (15 %, 50 % or 85 % of
orders, the follow-ups written as follow-up records), 6 % of orders have an after-sales case (15 %
for quality-sensitive customers), 3 % of orders are cancelled, 15 % of customers sit in the pool.
The history is simulated up to ``now + N`` days; only what happened before ``now`` is written to
the store, and what happens in ``[now, now + N)`` is the holdout truth: a customer "churned" when
they place no order in it.

**What is reported.** The store is scored by ``services.score_store`` in a separate process (the
real path: SQL features over the reporting views, training on the store's own history, scoring,
writing every row), timed, with that process's peak resident memory. Then, on the holdout truth:
the AUC and Brier score of the model, of the transparent fallback rule on the same features, and
the AUC of plain recency ranking (more days since the last order = more risk), plus the model's own
time-split evaluation (``ModelRun``). Target: AUC >= 0.80, scoring < 60 s for 100,000 customers and
about 1,000,000 orders. Results in ``bench/results/insights.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench import common

DAY = 86400.0
CHUNK = 20_000
NULL = "\\N"
HISTORY_DAYS = 730
LABELS_DIR = common.REPO / ".run"


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def churn_probability(*, case: bool, followed: bool, first: bool, orders: int) -> float:
    """The planted probability of stopping for good after an order (module docstring)."""
    return sigmoid(-3.6 + 1.8 * case + 1.2 * (not followed) + 0.7 * first - 0.35 * math.log(orders))


def _ts(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(sep=" ")


def simulate(*, customers: int, horizon_days: int, now: float, seed: int):
    """Yield per customer: (index, start, owned, orders [(t, amount, cancelled, case)], follow-ups [t],
    ordered in the holdout window)."""
    rng = random.Random(seed)
    end = now + horizon_days * DAY
    for index in range(customers):
        start = now - rng.uniform(10, HISTORY_DAYS) * DAY
        gap = math.exp(rng.gauss(math.log(28), 0.6)) * DAY
        level = math.exp(rng.gauss(math.log(600), 0.6))
        attentive = rng.choices((0.15, 0.5, 0.85), (3, 4, 3))[0]
        sensitive = rng.random() < 0.2
        owned = rng.random() >= 0.15
        t = start
        orders, follow_ups = [], []
        future = False
        n = 0
        while t < end:
            cancelled = rng.random() < 0.03
            case = (not cancelled) and rng.random() < (0.15 if sensitive else 0.06)
            amount = round(level * rng.uniform(0.7, 1.3), 2)
            if t < now:
                orders.append((t, amount, cancelled, case))
            elif not cancelled:
                future = True
                break
            if cancelled:
                t += rng.gammavariate(2.0, gap / 2)
                continue
            n += 1
            followed = rng.random() < attentive
            if followed:
                at = t + rng.uniform(1, 20) * DAY
                if at < now:
                    follow_ups.append(at)
            if rng.random() < churn_probability(case=case, followed=followed, first=n == 1, orders=n):
                break
            t += rng.gammavariate(2.0, gap / 2)
        if orders:
            yield index, start, owned, orders, follow_ups, future


def generate(store, *, customers: int, horizon_days: int, now: datetime, seed: int) -> dict:
    """Write the simulated history before ``now`` into the store (COPY, triggers off while it runs)."""
    from django.db import connection
    from django_tenants.utils import schema_context

    owner = common.bench_owner()
    now_epoch = now.timestamp()
    labels: dict[int, int] = {}
    counts = {"customers": 0, "orders": 0, "follow_ups": 0, "cases": 0}
    started = time.perf_counter()
    with schema_context(store.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM customers_customer")
        customer_id = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM sales_order")
        order_id = cursor.fetchone()[0]
        cursor.execute("SET session_replication_role = replica")
        raw = cursor.cursor
        buffers = {"customers": [], "orders": [], "follow_ups": [], "cases": []}
        sql = {
            "customers": "COPY customers_customer (id, name, company, mobile, mobile_normalized, wechat_id, "
            "platform_chat_id, province, city, address, grade, product_preferences, intention_level, intention_note, "
            "owner_id, owner_since, created_at, updated_at) FROM STDIN",
            "orders": "COPY sales_order (id, number, external_id, customer_id, device, owner_id, payment_mode, status, "
            "amount, list_amount, collected, supplemented, refunded, signed_at, completed_at, cancelled_at, "
            "cancel_reason, feedback_comment, notes, created_at, updated_at) FROM STDIN",
            "follow_ups": "COPY customers_followup (customer_id, author_id, kind, content, outcome, created_at) "
            "FROM STDIN",
            "cases": "COPY aftersales_case (order_id, type, status, reason, reissue_invoice, refund_method, "
            "applicant_id, decision_comment, note, created_at, updated_at) FROM STDIN",
        }

        def flush(kind: str) -> None:
            rows = buffers[kind]
            if rows:
                with raw.copy(sql[kind]) as copy:
                    for row in rows:
                        copy.write_row(row)
                rows.clear()

        for _index, start, owned, orders, follow_ups, future in simulate(
            customers=customers, horizon_days=horizon_days, now=now_epoch, seed=seed
        ):
            customer_id += 1
            created = datetime.fromtimestamp(start - DAY, UTC)
            buffers["customers"].append(
                (customer_id, f"客户{customer_id}", "", "", "", "", "", "", "", "", "C", "[]", "", "",
                 owner.pk if owned else None, created if owned else None, created, created)
            )  # fmt: skip
            for t, amount, cancelled, case in orders:
                order_id += 1
                signed = datetime.fromtimestamp(t, UTC)
                status = "cancelled" if cancelled else "completed"
                done = None if cancelled else datetime.fromtimestamp(min(t + 5 * DAY, now_epoch - 60), UTC)
                buffers["orders"].append(
                    (order_id, f"B{order_id:09d}", "", customer_id, "unknown", owner.pk, "prepaid", status,
                     amount, amount, 0 if cancelled else amount, 0, 0, signed, done,
                     signed if cancelled else None, "", "", "", signed, signed)
                )  # fmt: skip
                if case:
                    opened = datetime.fromtimestamp(min(t + 7 * DAY, now_epoch - 60), UTC)
                    buffers["cases"].append(
                        (order_id, "exchange", "completed", "质量问题", False, "", owner.pk, "", "", opened, opened)
                    )
                    counts["cases"] += 1
            for at in follow_ups:
                moment = datetime.fromtimestamp(at, UTC)
                buffers["follow_ups"].append((customer_id, owner.pk, "call", "回访", "", moment))
            counts["customers"] += 1
            counts["orders"] += len(orders)
            counts["follow_ups"] += len(follow_ups)
            if any(not cancelled for _t, _a, cancelled, _c in orders):
                labels[customer_id] = 0 if future else 1
            if len(buffers["orders"]) >= CHUNK:
                for kind in buffers:
                    flush(kind)
        for kind in buffers:
            flush(kind)
        cursor.execute("SET session_replication_role = DEFAULT")
        for table in ("customers_customer", "sales_order", "customers_followup", "aftersales_case"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cursor.execute(f"ANALYZE {table}")
    counts["seconds"] = round(time.perf_counter() - started, 1)
    counts["churned_in_holdout"] = sum(labels.values())
    return {"counts": counts, "labels": labels}


def _labels_path(store) -> Path:
    return LABELS_DIR / f"bench-insights-{store.subdomain}.json"


def score_in_child(subdomain: str, at: datetime) -> dict:
    """Run the scoring in a fresh process: its time and its peak resident memory."""
    code = (
        "import json, resource, sys, time\n"
        "from bench import common\n"
        "common.setup_django()\n"
        "from datetime import datetime\n"
        "from django_tenants.utils import tenant_context\n"
        "from tenants.models import Store\n"
        "from tenant_apps.insights import services\n"
        "store = Store.objects.get(subdomain=sys.argv[1])\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "started = time.perf_counter()\n"
        "with tenant_context(store):\n"
        "    run = services.score_store(at=datetime.fromisoformat(sys.argv[2]))\n"
        "seconds = time.perf_counter() - started\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(json.dumps({'seconds': seconds, 'peak_rss_mb': peak / 1024, 'rss_before_mb': base / 1024,"
        " 'kind': run.kind, 'customers': run.customers_scored, 'training_rows': run.training_rows}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(common.REPO)}
    out = subprocess.run(
        [sys.executable, "-c", code, subdomain, at.isoformat()], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def evaluate(store, *, labels: dict[int, int], at: datetime, horizon_days: int) -> dict:
    """AUC and Brier of the stored scores, of the fallback rule and of recency ranking, on the holdout."""
    import numpy as np
    from django_tenants.utils import tenant_context

    from tenant_apps.insights import churn, features
    from tenant_apps.insights.models import CustomerScore, ModelRun

    with tenant_context(store):
        scores = dict(CustomerScore.objects.values_list("customer_id", "churn_probability"))
        recency = dict(CustomerScore.objects.values_list("customer_id", "recency_days"))
        bands = dict(CustomerScore.objects.values_list("customer_id", "churn_band"))
        rows = {row.customer_id: row for row in features.customer_figures(at=at, lookback_days=365)}
        run = ModelRun.objects.order_by("-at", "-id").first()
    ids = sorted(set(labels) & set(scores))
    y = np.array([labels[i] for i in ids])
    model_p = np.array([scores[i] for i in ids])
    fallback_p = np.array([churn.fallback_probability(rows[i], horizon_days) for i in ids])
    recency_s = np.array([recency[i] for i in ids], dtype=float)
    band_rates = {}
    for band in ("low", "medium", "high"):
        chosen = [labels[i] for i in ids if bands[i] == band]
        band_rates[band] = {
            "customers": len(chosen),
            "churned": round(sum(chosen) / len(chosen), 3) if chosen else None,
        }
    return {
        "customers_evaluated": len(ids),
        "churn_rate": round(float(y.mean()), 4),
        "model": {"auc": churn.auc(y, model_p), "brier": churn.brier(y, model_p), "kind": run.kind},
        "fallback_rule": {"auc": churn.auc(y, fallback_p), "brier": churn.brier(y, fallback_p)},
        "recency_baseline": {"auc": churn.auc(y, recency_s)},
        "base_rate_brier": churn.brier(y, np.full(len(y), float(y.mean()))),
        "bands": band_rates,
        "time_split_in_store": {"auc": run.auc, "brier": run.brier, "baseline_auc": run.baseline_auc},
    }


# --- HQ: /api/v1/hq/insights over many stores -------------------------------------------------------

FAKE_PREFIX = "bench-hqi-"
HQ_RUNS = 30


def remove_fake_stores() -> None:
    """The HQ phase's stores are rows only (no schema): removed with their public rows."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT id FROM tenants_store WHERE subdomain LIKE %s", [FAKE_PREFIX + "%"])
        ids = [row[0] for row in cursor.fetchall()]
        for table in ("hq_insights_storeinsight", "hq_insights_storebenchmark", "hq_insights_buyerkey"):
            cursor.execute(f"DELETE FROM {table} WHERE store_id = ANY(%s)", [ids])
        cursor.execute("DELETE FROM hq_insights_crossstorebuyers")
        cursor.execute("DELETE FROM tenants_store WHERE id = ANY(%s)", [ids])


def generate_hq(*, stores: int, buyers_per_store: int, seed: int) -> dict:
    """``stores`` store rows with what each would publish: insights, 13 weekly benchmark snapshots,
    and buyers' keyed hashes of which 5 % are shared with another store."""
    from django.db import transaction
    from django.utils import timezone

    from hq_insights.models import BuyerKey, StoreBenchmark, StoreInsight
    from tenant_apps.insights.segments import SEGMENT_KEYS
    from tenants.models import Store, Subsidiary

    rng = random.Random(seed)
    started = time.perf_counter()
    remove_fake_stores()
    subsidiaries = [
        Subsidiary.objects.get_or_create(code=f"bench-sub-{i}", defaults={"name": f"Bench subsidiary {i}"})[0]
        for i in range(10)
    ]
    platforms = ("tmall", "jd", "pdd", "douyin", "1688")
    now = timezone.now()
    day = now.astimezone(timezone.get_default_timezone()).date()
    with transaction.atomic():
        made = Store.objects.bulk_create(
            [
                Store(
                    schema_name=f"bench_hqi_{i}",
                    name=f"Bench insights {i}",
                    subdomain=f"{FAKE_PREFIX}{i}",
                    subsidiary=subsidiaries[i % len(subsidiaries)],
                )
                for i in range(stores)
            ],
            batch_size=1000,
        )
        insights, snapshots, keys = [], [], []
        for store in made:
            insights.append(
                StoreInsight(
                    store=store, state="scored", scored_at=now, model_kind="model", auc=0.9,
                    customers_scored=buyers_per_store,
                    segments={k: [rng.randint(0, 50), f"{rng.uniform(0, 1e5):.2f}"] for k in SEGMENT_KEYS},
                    bands={"low": rng.randint(0, 60), "medium": rng.randint(0, 20), "high": rng.randint(0, 20)},
                    expected_churners=rng.uniform(0, 40), buyers=buyers_per_store,
                    platform=platforms[store.pk % len(platforms)], published_at=now,
                )
            )  # fmt: skip
            for week in range(13):
                values = {
                    "gmv_growth": rng.gauss(0.05, 0.1),
                    "conversion_rate": rng.uniform(0.1, 0.4),
                    "lost_rate": rng.uniform(0.0, 0.1),
                    "receivable_overdue": f"{rng.uniform(0, 50000):.2f}",
                }
                snapshots.append(
                    StoreBenchmark(
                        store=store, day=day - timedelta(weeks=week), subsidiary_id=store.subsidiary_id,
                        platform=platforms[store.pk % len(platforms)], gmv=0, gmv_previous=0, values=values,
                        percentiles={m: {"subsidiary": 50.0, "platform": 50.0} for m in values},
                        anomalies={m: {"flag": None, "low": 0, "high": 1, "points": 12} for m in values},
                        computed_at=now,
                    )
                )  # fmt: skip
            for customer in range(buyers_per_store):
                shared = rng.random() < 0.05
                digest = (
                    f"shared-{rng.randrange(stores * buyers_per_store // 40)}" if shared else f"{store.pk}-{customer}"
                )
                keys.append(BuyerKey(store=store, customer_id=customer + 1, digest=digest, gmv=Decimal("100.00")))
        StoreInsight.objects.bulk_create(insights, batch_size=2000)
        StoreBenchmark.objects.bulk_create(snapshots, batch_size=2000)
        BuyerKey.objects.bulk_create(keys, batch_size=5000, ignore_conflicts=True)
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "tenants_store",
            "hq_insights_storeinsight",
            "hq_insights_storebenchmark",
            "hq_insights_buyerkey",
        ):
            cursor.execute(f"ANALYZE {table}")
    return {"stores": stores, "buyer_keys": len(keys), "seconds": round(time.perf_counter() - started, 1)}


def phase_hq(args) -> dict:
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from hq_insights import benchmarks
    from shared_apps.accounts.models import User

    generated = generate_hq(stores=args.stores, buyers_per_store=args.buyers, seed=args.seed)
    print(f"  {generated}", flush=True)
    started = time.perf_counter()
    summary = benchmarks.cross_store(at=timezone.now())
    cross_seconds = time.perf_counter() - started
    started = time.perf_counter()
    benchmarks.snapshot(at=timezone.now())
    snapshot_seconds = time.perf_counter() - started
    user = User.objects.filter(email="bench-hq-exec@example.com").first() or User.objects.create_user(
        email="bench-hq-exec@example.com", password=common.BENCH_PASSWORD, hq_role="hq_executive"
    )
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    client.force_login(user)
    for _ in range(3):
        assert client.get("/api/v1/hq/insights").status_code == 200
    load_before = [round(x, 2) for x in os.getloadavg()]
    timings = []
    for _ in range(HQ_RUNS):
        started = time.perf_counter()
        response = client.get("/api/v1/hq/insights")
        timings.append(time.perf_counter() - started)
    body = json.loads(response.content)
    result = {
        "generated": generated,
        "request_seconds": common.summary(timings),
        "stores_in_body": len(body["stores"]),
        "body_bytes": len(response.content),
        "cross_store_buyers": {
            "seconds": round(cross_seconds, 2),
            "in_two_or_more_stores": summary.in_two_or_more_stores,
        },
        "nightly_snapshot_seconds": round(snapshot_seconds, 2),
        "load_average": {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]},
    }
    common.print_table(
        ["stores", "p50 ms", "p95 ms", "max ms", "body KB", "cross-store job s", "snapshot job s", "load avg"],
        [
            [
                len(body["stores"]),
                round(result["request_seconds"]["p50"] * 1000),
                round(result["request_seconds"]["p95"] * 1000),
                round(result["request_seconds"]["max"] * 1000),
                round(len(response.content) / 1024),
                result["cross_store_buyers"]["seconds"],
                result["nightly_snapshot_seconds"],
                " ".join(map(str, result["load_average"]["after"])),
            ]
        ],
    )
    if not args.keep:
        remove_fake_stores()
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.insights", description=__doc__.splitlines()[0])
    parser.add_argument("--phase", choices=("churn", "hq"), default="churn")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--horizon", type=int, default=90)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--store", default="bench-insights")
    parser.add_argument("--reuse", action="store_true", help="score the store generated by an earlier run")
    parser.add_argument("--stores", type=int, default=1000, help="HQ phase: stores (rows only)")
    parser.add_argument("--buyers", type=int, default=100, help="HQ phase: buyers per store")
    parser.add_argument("--keep", action="store_true", help="HQ phase: keep the generated stores")
    args = parser.parse_args(argv)
    common.setup_django()
    from django.db import DatabaseError

    with contextlib.suppress(DatabaseError):  # kept store rows have no schema: migrate_schemas would stop on them
        remove_fake_stores()
    common.prepare(reset=False)
    if args.phase == "hq":
        common.write_results("insights_hq", {"parameters": vars(args), **phase_hq(args)})
        return 0
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from bench import data
    from tenant_apps.insights import services
    from tenants.models import Store

    store = Store.objects.filter(subdomain=args.store).first()
    path = None if store is None else _labels_path(store)
    if args.reuse and path is not None and path.exists():
        saved = json.loads(path.read_text())
        at = datetime.fromisoformat(saved["at"])
        labels = {int(k): v for k, v in saved["labels"].items()}
        generated = saved["counts"]
        print(f"reusing store {store.subdomain}: {generated}", flush=True)
    else:
        if store is not None:
            common.drop_store(store)
            common.after_bulk_change()
        store = data.bench_store(args.store)
        at = timezone.now().replace(microsecond=0)
        print(f"generating {args.customers} customers into {store.subdomain}...", flush=True)
        result = generate(store, customers=args.customers, horizon_days=args.horizon, now=at, seed=args.seed)
        generated, labels = result["counts"], result["labels"]
        print(f"  {generated}", flush=True)
        LABELS_DIR.mkdir(exist_ok=True)
        _labels_path(store).write_text(
            json.dumps({"at": at.isoformat(), "counts": generated, "labels": {str(k): v for k, v in labels.items()}})
        )
    with tenant_context(store):
        settings = services.settings_get()
        settings.churn_horizon_days = args.horizon
        settings.save()
    print("scoring in a separate process...", flush=True)
    timing = score_in_child(store.subdomain, at)
    result = evaluate(store, labels=labels, at=at, horizon_days=args.horizon)
    load = [round(x, 2) for x in os.getloadavg()]
    common.print_table(
        ["", "AUC", "Brier"],
        [
            ["model (holdout: the next N days)", _f(result["model"]["auc"]), _f(result["model"]["brier"])],
            ["fallback rule", _f(result["fallback_rule"]["auc"]), _f(result["fallback_rule"]["brier"])],
            ["recency ranking (baseline)", _f(result["recency_baseline"]["auc"]), "—"],
            ["base rate (no model)", "0.500", _f(result["base_rate_brier"])],
            [
                "model, time split inside the store",
                _f(result["time_split_in_store"]["auc"]),
                _f(result["time_split_in_store"]["brier"]),
            ],
            ["recency, time split inside the store", _f(result["time_split_in_store"]["baseline_auc"]), "—"],
        ],
    )
    print()
    common.print_table(
        ["customers", "orders", "scored", "churn rate", "scoring s", "peak RSS MB", "load avg"],
        [
            [
                generated["customers"],
                generated["orders"],
                timing["customers"],
                result["churn_rate"],
                f"{timing['seconds']:.1f}",
                f"{timing['peak_rss_mb']:.0f}",
                " ".join(map(str, load)),
            ]
        ],
    )
    print("observed churn by band:", result["bands"])
    common.write_results(
        "insights",
        {
            "parameters": vars(args) | {"at": at.isoformat()},
            "generated": generated,
            "scoring": timing,
            "evaluation": result,
            "load_average": load,
            "peak_rss_of_this_process_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        },
    )
    return 0


def _f(value) -> str:
    return "—" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
