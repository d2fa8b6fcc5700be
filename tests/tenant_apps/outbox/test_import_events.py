"""Imports emit their events: every customer and order an import creates writes one
``customer.created`` / ``order.created`` row (``outbox.services.emit_many``) carrying the object as
the API shows it, which is also the row HQ drains (no second topic row); refused rows write none."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from tenant_apps.customers import services as customer_services
from tenant_apps.customers.services import imports as customer_batches
from tenant_apps.imports import services as import_services
from tenant_apps.outbox import services as outbox
from tenant_apps.outbox.models import OutboxEvent
from tests.factories import access_of
from tests.factories.sales import make_category, make_product
from tests.tenant_apps.imports.conftest import csv_stream

pytestmark = pytest.mark.django_db

# Fields of the API's answer that depend on who reads it (costs) or that only the detail adds.
READER_DEPENDENT = {
    "summary",
    "timeline",
    "allowed_transitions",
    "panels",
    "deliveries",
    "events",
    "actions",
    "cost",
    "gross_profit",
    "gross_margin",
    "lines_without_cost",
    "merged",
}
ORDERS_URL = "/api/v1/orders/import"
HEADER = (
    "external_id,customer_mobile,customer_wechat_id,customer_name,province,channel,device,sku,quantity,"
    "unit_price,signed_at,status,completed_at,payment_mode,collected,rating\n"
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


@pytest.fixture
def catalogue(store_a, in_store):
    with in_store(store_a):
        category = make_category("托盘")
        make_product(sku="TP-1210", name="九脚塑料托盘 1200×1000", list_price="100.00", category=category)
        make_product(sku="TP-1111", name="川字塑料托盘 1100×1100", list_price="200.00", category=category)


def upload(client, text: str):
    file = SimpleUploadedFile("orders.csv", text.encode("utf-8"), content_type="text/csv")
    return client.post(ORDERS_URL, {"file": file}, format="multipart", HTTP_ACCEPT_LANGUAGE="en")


def _last_id() -> int:
    return OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _after(last: int, **filters) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(pk__gt=last, **filters).order_by("id"))


def _as_the_api_shows_it(api, user, store, path: str, data: dict) -> None:
    response = api(user, store).get(path)
    assert response.status_code == 200, response.content
    shown = response.json()
    if isinstance(shown.get("lines"), list):
        shown["lines"] = [{k: v for k, v in line.items() if k != "unit_cost"} for line in shown["lines"]]
    assert {key: data[key] for key in data if key in shown} == {key: shown[key] for key in data if key in shown}
    assert set(shown) - READER_DEPENDENT <= set(data)


# --- emit_many --------------------------------------------------------------------------------


def test_emit_many_writes_the_rows_emit_writes_in_one_insert(store_a, in_store):
    with in_store(store_a):
        single = outbox.emit("order.created", entity="order", entity_id=1, data={"id": 1, "n": "1.50"}, topic="order")
        last = _last_id()
        with CaptureQueriesContext(connection) as queries:
            rows = outbox.emit_many(
                "order.created",
                entity="order",
                topic="order",
                data_by_id={2: {"id": 2, "n": "2.50"}, 3: {"id": 3, "n": "3.50"}},
            )
        inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
        assert len(inserts) == 1
        written = _after(last)
        assert [row.pk for row in rows] == [row.pk for row in written]
        columns = ("topic", "type", "entity", "payload", "drained_at")
        for row in written:
            assert [getattr(row, c) for c in columns] == [getattr(single, c) for c in columns]
            assert row.data == {"id": row.entity_id, "n": f"{row.entity_id}.50"}
            assert row.txid == OutboxEvent.objects.get(pk=single.pk).txid  # the same transaction
        assert len({row.event_id for row in written} | {single.event_id}) == 3


def test_emit_many_without_a_topic_is_never_pending_for_hq(store_a, in_store):
    with in_store(store_a):
        last = _last_id()
        outbox.emit_many("customer.created", entity="customer", data_by_id={5: {"id": 5}})
        [row] = _after(last)
        assert (row.topic, row.type, row.entity, row.entity_id) == ("", "customer.created", "customer", 5)
        assert row.drained_at is not None


def test_emit_many_wakes_the_consumers_once_after_the_commit(store_a, in_store, django_capture_on_commit_callbacks):
    with in_store(store_a), django_capture_on_commit_callbacks() as callbacks:
        outbox.emit_many("customer.created", entity="customer", data_by_id={1: {"id": 1}, 2: {"id": 2}})
        outbox.emit_many("order.created", entity="order", data_by_id={1: {"id": 1}})
        outbox.emit("order.cancelled", entity="order", entity_id=1, data={"id": 1})

    # once: the consumers woken
    assert [callback.key[0] for callback in callbacks] == [outbox._wake]


def test_events_for_hq_alone_wake_no_consumer(store_a, in_store, django_capture_on_commit_callbacks):
    with in_store(store_a), django_capture_on_commit_callbacks() as callbacks:
        outbox.publish(topic="customer", entity_id=1)
        outbox.publish_many(topic="customer", entity_ids=[2, 3])

    assert callbacks == []  # the drain's probe finds them


def test_emit_many_of_nothing_writes_nothing(store_a, in_store, django_capture_on_commit_callbacks):
    with in_store(store_a), django_capture_on_commit_callbacks() as callbacks:
        last = _last_id()
        assert outbox.emit_many("customer.created", entity="customer", data_by_id={}) == []
        assert _after(last) == []
    assert callbacks == []


# --- the customer import ----------------------------------------------------------------------

CUSTOMERS = (
    "name,mobile,wechat,channel,tags\n"
    "甲贸易,13900000001,wx-a,jd,VIP\n"
    ",123,,,\n"  # invalid: no name
    "乙贸易,13900000002,,tmall,\n"
    "丙贸易,13900000001,,,\n"  # duplicate of the first row
    "丁贸易,,wx-d,,VIP\n"
)


def test_a_customer_import_writes_one_created_event_per_new_customer(api, users, store_a, in_store):
    with in_store(store_a):
        customer_services.tag_create(name="VIP", access=access_of(users.a_admin))
        last = _last_id()
        job = import_services.import_start(
            kind="customers", file=csv_stream(CUSTOMERS), access=access_of(users.a_supervisor)
        )
        created = [row["id"] for row in job.row_results if row["outcome"] == "created"]
        assert [row["outcome"] for row in job.row_results] == [
            "created",
            "invalid",
            "created",
            "duplicate",
            "created",
        ], job.row_results
        events = _after(last, type="customer.created")
        hq_rows = _after(last, topic="customer")
    assert [(e.entity, e.entity_id) for e in events] == [("customer", pk) for pk in created]
    # the same rows are HQ's facts: one per customer, as customer_create writes
    assert [e.pk for e in hq_rows] == [e.pk for e in events]
    for event in events:
        assert event.data["id"] == event.entity_id and event.drained_at is None
        _as_the_api_shows_it(api, users.a_admin, store_a, f"/api/v1/customers/{event.entity_id}", event.data)
    assert events[0].data["channel"] == "jd" and events[0].data["tags"] == ["VIP"]


def test_a_customer_import_of_refused_rows_writes_no_event(users, store_a, in_store):
    text = "name,mobile,wechat\n,123,\n,,wx-z\n"
    with in_store(store_a):
        last = _last_id()
        job = import_services.import_start(
            kind="customers", file=csv_stream(text), access=access_of(users.a_supervisor)
        )
        assert {row["outcome"] for row in job.row_results} == {"invalid"}
        assert _after(last) == []


def test_a_batch_rolled_back_after_its_events_leaves_one_event_per_customer(store_a, users, in_store, monkeypatch):
    """A batch that collides with a concurrent write is created again row by row: the events the
    bulk insert wrote roll back with it, and each customer ends with exactly one."""
    real = outbox.emit_many
    calls = []

    def collide_once(*args, **kwargs):
        real(*args, **kwargs)
        calls.append(kwargs["data_by_id"])
        if len(calls) == 1:
            raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(customer_batches, "emit_many", collide_once)
    rows = [{"name": "甲", "mobile": "13900000011"}, {"name": "乙", "mobile": "13900000012"}]
    with in_store(store_a):
        last = _last_id()
        outcomes = customer_services.customer_create_many(rows=rows, access=access_of(users.a_admin))
        events = _after(last)
    assert len(calls) == 1
    assert [(e.type, e.topic, e.entity_id) for e in events] == [
        ("customer.created", "customer", o.customer_id) for o in outcomes
    ]


# --- the order import -------------------------------------------------------------------------

ORDERS = HEADER + (
    "H-1,13800138000,,张三贸易,浙江,tmall,pc,TP-1210,10,95.50,2025-03-01 10:00,completed,2025-03-05 16:00,"
    "prepaid,1355.00,5\n"
    "H-1,13800138000,,张三贸易,浙江,tmall,pc,TP-1111,2,200.00,2025-03-01 10:00,completed,2025-03-05 16:00,"
    "prepaid,1355.00,5\n"
    "H-2,13800138099,,李四商行,江苏,jd,mobile,TP-1111,1,180.00,2025-03-02 09:00,pending_collection,,prepaid,,\n"
    "H-3,13800138000,,张三贸易,浙江,tmall,pc,NO-SUCH-SKU,1,10.00,2025-03-03 09:00,completed,,prepaid,,\n"
)


def test_an_order_import_writes_one_created_event_per_order(api, users, store_a, in_store, catalogue):
    with in_store(store_a):
        last = _last_id()

    response = upload(api(users.a_admin, store_a), ORDERS)

    assert response.status_code == 200, response.content
    rows = response.json()["rows"]
    assert [row["outcome"] for row in rows] == ["created", "created", "created", "invalid"]
    order_ids = list(dict.fromkeys(row["id"] for row in rows if row["outcome"] == "created"))
    with in_store(store_a):
        orders = _after(last, type="order.created")
        hq_orders = _after(last, topic="order")
        customers = _after(last, type="customer.created")
        from tenant_apps.sales.models import Order

        customer_ids = sorted(set(Order.objects.filter(pk__in=order_ids).values_list("customer_id", flat=True)))
    assert [(e.entity, e.entity_id) for e in orders] == [("order", pk) for pk in order_ids]
    assert [e.pk for e in hq_orders] == [e.pk for e in orders]
    # the two customers the file named were unknown: created by the import, one event each
    assert sorted(e.entity_id for e in customers) == customer_ids and len(customer_ids) == 2
    for event in orders:
        _as_the_api_shows_it(api, users.a_admin, store_a, f"/api/v1/orders/{event.entity_id}", event.data)
    first = orders[0].data
    assert [line["sku"] for line in first["lines"]] == ["TP-1210", "TP-1111"]
    assert first["collected"] == "1355.00" and first["status"] == "completed"
    assert "unit_cost" not in first["lines"][0] and "cost" not in first


def test_an_order_import_of_refused_rows_writes_no_event(api, users, store_a, in_store, catalogue):
    text = HEADER + "H-9,13800138077,,王五,,,,NO-SUCH-SKU,1,10.00,2025-03-03 09:00,completed,,prepaid,,\n"
    with in_store(store_a):
        last = _last_id()

    response = upload(api(users.a_admin, store_a), text)

    assert [row["outcome"] for row in response.json()["rows"]] == ["invalid"]
    with in_store(store_a):
        assert _after(last) == []
