"""Time to import 50,000 customers from a CSV and from an XLSX file through the real import path.

For each format a fresh store is provisioned and filled by ``bench.data`` with ``--existing``
customers (10,000 by default) and the bench team. The file is what an admin uploads when a
customer list moves in from another system: Chinese headers (姓名, 公司, 手机, 微信, 旺旺, 渠道,
省份, 城市, 地址, 标签, 等级, 意向, 下次跟进, 负责人邮箱), mobiles typed in several forms (numbers
in the XLSX), owners by email for 80 % of the rows (the rest go to the pool), and on purpose:

* ~5 % duplicates: half repeat the mobile number or WeChat id of a customer already in the store,
  half repeat a row higher up in the same file (another way of typing the same number);
* ~2 % invalid rows: a bad mobile number, an empty name, an unknown tag, grade "E", or an owner
  email that is not a salesperson of the store.

Timed, wall clock: ``tenant_apps.imports.services.import_start`` in the store (as the upload
request does: checks and stores the file, creates the job; the Celery message it sends on commit
goes to the in-memory broker and is never picked up), then the ``imports.run`` task itself run
eagerly in this process (``run_import.apply`` with the ``_schema_name`` header, so that
tenant-schemas-celery switches to the store exactly as in a worker), until the job is done.
Reported: seconds, rows/s, the job's outcome counts against the planted ones. Target: < 60 s for
50,000 rows.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import time
from datetime import UTC, datetime, timedelta

from bench import common
from bench.data import words as data_words

TARGET_SECONDS = 60
HEADERS = data_words("姓名 公司 手机 微信 旺旺 渠道 省份 城市 地址 标签 等级 意向 下次跟进 负责人邮箱")


def make_rows(*, rows: int, existing: list[tuple[str, str]], owners: list[str], seed: int) -> tuple[list, dict]:
    """The file's rows (lists of cells, XLSX-ready: plain mobiles as ints) and the planted counts."""
    from bench import data

    rng = random.Random(seed)
    # New numbers avoid every number in the store: only the planted rows are duplicates.
    taken = {m.removeprefix("+86") for m, _w in existing if m}
    existing = [(m, w) for m, w in existing if m or w]
    planted = {"duplicate_existing": 0, "duplicate_in_file": 0, "invalid": 0}
    out: list[list] = []
    earlier: list[tuple[str, str]] = []  # (mobile digits, wechat) of rows above
    now = datetime.now(UTC)
    for number in range(rows):
        name = data.person(rng) + rng.choice(data.TITLES)
        province, cities = rng.choice(data.REGIONS)
        city = rng.choice(cities)
        company = city + rng.choice(data.COMPANY_WORDS) + rng.choice(data.COMPANY_TRADES) if rng.random() < 0.8 else ""
        typed, normalized = data.mobile_number(rng, taken)
        digits = normalized.removeprefix("+86")
        mobile: object = int(digits) if typed == digits else typed
        wechat = data.handle(rng, number, "imp_") if rng.random() < 0.5 else ""
        chat = data.handle(rng, number, "impchat_") if rng.random() < 0.2 else ""
        tags = "、".join(rng.sample(data.TAGS, rng.randint(1, 2))) if rng.random() < 0.3 else ""
        grade = rng.choice(("A", "B级", "C", "c", "D", ""))
        intention = rng.choice(("高", "中", "低", "", ""))
        follow = (now + timedelta(days=rng.randint(1, 30))).strftime("%Y-%m-%d %H:%M") if rng.random() < 0.5 else ""
        owner = rng.choice(owners) if rng.random() < 0.8 else ""
        channel = rng.choice(("天猫", "京东", "tmall", "jd", ""))
        roll = rng.random()
        if roll < 0.025 and existing:
            existing_mobile, existing_wechat = rng.choice(existing)
            if existing_mobile:
                mobile = existing_mobile.removeprefix("+86")
            else:
                wechat = existing_wechat
            planted["duplicate_existing"] += 1
        elif roll < 0.05 and earlier:
            earlier_digits, earlier_wechat = rng.choice(earlier)
            if earlier_digits:
                mobile = f"+86 {earlier_digits[:3]} {earlier_digits[3:7]} {earlier_digits[7:]}"
            else:
                wechat = earlier_wechat
            planted["duplicate_in_file"] += 1
        elif roll < 0.07:
            kind = rng.randrange(5)
            if kind == 0:
                mobile = "1380013"  # too short
            elif kind == 1:
                name = ""
            elif kind == 2:
                tags = "不存在的标签"
            elif kind == 3:
                grade = "E"
            else:
                owner = "nobody@example.com"
            planted["invalid"] += 1
        else:
            earlier.append((digits, wechat))
        out.append(
            [name, company, mobile, wechat, chat, channel, province, city, "", tags, grade, intention, follow, owner]
        )
    return out, planted


def write_csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("客户")
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def one_format(fmt: str, *, rows: int, existing: int, seed: int, keep: bool) -> dict:
    from django.core.files.base import ContentFile
    from django.db import connection
    from django_tenants.utils import schema_context, tenant_context

    from bench import data
    from shared_apps.accounts.access import resolve_store_access
    from tenant_apps.imports.services import import_start
    from tenant_apps.imports.tasks import run_import

    subdomain = f"bench-import-{fmt}"
    from tenants.models import Store

    old = Store.objects.filter(subdomain=subdomain).first()
    if old is not None:
        common.drop_store(old)
    store = data.bench_store(subdomain)
    team = data.make_team(store)
    filled = data.fill_store(store, customers=existing, follow_ups=existing * 2, team=team, quiet=True)
    with schema_context(store.schema_name):
        from tenant_apps.customers.models import Customer

        existing_ids = list(Customer.objects.order_by("pk").values_list("mobile_normalized", "wechat_id"))
    owners = [u.email for u in team.salespeople] + [s.email for s in team.supervisors[:1]]
    cells, planted = make_rows(rows=rows, existing=existing_ids, owners=owners, seed=seed)
    content = write_csv(cells) if fmt == "csv" else write_xlsx(cells)
    print(f"  {fmt}: {len(content) / 1e6:.1f} MB, {rows} rows; planted {planted}", flush=True)

    admin = team.admin
    load_before = os.getloadavg()[0]
    with tenant_context(store):
        access = resolve_store_access(user=admin, store=store)
        upload = ContentFile(content, name=f"customers.{fmt}")
        started = time.perf_counter()
        job = import_start(kind="customers", file=upload, options={}, access=access)
        started_job = time.perf_counter()
    if job.status == job.Status.PENDING:
        outcome = run_import.apply(args=[job.pk], headers={"_schema_name": store.schema_name}, throw=True)
        if not outcome.successful():
            raise RuntimeError(f"imports.run failed: {outcome.result!r}")
    finished = time.perf_counter()
    with tenant_context(store):
        job.refresh_from_db()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM customers_customer")
            customers_after = cursor.fetchone()[0]
    seconds = finished - started
    result = {
        "format": fmt,
        "file_bytes": len(content),
        "rows": rows,
        "existing_customers": existing,
        "planted": planted,
        "status": job.status,
        "error": job.error,
        "outcome_counts": job.outcome_counts,
        "processed_rows": job.processed_rows,
        "customers_after": customers_after,
        "seconds_start": round(started_job - started, 2),
        "seconds_run": round(finished - started_job, 2),
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds, 1),
        "load_1m_before": round(load_before, 2),
        "load_1m_after": round(os.getloadavg()[0], 2),
        "fill": filled,
    }
    print(
        f"  {fmt}: {job.status} in {seconds:.1f} s ({rows / seconds:.0f} rows/s; start {started_job - started:.1f} s); "
        f"outcomes {job.outcome_counts} (load {load_before:.1f})",
        flush=True,
    )
    if not keep:
        common.drop_store(store)
        common.after_bulk_change()
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench customer_import", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--existing", type=int, default=10_000, help="customers in the store before the import")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the bench stores afterwards")
    args = parser.parse_args(argv)
    common.setup_django()
    common.prepare(reset=False)
    results = [
        one_format(fmt.strip(), rows=args.rows, existing=args.existing, seed=args.seed, keep=args.keep)
        for fmt in args.formats.split(",")
        if fmt.strip()
    ]
    print(f"\nImport of {args.rows:,} customer rows into a store with {args.existing:,} customers, in process\n")
    common.print_table(
        [
            "format",
            "MB",
            "seconds",
            "rows/s",
            "created",
            "duplicate",
            "invalid",
            "planted dup/invalid",
            f"< {TARGET_SECONDS} s",
        ],
        [
            [
                r["format"],
                f"{r['file_bytes'] / 1e6:.1f}",
                r["seconds"],
                r["rows_per_second"],
                r["outcome_counts"].get("created", 0),
                r["outcome_counts"].get("duplicate", 0),
                r["outcome_counts"].get("invalid", 0),
                f"{r['planted']['duplicate_existing'] + r['planted']['duplicate_in_file']}/{r['planted']['invalid']}",
                "ok" if r["status"] == "done" and r["seconds"] < TARGET_SECONDS else "MISSED",
            ]
            for r in results
        ],
    )
    common.write_results("customer_import", {"results": results})
    return 0
