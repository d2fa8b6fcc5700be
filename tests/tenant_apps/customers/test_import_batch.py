"""Creating customers in batches (``customer_create_many``, the import's path): the same outcomes as
``customer_create`` row by row, a constant number of queries per batch, and a concurrent writer
between the batch's check and its insert still leaving one customer and a duplicate outcome."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_tenants.utils import tenant_context

from shared_apps.platform.errors import ValidationFailed
from tenant_apps.customers import services
from tenant_apps.customers.error_codes import DuplicateCustomer
from tenant_apps.customers.importing import CustomerImporter
from tenant_apps.customers.models import Customer
from tenant_apps.customers.services import imports as batch_services
from tests.factories import access_of

MOBILE_DB = "13800138000"
MOBILE_NEW = "13900139000"


@pytest.fixture
def stored(store_a, users, make_customer, make_tag):
    """Customers already in store A: one owned by a_sales2 (mobile), one in the pool (WeChat),
    one owned by a_sales (platform chat id); and the tag VIP."""
    make_tag(store_a, "VIP")
    return {
        "mobile": make_customer(store_a, owner=users.a_sales2, name="Owned", mobile=MOBILE_DB),
        "wechat": make_customer(store_a, owner=None, name="Pooled", wechat_id="wx-pool"),
        "chat": make_customer(store_a, owner=users.a_sales, name="Chatty", platform_chat_id="tb-chat"),
    }


def mixed_rows(users, *, owner_rows: bool) -> list[dict]:
    rows = [
        {"name": "New one", "mobile": MOBILE_NEW, "wechat_id": "wx-new", "channel": "tmall", "tags": ["VIP"]},
        {"name": "Same mobile as stored", "mobile": "+86 138-0013-8000"},
        {"name": "Same WeChat as stored", "wechat_id": "wx-pool", "grade": "B"},
        {"name": "Same chat id as stored", "platform_chat_id": "tb-chat"},
        {"name": "Same mobile as row 1", "mobile": "+8613900139000"},
        {"name": "Same WeChat as row 1", "wechat_id": "wx-new"},
        {"name": "Chat one", "platform_chat_id": "tb-1"},
        {"name": "Same chat id as a row above", "platform_chat_id": "tb-1", "mobile": "13700137000"},
        {"name": "", "mobile": "13600136000"},
        {"name": "Bad mobile", "mobile": "12345"},
        {"name": "Unknown tag and channel", "tags": ["nosuchtag"], "channel": "nowhere"},
        {"name": "Bad grade", "grade": "Z", "wechat_id": "wx-bad"},
        # Its WeChat id belongs to an invalid row above, which created nothing: it is created.
        {"name": "After an invalid row", "wechat_id": "wx-bad"},
        # Stored mobile and a new row's WeChat id: the stored customer is the one it duplicates.
        {"name": "Stored and new", "mobile": MOBILE_DB, "wechat_id": "wx-new"},
        # Shares its chat id with a duplicate row, which created nothing.
        {"name": "Pooled again", "wechat_id": "wx-pool", "platform_chat_id": "tb-2"},
        {"name": "After a duplicate row", "platform_chat_id": "tb-2"},
        {"name": "Plain", "company": "ACME", "province": "浙江", "next_follow_up_at": "2030-01-01T09:00"},
    ]
    if owner_rows:
        rows += [
            {"name": "For a_sales2", "owner": users.a_sales2.pk, "mobile": "13500135000"},
            {"name": "For b_sales", "owner": users.b_sales.pk},
            {"name": "For nobody", "owner": "x"},
        ]
    return rows


def one_by_one(rows, access) -> list[tuple[str, int | None, Exception | None]]:
    outcomes = []
    for data in rows:
        try:
            customer = services.customer_create(data=data, access=access)
        except DuplicateCustomer as exc:
            outcomes.append(("duplicate", exc.existing["id"], exc))
        except ValidationFailed as exc:
            outcomes.append(("invalid", None, exc))
        else:
            outcomes.append(("created", customer.pk, None))
    return outcomes


def comparable(outcomes, stored_ids) -> list[tuple]:
    """Outcomes with the ids of customers made in the run replaced by the row that made them."""
    made = {customer_id: f"row {index}" for index, (kind, customer_id, _e) in enumerate(outcomes) if kind == "created"}

    def ref(customer_id):
        return made.get(customer_id) or stored_ids[customer_id]

    def text(value):
        return re.sub(r"#(\d+)", lambda m: f"#{ref(int(m.group(1)))}", str(value))

    result = []
    for kind, customer_id, error in outcomes:
        if kind == "created":
            result.append((kind,))
        elif kind == "duplicate":
            existing = error.existing
            errors = {field: [text(m) for m in messages] for field, messages in error.errors.items()}
            result.append((kind, ref(customer_id), ref(existing["id"]), existing["name"], existing["owner"], errors))
            result[-1] += (error.code, text(error.detail))
        else:
            result.append((kind, {field: [str(m) for m in messages] for field, messages in error.errors.items()}))
    return result


def customers_made(stored_ids) -> list[tuple]:
    fields = ("name", "mobile_normalized", "wechat_id", "platform_chat_id", "owner_id", "channel_id", "grade")
    fields += ("company", "province", "next_follow_up_at", "created_by_id")
    return sorted(
        (*(getattr(c, f) for f in fields), c.owner_since is not None, tuple(t.name for t in c.tags.all()))
        for c in Customer.objects.exclude(pk__in=stored_ids).prefetch_related("tags")
    )


def no_fallback(*args, **kwargs):
    raise AssertionError("the batch was inserted row by row")


@pytest.mark.parametrize("actor", ["a_sales", "a_supervisor", "a_admin"])
def test_a_batch_has_the_outcomes_of_the_rows_created_one_by_one(actor, users, store_a, in_store, stored, monkeypatch):
    access = access_of(users[actor], store_a)
    monkeypatch.setattr(batch_services, "_create_one_by_one", no_fallback)
    rows = mixed_rows(users, owner_rows=True)
    stored_ids = {customer.pk: f"stored {key}" for key, customer in stored.items()}

    with in_store(store_a):
        with transaction.atomic():
            single = comparable(one_by_one(rows, access), stored_ids)
            single_customers = customers_made(stored_ids)
            transaction.set_rollback(True)
        batch_outcomes = services.customer_create_many(rows=rows, access=access)
        batch = comparable([(o.outcome, o.customer_id, o.error) for o in batch_outcomes], stored_ids)
        batch_customers = customers_made(stored_ids)

    assert batch == single
    assert batch_customers == single_customers
    kinds = [outcome[0] for outcome in batch]
    assert kinds.count("created") >= 5 and kinds.count("duplicate") == 8 and kinds.count("invalid") >= 4


def test_the_importer_reports_a_batch_as_it_reports_its_rows_one_by_one(users, store_a, in_store, stored):
    lines = [
        {
            "name": "A",
            "mobile": "13900139000",
            "channel": "天猫",
            "tags": "VIP",
            "grade": "a级",
            "intention_level": "高",
        },
        {"name": "B", "mobile": "139 0013 9000"},
        {"name": "C", "mobile": MOBILE_DB},
        {"name": "D", "wechat_id": "wx-pool"},
        {"name": "E", "owner_email": users.a_sales2.email},
        {"name": "F", "owner_email": "ghost@example.com"},
        {"name": "G", "owner_email": users.b_sales.email},
        {"name": "", "mobile": "123"},
    ]

    def run(process):
        results = process()
        made = {r.object_id: f"row {i}" for i, r in enumerate(results) if r.outcome == "created"}
        return [
            (
                r.outcome,
                made.get(r.object_id, r.object_id),
                re.sub(r"#\d+", lambda m: f"#{made.get(int(m[0][1:]), m[0])}", r.message),
            )
            for r in results
        ]

    with in_store(store_a), translation.override("en"):
        importer = CustomerImporter(access=access_of(users.a_supervisor), options={})
        with transaction.atomic():
            single = run(lambda: [_row(importer, values) for values in lines])
            transaction.set_rollback(True)
        batch = run(lambda: importer.process_batch(lines))

    assert batch == single
    assert [outcome for outcome, _id, _message in batch] == [
        "created",
        "duplicate",
        "duplicate",
        "duplicate",
        "created",
        "invalid",
        "invalid",
        "invalid",
    ]
    assert "in the pool" in batch[3][2]


def _row(importer, values):
    from tenant_apps.imports.services.running import _process_row

    return _process_row(importer, values)


def _rows(count: int, users) -> list[dict]:
    """A mixed batch: new rows with channel and tags, duplicates of stored customers (with
    owners) and of rows above, invalid rows, rows naming an owner."""
    rows = []
    for i in range(count):
        kind = i % 10
        if kind == 0:
            rows.append({"name": f"Dup {i}", "mobile": MOBILE_DB})
        elif kind == 1:
            rows.append({"name": f"Dup pool {i}", "wechat_id": "wx-pool"})
        elif kind == 2:
            rows.append({"name": f"Dup row {i}", "wechat_id": f"wx-{i - 7}"})  # a "New" row above
        elif kind == 3:
            rows.append({"name": "", "mobile": "123"})
        elif kind == 4:
            rows.append({"name": f"Owned {i}", "owner": users.a_sales2.pk, "platform_chat_id": f"tb-{i}"})
        else:
            rows.append(
                {"name": f"New {i}", "mobile": f"137{i:08d}", "wechat_id": f"wx-{i}", "channel": "jd", "tags": ["VIP"]}
            )
    return rows


def test_the_queries_of_a_batch_do_not_grow_with_its_size(users, store_a, in_store, stored, monkeypatch):
    access = access_of(users.a_supervisor, store_a)
    monkeypatch.setattr(batch_services, "_create_one_by_one", no_fallback)
    counts = []
    with in_store(store_a):
        for size in (100, 400):
            rows = _rows(size, users)
            with transaction.atomic(), CaptureQueriesContext(connection) as queries:
                outcomes = services.customer_create_many(rows=rows, access=access)
                transaction.set_rollback(True)
            assert {o.outcome for o in outcomes} == {"created", "duplicate", "invalid"}
            counts.append(len([q for q in queries.captured_queries if not q["sql"].startswith("SET search_path")]))

    assert counts[0] == counts[1]
    # 16: the batch's customer.created events read the new customers back (with their tags) once.
    assert counts[0] <= 16


def test_an_import_batch_costs_the_same_queries_for_100_and_400_rows(
    users, store_a, in_store, stored, monkeypatch, settings, tmp_path
):
    from tenant_apps.imports import services as import_services
    from tenant_apps.imports.services import running as import_running
    from tests.tenant_apps.imports.conftest import csv_stream

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    monkeypatch.setattr(import_running, "SYNC_MAX_ROWS", 1000)
    monkeypatch.setattr(import_running, "BATCH_ROWS", 1000)
    counts = []
    with in_store(store_a):
        for size in (100, 400):
            text = "name,mobile,wechat,channel,tags,owner_email\n" + "".join(
                f"{r['name']},{r.get('mobile', '')},{r.get('wechat_id', '')},{r.get('channel', '')},"
                f"{'VIP' if r.get('tags') else ''},{users.a_sales2.email if r.get('owner') else ''}\n"
                for r in _rows(size, users)
            )
            with transaction.atomic(), CaptureQueriesContext(connection) as queries:
                job = import_services.import_start(
                    kind="customers", file=csv_stream(text), access=access_of(users.a_supervisor)
                )
                transaction.set_rollback(True)
            assert job.status == "done" and job.processed_rows == size
            counts.append(len(queries))

    assert counts[0] == counts[1]


# --- a concurrent writer between the batch's check and its insert ---------------------------------


def test_a_customer_inserted_by_another_connection_after_the_check_makes_its_row_a_duplicate(committed_db, monkeypatch):
    from shared_apps.accounts.models import User
    from tenants.models import Store
    from tests.conftest import STORE_A, user_email

    store = Store.objects.get(subdomain=STORE_A["subdomain"])
    sales = User.objects.get(email=user_email("a_sales"))
    sales2 = User.objects.get(email=user_email("a_sales2"))
    mobiles = ["+8613600136001", "+8613600136002", "+8613600136003"]
    rows = [{"name": f"Batch {i}", "mobile": m} for i, m in enumerate(mobiles)]
    real_bulk_create = Customer.objects.bulk_create
    rival: dict = {}

    def insert_elsewhere():
        try:
            with tenant_context(store):
                rival["customer"] = services.customer_create(
                    data={"name": "Rival", "mobile": mobiles[1]}, access=access_of(sales2)
                )
        finally:
            connections.close_all()

    def bulk_create_after_a_rival(objs, *args, **kwargs):
        if not rival:  # between the check and the insert: another connection takes a mobile number
            thread = threading.Thread(target=insert_elsewhere)
            thread.start()
            thread.join(timeout=30)
        return real_bulk_create(objs, *args, **kwargs)

    monkeypatch.setattr(Customer.objects, "bulk_create", bulk_create_after_a_rival)
    try:
        with tenant_context(store):
            outcomes = services.customer_create_many(rows=rows, access=access_of(sales))
            holders = list(Customer.objects.filter(mobile_normalized__in=mobiles).order_by("mobile_normalized"))

        assert "customer" in rival
        assert [(c.name, c.owner_id) for c in holders] == [
            ("Batch 0", sales.pk),
            ("Rival", sales2.pk),
            ("Batch 2", sales.pk),
        ]
        assert [o.outcome for o in outcomes] == ["created", "duplicate", "created"]
        assert outcomes[1].customer_id == rival["customer"].pk
        assert outcomes[1].error.existing == {"id": rival["customer"].pk, "name": "Rival", "owner": sales2.pk}
        assert list(outcomes[1].error.errors) == ["mobile"]
    finally:
        with tenant_context(store):
            Customer.objects.filter(mobile_normalized__in=mobiles).delete()
