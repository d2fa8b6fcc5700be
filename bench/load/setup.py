"""The load test's world: 100 stores with a small history each, 200 store users and an HQ user.

    DATABASE_URL=postgresql://.../crm_load .venv/bin/python -m bench.load.setup [--stores 100] [--reset]

Stores are made through the real provisioning path (``common.ensure_stores``, two processes) and
filled with ``bench.data_orders.generate`` (its team, ``--customers`` customers and ``--orders``
orders over two years, with COPY). Each store gets its admin and one salesperson as the load's
users (two per store: 200 users for 100 stores); the HQ executive watches the dashboard. Their
API tokens, the stores' hosts and their product and customer ids are written to
``bench/results/load_world.json``, which the locustfile reads. Run again, it reuses what exists.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from bench import common

# LOAD_WORLD keeps several worlds apart (one per database).
WORLD = Path(os.environ.get("LOAD_WORLD") or common.RESULTS / "load_world.json")
HQ_EMAIL = "bench.hq@bench.example.com"


def _store_entry(store, *, customers: int, orders: int, seed: int) -> dict:
    from django.db import connection
    from django_tenants.utils import schema_context

    from bench import data_orders
    from shared_apps.accounts.models import Membership
    from shared_apps.accounts.roles import StoreRole
    from shared_apps.accounts.services import token_create
    from tenants.routing import store_host

    with schema_context(store.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sales_order")
        filled = cursor.fetchone()[0] > 0
    if not filled:
        data_orders.generate(store.schema_name, orders=orders, customers=customers, seed=seed, quiet=True)
    members = Membership.objects.filter(store=store, is_active=True).select_related("user")
    admin = next(m.user for m in members if m.role == StoreRole.ADMIN and m.user.email.startswith("bench.admin@"))
    sales = next(m.user for m in members if m.role == StoreRole.SALESPERSON)
    with schema_context(store.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT id FROM sales_product WHERE active ORDER BY id LIMIT 20")
        products = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT id FROM customers_customer WHERE owner_id = %s ORDER BY id LIMIT 50", [sales.pk])
        customers_of_sales = [row[0] for row in cursor.fetchall()]
    return {
        "host": store_host(store.subdomain),
        "users": [
            {"role": "admin", "token": token_create(user=admin, name="load")[1], "customers": customers_of_sales},
            {"role": "salesperson", "token": token_create(user=sales, name="load")[1], "customers": customers_of_sales},
        ],
        "products": products,
    }


def build(*, stores: int, customers: int, orders: int, reset: bool, fill: int | None = None) -> dict:
    from django.conf import settings
    from django.db import connections

    from shared_apps.accounts.models import User
    from shared_apps.accounts.services import token_create
    from tenants.models import Store

    started = time.perf_counter()
    common.prepare(reset=reset)
    if common.store_count() == 0:
        # The first clone installs the clone function: alone, not raced by two processes.
        common.create_store(common.BACKGROUND_PREFIX, owner=common.bench_owner(common.BACKGROUND_OWNER))
    made = common.ensure_stores(stores)
    connections.close_all()
    entries = []
    for index, store in enumerate(Store.objects.stores().order_by("id")[: min(stores, fill or stores)]):
        entries.append(_store_entry(store, customers=customers, orders=orders, seed=index + 1))
        if (index + 1) % 10 == 0:
            print(f"  {index + 1} stores filled", flush=True)
    common.after_bulk_change()
    hq = User.objects.filter(email=HQ_EMAIL).first() or User.objects.create_user(
        email=HQ_EMAIL, password=common.BENCH_PASSWORD, name="Bench HQ", hq_role="hq_executive"
    )
    world = {
        "hq": {"host": settings.BASE_DOMAIN, "token": token_create(user=hq, name="load")[1]},
        "stores": entries,
        "made": made,
        "seconds": round(time.perf_counter() - started, 1),
    }
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    WORLD.write_text(json.dumps(world, indent=1))
    return world


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load.setup", description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--reset", action="store_true", help="recreate the database of DATABASE_URL first")
    parser.add_argument(
        "--fill", type=int, default=None, help="fill (and put users in) only the first N stores; the rest stay empty"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")
    common.setup_django()
    world = build(stores=args.stores, customers=args.customers, orders=args.orders, reset=args.reset, fill=args.fill)
    users = sum(len(s["users"]) for s in world["stores"])
    print(f"{len(world['stores'])} stores, {users} store users, world in {WORLD} ({world['seconds']} s)")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
