"""Bulk sales data for the benchmarks: one store with customers, a catalogue and orders over two years.

``generate(schema_name, orders=1_000_000, customers=100_000, days=730, seed=1)`` fills the store
whose schema is ``schema_name`` (it must exist, provisioned through the real path) and returns
counts and timings:

* its team (``bench.data.make_team``: an admin, 2 supervisors with teams, 20 salespeople) plus a
  finance and a warehouse member; customers, follow-ups and pool releases through
  ``bench.data.fill_store`` (skipped when the store already holds customers: those are used);
* categories and ~80 pallet products (SKU ``P-<category>-<n>``), with skewed popularity;
* ``orders`` orders signed over the last ``days`` days, each by a customer created before it
  (older customers buy more often, some buy a lot), owned by the customer's owner (or a random
  salesperson for pool customers), on the customer's channel or another one, with a device,
  prepaid (75 %) or credit (25 %, due 30 or 60 days after signing); 1-4 lines at 80-100 % of the
  list price; the status follows the pipeline with realistic delays measured against now
  (recent orders are still pending collection, outbound, delivery or receipt; some credit
  orders are overdue; ~4 % are cancelled before goods left);
* confirmed payment records (one or two collections, a few refunds, some pending collections)
  consistent with ``collected`` / ``refunded`` / ``fully_collected_at`` on the orders;
* the original delivery of every order that left the warehouse, one ``created`` timeline event
  per order, and a rating (60 % of completed orders; mostly 4-5).

Rows are written with PostgreSQL ``COPY`` in chunks as they are generated (memory stays flat),
in one transaction; the secondary indexes of the (empty) tables are dropped before and built
again after the COPY, the sequences are moved past the new ids and the tables are ANALYZEd
(VACUUM (ANALYZE) when called outside a transaction). 1,000,000 orders take a few minutes.

Run alone::

    DATABASE_URL=postgresql://.../crm_c_bench .venv/bin/python -m bench.data_orders \\
        --store bench-orders --orders 1000000 --customers 100000
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import time
from datetime import UTC, datetime

from bench import common

DAY = 86400.0
HOUR = 3600.0
SHANGHAI = 8 * HOUR  # UTC offset of the store timezone (no DST)
CHUNK = 20_000
NULL = "\\N"

CATEGORIES = (
    ("塑料托盘", (
        ("九脚塑料托盘", "1200×1000", 85), ("川字塑料托盘", "1200×1000", 120), ("田字塑料托盘", "1200×1000", 150),
        ("网格九脚托盘", "1100×1100", 78), ("双面塑料托盘", "1200×1000", 210), ("吹塑托盘", "1200×1000", 260),
        ("轻型九脚托盘", "1000×800", 55), ("田字网格托盘", "1300×1100", 165), ("川字双面托盘", "1200×1200", 235),
        ("平板九脚托盘", "1200×800", 70), ("注塑川字托盘", "1400×1200", 188), ("重型田字托盘", "1200×1000", 298),
    )),
    ("木托盘", (
        ("免熏蒸木托盘", "1200×1000", 65), ("实木托盘", "1200×1000", 95), ("胶合板托盘", "1100×1100", 72),
        ("欧标木托盘", "1200×800", 88), ("出口木托盘", "1200×1000", 110),
    )),
    ("钢托盘", (("钢制托盘", "1200×1000", 420), ("镀锌钢托盘", "1200×1000", 480), ("货架钢托盘", "1500×1000", 520))),
    ("周转箱", (
        ("物流周转箱", "600×400×280", 38), ("折叠周转箱", "600×400×240", 52), ("零件盒", "350×200×150", 12),
        ("带盖周转箱", "600×400×300", 46),
    )),
    ("仓储笼", (("折叠仓储笼", "1000×800×840", 260), ("蝴蝶笼", "1200×1000×890", 310))),
    ("叉车配件", (("手动液压叉车", "2.5吨", 1350), ("托盘搬运车", "3吨", 1580))),
)  # fmt: skip
DEVICES = (("pc", 40), ("mobile", 35), ("app", 15), ("unknown", 10))
METHODS = (("bank_transfer", 50), ("alipay", 15), ("wechat_pay", 15), ("platform", 15), ("cash", 5))
RATINGS = ((5, 55), (4, 28), (3, 9), (2, 4), (1, 4))
CARRIERS = ("顺丰速运", "德邦物流", "中通快运", "安能物流", "京东物流", "跨越速运")

ORDER_COLUMNS = (
    "id", "number", "external_id", "customer_id", "quotation_id", "channel_id", "device", "owner_id",
    "payment_mode", "due_date", "status", "amount", "list_amount", "discount_rate", "collected",
    "supplemented", "refunded", "fully_collected_at", "signed_at", "shipped_at", "received_at",
    "completed_at", "cancelled_at", "cancel_reason", "rating", "feedback_comment", "feedback_at", "notes",
    "created_by_id", "created_at", "updated_at",
)  # fmt: skip
LINE_COLUMNS = (
    "id", "order_id", "position", "product_id", "sku", "product_name", "category_name", "unit", "quantity",
    "unit_price", "list_price", "amount",
)  # fmt: skip
PAYMENT_COLUMNS = (
    "id", "order_id", "kind", "amount", "method", "status", "note", "aftersales_case_id", "created_by_id",
    "created_at", "decided_by_id", "confirmed_at", "rejected_at", "reject_reason",
)  # fmt: skip
DELIVERY_COLUMNS = (
    "id", "order_id", "kind", "status", "aftersales_case_id", "items", "carrier", "tracking_number",
    "outbound_at", "shipped_at", "received_at", "created_by_id", "created_at", "failure_reason",
)  # fmt: skip
EVENT_COLUMNS = ("id", "order_id", "kind", "from_status", "to_status", "actor_id", "message", "data", "at")

TABLES = {
    "sales_order": ORDER_COLUMNS,
    "sales_orderline": LINE_COLUMNS,
    "finance_payment": PAYMENT_COLUMNS,
    "sales_delivery": DELIVERY_COLUMNS,
    "sales_orderevent": EVENT_COLUMNS,
}


def _ts(epoch: float | None) -> str:
    if epoch is None:
        return "\\N"
    return datetime.fromtimestamp(epoch, UTC).isoformat(sep=" ")


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _local_date(epoch: float) -> str:
    return datetime.fromtimestamp(epoch + SHANGHAI, UTC).date().isoformat()


def _weighted(pairs):
    values = [v for v, _w in pairs]
    return values, list(itertools.accumulate(w for _v, w in pairs))


def _check_columns(schema: str) -> None:
    """Refuse early when a table has a NOT NULL column without a default that the COPY leaves out
    (a model that gained a field since this generator was written)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table, columns in TABLES.items():
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
                "AND is_nullable = 'NO' AND column_default IS NULL",
                [schema, table],
            )
            missing = sorted({row[0] for row in cursor.fetchall()} - set(columns))
            if missing:
                raise RuntimeError(f"{table} has NOT NULL columns the generator does not fill: {missing}")


def _extra_member(store, label: str, role: str):
    from django.contrib.auth.hashers import make_password

    from shared_apps.accounts.models import Membership, User

    email = f"bench.{label}@{store.subdomain}.bench.example.com"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create(
            email=email, name=f"{label} {store.subdomain}", password=make_password(common.BENCH_PASSWORD)
        )
    Membership.objects.get_or_create(user=user, store=store, defaults={"role": role})
    return user


def _catalogue(schema: str, rng: random.Random) -> list[tuple]:
    """Categories and products (made once); returns (id, sku, name, category name, unit, list cents)."""
    from django.db import connection, transaction

    q = connection.ops.quote_name(schema)
    with transaction.atomic(), connection.cursor() as cursor:
        for position, (category, items) in enumerate(CATEGORIES):
            cursor.execute(
                f"INSERT INTO {q}.sales_category (name, position, created_at) VALUES (%s, %s, now()) "
                "ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id",
                [category, position],
            )
            category_id = cursor.fetchone()[0]
            for n, (name, spec, price) in enumerate(items, start=1):
                for variant, (suffix, factor) in enumerate((("", 1.0), ("（加厚）", 1.25), ("（新料）", 1.4))):
                    if variant and rng.random() < 0.4:
                        continue
                    sku = f"P-{position + 1:02d}-{n:02d}{variant}"
                    cents = int(price * factor * 100)
                    unit = "台" if category == "叉车配件" else ("个" if category == "周转箱" else "片")
                    cursor.execute(
                        f"INSERT INTO {q}.sales_product (sku, name, category_id, spec, unit, list_price, active, "
                        "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, true, now(), now()) "
                        "ON CONFLICT (sku) DO NOTHING",
                        [sku, name + suffix, category_id, spec, unit, _money(cents)],
                    )
        cursor.execute(
            f"SELECT p.id, p.sku, p.name, coalesce(c.name, ''), p.unit, (p.list_price * 100)::bigint "
            f"FROM {q}.sales_product p LEFT JOIN {q}.sales_category c ON c.id = p.category_id "
            "WHERE p.active ORDER BY p.id"
        )
        return cursor.fetchall()


@common.without_action_log
def generate(
    schema_name: str,
    *,
    orders: int,
    customers: int,
    days: int = 730,
    seed: int = 1,
    follow_ups: int | None = None,
    events: bool = True,
    now: datetime | None = None,
    quiet: bool = False,
) -> dict:
    """Fill the store of ``schema_name`` with ``customers`` customers (unless it has some) and
    ``orders`` orders over the last ``days`` days; see the module docstring. Returns counts and
    timings. The store must hold no orders yet."""
    from django.db import connection, transaction
    from django_tenants.utils import schema_context

    from bench import data
    from shared_apps.accounts.roles import StoreRole
    from tenants.models import Store

    started = time.perf_counter()
    rng = random.Random(seed)
    now_ts = (now or datetime.now(UTC)).timestamp()
    store = Store.objects.get(schema_name=schema_name)
    q = connection.ops.quote_name(schema_name)
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))

    with schema_context(schema_name), connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {q}.sales_order")
        if cursor.fetchone()[0]:
            raise RuntimeError(f"store {store.subdomain} already has orders")
        cursor.execute(f"SELECT count(*) FROM {q}.customers_customer")
        have_customers = cursor.fetchone()[0]
    _check_columns(schema_name)

    team = data.make_team(store)
    finance = _extra_member(store, "finance", StoreRole.FINANCE)
    warehouse = _extra_member(store, "warehouse", StoreRole.WAREHOUSE)
    filled = None
    if not have_customers:
        say(f"  filling {customers} customers...")
        filled = data.fill_store(
            store,
            customers=customers,
            follow_ups=customers * 3 if follow_ups is None else follow_ups,
            seed=seed,
            team=team,
            now=datetime.fromtimestamp(now_ts, UTC),
            quiet=quiet,
        )
    sales_ids = [u.pk for u in team.salespeople]
    with schema_context(schema_name):
        from tenant_apps.workspace.selectors import channel_list

        channel_ids = [c.pk for c in channel_list()]
        products = _catalogue(schema_name, rng)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, extract(epoch FROM created_at), owner_id, channel_id FROM {q}.customers_customer "
                "WHERE merged_into_id IS NULL ORDER BY id"
            )
            people = cursor.fetchall()
            cursor.execute(
                "SELECT " + " UNION ALL SELECT ".join(f"(SELECT coalesce(max(id), 0) FROM {q}.{t})" for t in TABLES)
            )
            bases = dict(zip(TABLES, (row[0] for row in cursor.fetchall()), strict=True))
    if not people:
        raise RuntimeError("the store has no customers")

    # Who buys: a skewed weight per customer (a few buy very often); when: after their creation.
    start_ts = now_ts - days * DAY
    cust_cum = list(itertools.accumulate(rng.paretovariate(1.6) for _ in people))
    prod_cum = list(itertools.accumulate(rng.paretovariate(1.2) for _ in products))
    device_values, device_cum = _weighted(DEVICES)
    method_values, method_cum = _weighted(METHODS)
    rating_values, rating_cum = _weighted(RATINGS)
    finance_id, warehouse_id = finance.pk, warehouse.pk

    # Signing times first, sorted, so ids grow with signed_at like real orders.
    picks = []
    for _ in range(orders):
        cid, created, owner, channel = people[bisect.bisect(cust_cum, rng.random() * cust_cum[-1])]
        low = max(float(created), start_ts)
        t = low + rng.random() * (now_ts - low)
        # Office hours in Shanghai: keep the local day, move the time to 08:00-21:00.
        local_midnight = (t + SHANGHAI) // DAY * DAY - SHANGHAI
        t = local_midnight + (8 + rng.random() * 13) * HOUR
        if t > now_ts:
            t -= DAY
        if t < low:
            t = low
        picks.append((t, cid, owner, channel))
    picks.sort(key=lambda p: p[0])
    generated_picks = time.perf_counter() - started
    say(f"  {len(people)} customers, {len(products)} products; {orders} signing times in {generated_picks:.1f} s")

    counts = dict.fromkeys(TABLES, 0)
    status_counts: dict[str, int] = {}
    day_sequence: dict[str, int] = {}
    ids = dict(bases)

    def rows():
        """Yields (table, line) for every row, order by order."""
        for t, cid, owner, channel in picks:
            ids["sales_order"] += 1
            oid = ids["sales_order"]
            owner = owner or sales_ids[int(rng.random() * len(sales_ids))]
            if channel is None or rng.random() < 0.2:
                channel = channel_ids[int(rng.random() * len(channel_ids))] if channel_ids else None
            device = device_values[bisect.bisect(device_cum, rng.random() * device_cum[-1])]
            credit = rng.random() < 0.25
            # Lines.
            amount = list_amount = 0
            n_lines = 1 + (rng.random() < 0.35) + (rng.random() < 0.15) + (rng.random() < 0.05)
            chosen = set()
            for position in range(n_lines):
                p = products[bisect.bisect(prod_cum, rng.random() * prod_cum[-1])]
                if p[0] in chosen:
                    continue
                chosen.add(p[0])
                pid, sku, pname, cname, unit, list_cents = p
                quantity = int(rng.paretovariate(1.3) * 20) if list_cents < 100_000 else 1 + int(rng.random() * 3)
                price = max(1, int(list_cents * (0.8 + rng.random() * 0.2)))
                line = quantity * price
                amount += line
                list_amount += quantity * list_cents
                ids["sales_orderline"] += 1
                yield (
                    "sales_orderline",
                    (
                        f"{ids['sales_orderline']}\t{oid}\t{position}\t{pid}\t{sku}\t{pname}\t{cname}\t{unit}\t"
                        f"{quantity}\t{_money(price)}\t{_money(list_cents)}\t{_money(line)}\n"
                    ),
                )
            rate = f"{amount / list_amount:.4f}"
            # The pipeline against now.
            due = None
            if credit:
                due = t + (30 if rng.random() < 0.7 else 60) * DAY
            cancelled = rng.random() < 0.04
            paid_full = paid_first = None  # times of the full / first partial collection
            first_part = 0
            outbound = shipped = received = completed = cancelled_at = None
            refund = 0
            if not credit:
                paid_full = t + rng.random() * 3 * DAY
                if rng.random() < 0.12:
                    paid_first = t + rng.random() * (paid_full - t)
                    first_part = max(1, int(amount * (0.2 + rng.random() * 0.5)))
                ready = paid_full
            else:
                ready = t
            outbound_at = ready + (0.1 + rng.random() * 3) * DAY
            shipped_at = outbound_at + (0.05 + rng.random() * 1.5) * DAY
            received_at = shipped_at + (1 + rng.random() * 6) * DAY
            if credit:
                roll = rng.random()
                if roll < 0.08:
                    paid_full = None  # never paid (overdue once past the due date)
                    if rng.random() < 0.5:
                        paid_first = received_at + rng.random() * 20 * DAY
                        first_part = max(1, int(amount * (0.2 + rng.random() * 0.5)))
                else:
                    paid_full = max(received_at, due - 10 * DAY) + rng.random() * (20 if roll < 0.9 else 60) * DAY
                    if rng.random() < 0.25:
                        paid_first = received_at + rng.random() * (paid_full - received_at)
                        first_part = max(1, int(amount * (0.2 + rng.random() * 0.5)))
            if cancelled:
                # Before the goods left (and, prepaid, before it was paid): no payment counts.
                window = min(2 * DAY, (paid_full if not credit else outbound_at) - t)
                cancelled_at = min(now_ts, t + rng.random() * window)
                status = "cancelled"
                paid_full = paid_first = None
            else:
                if paid_first is not None and paid_first > now_ts:
                    paid_first = None
                if paid_full is not None and paid_full > now_ts:
                    paid_full = None
                if not credit:
                    if paid_full is None:
                        status = "pending_collection"
                    elif outbound_at > now_ts:
                        status = "pending_outbound"
                    elif shipped_at > now_ts:
                        status = "pending_delivery"
                        outbound = outbound_at
                    elif received_at > now_ts:
                        status = "pending_receipt"
                        outbound, shipped = outbound_at, shipped_at
                    else:
                        status = "completed"
                        outbound, shipped, received, completed = outbound_at, shipped_at, received_at, received_at
                else:
                    if outbound_at > now_ts:
                        status = "pending_outbound"
                    elif shipped_at > now_ts:
                        status = "pending_delivery"
                        outbound = outbound_at
                    elif received_at > now_ts:
                        status = "pending_receipt"
                        outbound, shipped = outbound_at, shipped_at
                    else:
                        outbound, shipped, received = outbound_at, shipped_at, received_at
                        if paid_full is not None:
                            status = "completed"
                            completed = max(paid_full, received_at)
                        else:
                            status = "awaiting_payment"
                    # A credit order's payments come after receipt only.
                    if received is None:
                        paid_first = paid_full = None
            status_counts[status] = status_counts.get(status, 0) + 1
            # Payments.
            collected = 0
            fully_at = None
            pay_rows = []
            if paid_first is not None and first_part < amount:
                pay_rows.append(("collection", first_part, paid_first, "confirmed"))
                collected = first_part
            if paid_full is not None:
                pay_rows.append(("collection", amount - collected, paid_full, "confirmed"))
                collected = amount
                fully_at = paid_full
            elif rng.random() < 0.3 and status != "cancelled" and (not credit or received is not None):
                pend_at = min(now_ts, (paid_first or t) + rng.random() * DAY)
                pay_rows.append(("collection", amount - collected, pend_at, "pending"))
            if status == "completed" and rng.random() < 0.02:
                refund = max(1, int(amount * (0.05 + rng.random() * 0.15)))
                refund_at = min(now_ts, completed + rng.random() * 10 * DAY)
                pay_rows.append(("refund", refund, refund_at, "confirmed"))
            for kind, cents, at, state in pay_rows:
                ids["finance_payment"] += 1
                method = method_values[bisect.bisect(method_cum, rng.random() * method_cum[-1])]
                recorded = at - rng.random() * 2 * HOUR
                confirmed = _ts(at) if state == "confirmed" else "\\N"
                decided = str(finance_id) if state == "confirmed" else "\\N"
                yield (
                    "finance_payment",
                    (
                        f"{ids['finance_payment']}\t{oid}\t{kind}\t{_money(cents)}\t{method}\t{state}\t\t\\N\t{owner}\t"
                        f"{_ts(recorded)}\t{decided}\t{confirmed}\t\\N\t\n"
                    ),
                )
            # Delivery.
            if outbound is not None:
                ids["sales_delivery"] += 1
                d_status = "received" if received else ("shipped" if shipped else "outbound")
                carrier = rng.choice(CARRIERS) if shipped else ""
                tracking = f"SF{oid:010d}" if shipped else ""
                yield (
                    "sales_delivery",
                    (
                        f"{ids['sales_delivery']}\t{oid}\toriginal\t{d_status}\t\\N\t[]\t{carrier}\t{tracking}\t"
                        f"{_ts(outbound)}\t{_ts(shipped)}\t{_ts(received)}\t{warehouse_id}\t{_ts(outbound)}\t\n"
                    ),
                )
            if events:
                ids["sales_orderevent"] += 1
                initial = "pending_outbound" if credit else "pending_collection"
                yield (
                    "sales_orderevent",
                    (f"{ids['sales_orderevent']}\t{oid}\tcreated\t\t{initial}\t{owner}\t\t{{}}\t{_ts(t)}\n"),
                )
            # Rating.
            rating = feedback_at = None
            if status == "completed" and rng.random() < 0.6:
                rating = rating_values[bisect.bisect(rating_cum, rng.random() * rating_cum[-1])]
                feedback_at = min(now_ts, completed + rng.random() * 7 * DAY)
            updated = max(
                x for x in (t, fully_at, outbound, shipped, received, completed, cancelled_at, feedback_at) if x
            )
            # As the product numbers orders: SO<local date>-<sequence of the day>.
            day = datetime.fromtimestamp(t + SHANGHAI, UTC).strftime("%Y%m%d")
            day_sequence[day] = day_sequence.get(day, 0) + 1
            number = f"SO{day}-{day_sequence[day]:06d}"
            channel_cell = NULL if channel is None else str(channel)
            due_cell = _local_date(due) if due else NULL
            rating_cell = str(rating) if rating else NULL
            yield (
                "sales_order",
                (
                    f"{oid}\t{number}\t\t{cid}\t\\N\t{channel_cell}\t{device}\t{owner}\t"
                    f"{'credit' if credit else 'prepaid'}\t{due_cell}\t{status}\t"
                    f"{_money(amount)}\t{_money(list_amount)}\t{rate}\t{_money(collected)}\t0.00\t{_money(refund)}\t"
                    f"{_ts(fully_at)}\t{_ts(t)}\t{_ts(shipped)}\t{_ts(received)}\t{_ts(completed)}\t{_ts(cancelled_at)}\t"
                    f"{'客户取消' if cancelled_at else ''}\t{rating_cell}\t\t{_ts(feedback_at)}\t\t{owner}\t"
                    f"{_ts(t)}\t{_ts(updated)}\n"
                ),
            )

    # COPY: one stream per table would need the rows grouped per table; chunks of orders keep memory
    # flat and the foreign keys satisfied (orders are copied before their lines, payments...).
    copy_started = time.perf_counter()
    order_first = ("sales_order", "sales_orderline", "finance_payment", "sales_delivery", "sales_orderevent")
    with transaction.atomic():
        raw = connection.connection
        with raw.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            # The tables are empty: their secondary indexes are built once at the end (much faster
            # than keeping them up to date row by row). Constraints' indexes stay.
            cursor.execute(
                "SELECT ic.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
                "JOIN pg_class ic ON ic.oid = i.indexrelid "
                "WHERE n.nspname = %s AND t.relname = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                [schema_name, list(TABLES)],
            )
            deferred = cursor.fetchall()
            for name, _definition in deferred:
                cursor.execute(f"DROP INDEX {q}.{connection.ops.quote_name(name)}")
            buffers: dict[str, list[str]] = {t: [] for t in TABLES}
            pending = 0

            def flush():
                for table in order_first:
                    lines = buffers[table]
                    if not lines:
                        continue
                    sql = f"COPY {q}.{table} ({', '.join(TABLES[table])}) FROM STDIN"
                    with cursor.copy(sql) as copy:
                        copy.write("".join(lines))
                    counts[table] += len(lines)
                    lines.clear()

            for table, line in rows():
                buffers[table].append(line)
                if table == "sales_order":
                    pending += 1
                    if pending >= CHUNK:
                        flush()
                        pending = 0
                        if not quiet and counts["sales_order"] % 200_000 == 0:
                            say(f"    {counts['sales_order']} orders ({time.perf_counter() - copy_started:.0f} s)")
            flush()
            say(f"  copied in {time.perf_counter() - copy_started:.1f} s; building {len(deferred)} indexes")
            # Django's foreign keys are deferred: check them now, or CREATE INDEX refuses to run.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for _name, definition in deferred:
                cursor.execute(definition)
            for table in TABLES:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{q}.{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {q}.{table}))"
                )
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{q}.sales_product', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {q}.sales_product))"
            )
    copied = time.perf_counter() - copy_started
    say(f"  generated and copied {counts} in {copied:.1f} s")
    analyze_started = time.perf_counter()
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for table in (*TABLES, "sales_product", "sales_category", "customers_customer"):
            cursor.execute(f"{command} {q}.{table}")
    analyzed = time.perf_counter() - analyze_started
    total = time.perf_counter() - started
    say(f"  {command} {analyzed:.1f} s; total {total:.1f} s")
    return {
        "store": store.subdomain,
        "schema": schema_name,
        "customers": len(people),
        "products": len(products),
        "rows": {table: counts[table] for table in TABLES},
        "statuses": dict(sorted(status_counts.items())),
        "customers_fill": filled,
        "seconds": {
            "copy_with_generation": round(copied, 1),
            "analyze": round(analyzed, 1),
            "total": round(total, 1),
        },
    }


def ensure_bench_store(subdomain: str, *, orders: int, customers: int, seed: int = 1, quiet: bool = False):
    """The store ``subdomain`` holding ``orders`` generated orders: reused when it does, else (re)made and filled."""
    from django.db import connection
    from django_tenants.utils import schema_context

    from bench import data
    from tenants.models import Store

    store = Store.objects.filter(subdomain=subdomain).first()
    if store is not None:
        with schema_context(store.schema_name), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sales_order")
            have = cursor.fetchone()[0]
        if have == orders:
            return store, None
        if not quiet:
            print(f"store {subdomain} holds {have} orders, not {orders}: recreating it", flush=True)
        common.drop_store(store)
        common.after_bulk_change()
    store = data.bench_store(subdomain, channels=("tmall", "jd", "pdd", "douyin", "offline"))
    filled = generate(store.schema_name, orders=orders, customers=customers, seed=seed, quiet=quiet)
    common.after_bulk_change()
    return store, filled


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.data_orders", description=__doc__.splitlines()[0])
    parser.add_argument("--store", default="bench-orders", help="subdomain of the store (made if missing)")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-events", action="store_true", help="no timeline event per order")
    args = parser.parse_args(argv)
    common.setup_django()
    common.prepare(reset=False)
    from bench import data

    store = data.bench_store(args.store, channels=("tmall", "jd", "pdd", "douyin", "offline"))
    print(f"filling store {store.subdomain} (schema {store.schema_name})", flush=True)
    result = generate(
        store.schema_name,
        orders=args.orders,
        customers=args.customers,
        days=args.days,
        seed=args.seed,
        events=not args.no_events,
    )
    common.after_bulk_change()
    print(result)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
