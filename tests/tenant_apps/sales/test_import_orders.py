"""Importing historical orders from CSV / XLSX: rows grouped into orders by external id, customers
matched or created by dual verification, products by SKU, payments and ratings as given,
idempotence, per-row reasons, all-or-nothing orders, the background path and permissions."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from tenant_apps.imports import services as import_services
from tenant_apps.imports.services import running as import_running
from tests.factories import access_of
from tests.factories.sales import make_customer

URL = "/api/v1/orders/import"
SHANGHAI = ZoneInfo("Asia/Shanghai")
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
    return tmp_path


def csv_file(text: str, *, name: str = "orders.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list], name: str = "orders.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, file, mapping=None):
    data = {"file": file}
    if mapping is not None:
        data["mapping"] = json.dumps(mapping, ensure_ascii=False)
    return client.post(URL, data, format="multipart", HTTP_ACCEPT_LANGUAGE="en")


def outcomes(response) -> list[str]:
    return [row["outcome"] for row in response.json()["rows"]]


def messages(response) -> list[str]:
    return [row["message"] for row in response.json()["rows"]]


def state(in_store, store) -> dict:
    """Everything an import writes, counted."""
    from tenant_apps.customers.models import Customer
    from tenant_apps.finance.models import Payment
    from tenant_apps.outbox.models import OutboxEvent
    from tenant_apps.sales.models import Order, OrderEvent, OrderLine

    with in_store(store):
        return {
            "orders": Order.objects.count(),
            "lines": OrderLine.objects.count(),
            "events": OrderEvent.objects.count(),
            "payments": Payment.objects.count(),
            "customers": Customer.objects.count(),
            "outbox": OutboxEvent.objects.count(),
        }


def orders_of(in_store, store) -> list:
    from tenant_apps.sales.models import Order

    with in_store(store):
        return list(Order.objects.order_by("external_id").prefetch_related("lines", "events", "payments"))


TWO_LINE_ORDER = HEADER + (
    "H-1,13800138000,,张三贸易,浙江,tmall,pc,TP-1210,10,95.50,2025-03-01 10:00,completed,2025-03-05 16:00,"
    "prepaid,1355.00,5\n"
    "H-1,13800138000,,张三贸易,浙江,tmall,pc,TP-1111,2,200.00,2025-03-01 10:00,completed,2025-03-05 16:00,"
    "prepaid,1355.00,5\n"
)


# --- mapping and grouping -------------------------------------------------------------------


def test_rows_sharing_an_external_id_become_one_order_with_its_lines(api, users, store_a, in_store, catalogue):
    response = upload(api(users.a_admin, store_a), csv_file(TWO_LINE_ORDER))

    assert response.status_code == 200, response.content
    assert outcomes(response) == ["created", "created"]
    [order] = orders_of(in_store, store_a)
    assert order.external_id == "H-1"
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines.all()] == [
        ("TP-1210", 10, Decimal("95.50")),
        ("TP-1111", 2, Decimal("200.00")),
    ]
    assert order.amount == Decimal("1355.00")
    assert order.list_amount == Decimal("1400.00")
    assert response.json()["rows"][0]["id"] == order.pk


def test_the_order_keeps_the_status_times_channel_device_and_rating_of_the_file(
    api, users, store_a, in_store, catalogue
):
    upload(api(users.a_admin, store_a), csv_file(TWO_LINE_ORDER))

    [order] = orders_of(in_store, store_a)
    assert order.status == "completed"
    assert order.signed_at == datetime(2025, 3, 1, 10, 0, tzinfo=SHANGHAI)
    assert order.completed_at == datetime(2025, 3, 5, 16, 0, tzinfo=SHANGHAI)
    assert order.channel.code == "tmall"
    assert order.device == "pc"
    assert order.payment_mode == "prepaid"
    assert order.rating == 5
    assert [event.kind for event in order.events.all()] == ["imported", "payment"]


def test_collected_becomes_one_confirmed_collection_at_the_completion_time(api, users, store_a, in_store, catalogue):
    upload(api(users.a_admin, store_a), csv_file(TWO_LINE_ORDER))

    [order] = orders_of(in_store, store_a)
    [payment] = order.payments.all()
    assert (payment.kind, payment.status, payment.amount) == ("collection", "confirmed", Decimal("1355.00"))
    assert payment.confirmed_at == order.completed_at
    assert order.collected == Decimal("1355.00")
    assert order.fully_collected_at == order.completed_at


def test_each_imported_order_is_published_to_the_outbox(api, users, store_a, in_store, catalogue):
    from tenant_apps.outbox.models import OutboxEvent

    upload(api(users.a_admin, store_a), csv_file(TWO_LINE_ORDER))

    [order] = orders_of(in_store, store_a)
    with in_store(store_a):
        assert OutboxEvent.objects.filter(topic="order", entity_id=order.pk).count() == 1


def test_order_level_columns_may_be_given_on_the_first_line_only(api, users, store_a, in_store, catalogue):
    text = HEADER + (
        "H-2,13800138000,,张三,,,,TP-1210,1,100.00,2025-04-01,pending_collection,,prepaid,,\n"
        "H-2,,,,,,,TP-1111,1,200.00,,,,,,\n"
    )

    response = upload(api(users.a_admin, store_a), csv_file(text))

    assert outcomes(response) == ["created", "created"]
    [order] = orders_of(in_store, store_a)
    assert order.amount == Decimal("300.00")
    assert order.status == "pending_collection"


def test_lines_that_disagree_on_an_order_column_refuse_the_order(api, users, store_a, in_store, catalogue):
    text = HEADER + (
        "H-3,13800138000,,张三,,,,TP-1210,1,100.00,2025-04-01,pending_collection,,prepaid,,\n"
        "H-3,13800138000,,张三,,,,TP-1111,1,200.00,2025-04-02,pending_collection,,prepaid,,\n"
    )

    response = upload(api(users.a_admin, store_a), csv_file(text))

    assert outcomes(response) == ["invalid", "invalid"]
    assert "differs" in messages(response)[1]
    assert orders_of(in_store, store_a) == []


def test_chinese_headers_and_labels_in_a_gbk_csv_are_understood(api, users, store_a, in_store, catalogue):
    text = (
        "外部单号,客户手机,客户名称,省份,渠道,设备,商品编码,数量,单价,签约时间,状态,完成时间,付款方式,已收款,评分\n"
        "GBK-1,13800138000,李四物流,江苏,天猫,手机,TP-1210,5,100,2025/3/1 9:30,已完成,2025/3/8,账期,500,4星\n"
    )

    response = upload(api(users.a_admin, store_a), csv_file(text, encoding="gbk"))

    assert outcomes(response) == ["created"], messages(response)
    [order] = orders_of(in_store, store_a)
    assert (order.status, order.payment_mode, order.device, order.channel.code, order.rating) == (
        "completed",
        "credit",
        "mobile",
        "tmall",
        4,
    )
    assert order.customer.name == "李四物流"
    assert order.customer.province == "江苏"


def test_an_xlsx_file_with_dates_and_numbers_as_cells_is_imported(api, users, store_a, in_store, catalogue):
    rows = [
        ["external_id", "customer_mobile", "customer_name", "sku", "quantity", "unit_price", "signed_at", "status"],
        ["X-1", 13800138000, "王五", "TP-1210", 3, 99.5, datetime(2025, 5, 6, 14, 0), "pending_collection"],
    ]

    response = upload(api(users.a_admin, store_a), xlsx_file(rows))

    assert outcomes(response) == ["created"], messages(response)
    [order] = orders_of(in_store, store_a)
    assert order.amount == Decimal("298.50")
    assert order.signed_at == datetime(2025, 5, 6, 14, 0, tzinfo=SHANGHAI)


def test_a_credit_order_without_due_date_is_due_thirty_days_after_signing(api, users, store_a, in_store, catalogue):
    text = HEADER + "C-1,13800138000,,张三,,,,TP-1210,1,100.00,2025-04-01 23:30,pending_outbound,,credit,,\n"

    upload(api(users.a_admin, store_a), csv_file(text))

    [order] = orders_of(in_store, store_a)
    assert order.due_date == date(2025, 5, 1)


# --- customers ------------------------------------------------------------------------------


def test_an_existing_customer_is_matched_by_a_mobile_number_typed_differently(api, users, store_a, in_store, catalogue):
    with in_store(store_a):
        existing = make_customer(
            name="老客户", owner=users.a_sales, mobile="13800138000", mobile_normalized="+8613800138000"
        )
    before = state(in_store, store_a)["customers"]
    text = HEADER + "M-1,+86 138-0013-8000,,另一个名字,,,,TP-1210,1,100.00,2025-04-01,pending_collection,,prepaid,,\n"

    response = upload(api(users.a_admin, store_a), csv_file(text))

    assert outcomes(response) == ["created"]
    [order] = orders_of(in_store, store_a)
    assert order.customer_id == existing.pk
    assert order.owner_id == users.a_sales.pk
    assert state(in_store, store_a)["customers"] == before


def test_an_existing_customer_is_matched_by_wechat_id(api, users, store_a, in_store, catalogue):
    with in_store(store_a):
        existing = make_customer(name="微信客户", owner=users.a_sales2, wechat_id="wx_kehu")
    text = HEADER + "W-1,,wx_kehu,,,,,TP-1210,1,100.00,2025-04-01,pending_collection,,prepaid,,\n"

    upload(api(users.a_admin, store_a), csv_file(text))

    [order] = orders_of(in_store, store_a)
    assert order.customer_id == existing.pk


def test_two_orders_of_an_unknown_customer_create_one_customer(api, users, store_a, in_store, catalogue):
    before = state(in_store, store_a)["customers"]
    text = HEADER + (
        "N-1,13900139000,,新客户,广东,,,TP-1210,1,100.00,2025-04-01,pending_collection,,prepaid,,\n"
        "N-2,139 0013 9000,,新客户,广东,,,TP-1210,2,100.00,2025-04-02,pending_collection,,prepaid,,\n"
    )

    response = upload(api(users.a_admin, store_a), csv_file(text))

    assert outcomes(response) == ["created", "created"]
    first, second = orders_of(in_store, store_a)
    assert first.customer_id == second.customer_id
    assert first.customer.mobile_normalized == "+8613900139000"
    assert state(in_store, store_a)["customers"] == before + 1


def test_an_unknown_customer_without_a_name_refuses_the_order(api, users, store_a, in_store, catalogue):
    text = HEADER + "N-3,13900139000,,,,,,TP-1210,1,100.00,2025-04-01,pending_collection,,prepaid,,\n"

    response = upload(api(users.a_admin, store_a), csv_file(text))

    assert outcomes(response) == ["invalid"]
    assert "give a name" in messages(response)[0]
    assert state(in_store, store_a)["orders"] == 0


# --- idempotence ----------------------------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing_and_reports_unchanged(api, users, store_a, in_store, catalogue):
    client = api(users.a_admin, store_a)
    upload(client, csv_file(TWO_LINE_ORDER))
    after_first = state(in_store, store_a)

    response = upload(client, csv_file(TWO_LINE_ORDER))

    assert outcomes(response) == ["skipped", "skipped"]
    assert all(message.startswith("Unchanged") for message in messages(response))
    assert state(in_store, store_a) == after_first


# --- bad rows -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("B,13800138000,,张三,,,,TP-1210,1,100.00,2025-13-45,pending_collection,,prepaid,,", "Signed at"),
        ("B,13800138000,,张三,,,,TP-1210,0,100.00,2025-04-01,pending_collection,,prepaid,,", "Quantity"),
        ("B,13800138000,,张三,,,,TP-1210,-3,100.00,2025-04-01,pending_collection,,prepaid,,", "Quantity"),
        ("B,13800138000,,张三,,,,TP-1210,1,100.005,2025-04-01,pending_collection,,prepaid,,", "2 decimal"),
        ("B,13800138000,,张三,,,,NOPE,1,100.00,2025-04-01,pending_collection,,prepaid,,", "Unknown SKU"),
        ("B,13800138000,,张三,,,,TP-1210,1,100.00,2025-04-01,shipped-ish,,prepaid,,", "Unknown status"),
        ("B,13800138000,,张三,,,,TP-1210,1,100.00,2025-04-01,completed,2025-04-03,prepaid,150.00,", "more than"),
        ("B,13800138000,,张三,,,,TP-1210,1,100.00,2025-04-01,completed,2025-04-03,prepaid,50.00,", "fully collected"),
        ("B,13800138000,,张三,,,,TP-1210,1,100.00,2025-04-01,completed,,prepaid,100.00,", "completion time"),
        ("B,13800138000,,张三,,,,TP-1210,1,100.00,2025-04-01,pending_outbound,,prepaid,,", "fully collected"),
        ("B,13800138000,,张三,,,,TP-1210,1,100.00,2025-04-01,pending_collection,,prepaid,,9", "1 to 5"),
        ("B,13800138000,,张三,,,,TP-1210,1,100.00,2025-04-01,pending_collection,,prepaid,,5", "completed order"),
        ("B,12345,,张三,,,,TP-1210,1,100.00,2025-04-01,pending_collection,,prepaid,,", "valid mobile"),
        (",13800138000,,张三,,,,TP-1210,1,100.00,2025-04-01,pending_collection,,prepaid,,", "External ID"),
        ("B,,,张三,,,,TP-1210,1,100.00,2025-04-01,pending_collection,,prepaid,,", "WeChat ID is required"),
        ("B,13800138000,,张三,,nowhere,,TP-1210,1,100.00,2025-04-01,pending_collection,,prepaid,,", "Unknown channel"),
        ("B,13800138000,,张三,,,,TP-1210,1,100.00,2099-04-01,pending_collection,,prepaid,,", "future"),
        ("B,13800138000,,张三,,,,TP-1210,1,100.00,2025-04-01,cancelled,,prepaid,10.00,", "cancelled"),
    ],
)
def test_a_bad_row_is_refused_with_its_reason_and_writes_nothing(api, users, store_a, in_store, catalogue, row, reason):
    before = state(in_store, store_a)

    response = upload(api(users.a_admin, store_a), csv_file(HEADER + row + "\n"))

    assert response.status_code == 200
    assert outcomes(response) == ["invalid"]
    assert reason in messages(response)[0]
    assert state(in_store, store_a) == before


def test_one_invalid_line_refuses_its_whole_order_but_not_the_others(api, users, store_a, in_store, catalogue):
    text = HEADER + (
        "P-1,13800138000,,张三,,,,TP-1210,1,100.00,2025-04-01,pending_collection,,prepaid,,\n"
        "P-1,13800138000,,张三,,,,NOPE,1,100.00,2025-04-01,pending_collection,,prepaid,,\n"
        "P-2,13800138000,,张三,,,,TP-1111,1,200.00,2025-04-02,pending_collection,,prepaid,,\n"
    )

    response = upload(api(users.a_admin, store_a), csv_file(text))

    assert outcomes(response) == ["invalid", "invalid", "created"]
    assert "line 2" in messages(response)[0]
    assert "Unknown SKU NOPE" in messages(response)[1]
    assert [order.external_id for order in orders_of(in_store, store_a)] == ["P-2"]


# --- background path ------------------------------------------------------------------------


def test_a_large_file_is_imported_in_the_background_with_orders_spanning_batches(
    api, users, store_a, in_store, catalogue, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(import_running, "SYNC_MAX_ROWS", 2)
    monkeypatch.setattr(import_running, "BATCH_ROWS", 3)
    # Orders of 2 lines each: the second order straddles the first and second batch; L-9 has one
    # line at the start of the file and one at its end.
    rows = ["L-9,13800138000,,张三,,,,TP-1111,1,200.00,2025-04-09,pending_collection,,prepaid,,"]
    for n in range(1, 4):
        for sku in ("TP-1210", "TP-1111"):
            rows.append(f"L-{n},13800138000,,张三,,,,{sku},1,100.00,2025-04-0{n},pending_collection,,prepaid,,")
    rows.append("L-9,13800138000,,张三,,,,TP-1210,1,100.00,2025-04-09,pending_collection,,prepaid,,")

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api(users.a_admin, store_a), csv_file(HEADER + "\n".join(rows) + "\n"))

    assert response.status_code == 202
    polled = api(users.a_admin, store_a).get(response.json()["url"]).json()
    assert polled["status"] == "done"
    assert polled["outcome_counts"] == {"created": 8}
    orders = orders_of(in_store, store_a)
    assert [(o.external_id, o.lines.count(), o.amount) for o in orders] == [
        ("L-1", 2, Decimal("200.00")),
        ("L-2", 2, Decimal("200.00")),
        ("L-3", 2, Decimal("200.00")),
        ("L-9", 2, Decimal("300.00")),
    ]


# --- permission and page --------------------------------------------------------------------


def test_a_salesperson_may_not_import_orders(api, users, store_a, in_store, catalogue):
    response = upload(api(users.a_sales, store_a), csv_file(TWO_LINE_ORDER))

    assert response.status_code == 403
    assert state(in_store, store_a)["orders"] == 0


def test_the_import_page_imports_a_small_file_and_shows_each_row(page_client, users, store_a, in_store, catalogue):
    client = page_client(users.a_admin, store_a)

    response = client.post("/sales/orders/import/", {"file": csv_file(TWO_LINE_ORDER)}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert b'data-testid="import-done"' in response.content
    assert len(orders_of(in_store, store_a)) == 1


def test_the_import_page_is_refused_to_a_salesperson(page_client, users, store_a):
    response = page_client(users.a_sales, store_a).get("/sales/orders/import/")

    assert response.status_code in (403, 404)


def test_without_the_prescan_later_lines_of_an_order_already_written_are_refused(
    users, store_a, in_store, catalogue, monkeypatch
):
    from tenant_apps.sales import importing

    importing.register()
    monkeypatch.setattr(import_running, "BATCH_ROWS", 2)
    text = HEADER + (
        "S-1,13800138000,,张三,,,,TP-1210,1,100.00,2025-04-01,pending_collection,,prepaid,,\n"
        "S-2,13800138000,,张三,,,,TP-1210,1,100.00,2025-04-01,pending_collection,,prepaid,,\n"
        "S-2,13800138000,,张三,,,,TP-1111,1,200.00,2025-04-01,pending_collection,,prepaid,,\n"
    )
    with in_store(store_a), translation.override("en"):
        access = access_of(users.a_admin, store_a)
        job = import_services.import_start(kind="orders", file=csv_file(text), access=access)

    assert [row["outcome"] for row in job.row_results] == ["created", "created", "invalid"]
    assert "keep the lines of an order together" in job.row_results[2]["message"]
