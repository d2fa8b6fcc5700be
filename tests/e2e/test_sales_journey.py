"""The sales journey in a real browser, one role per browser context: a salesperson quotes below
the approval threshold and submits, the supervisor approves, the salesperson signs a prepaid
order, finance records and confirms the full collection with a voucher, the warehouse sends the
goods out and ships them, the salesperson records receipt; the order's timeline names each actor.

Also holds the helpers the other journeys of the new modules share: a browser context per user,
store rows made in a plain thread, and the removal of every store row a journey leaves behind.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.conftest import in_plain_thread, remove_rows_after, store_row_marks, user_email
from tests.e2e.conftest import run_in_thread, share_the_clock
from tests.e2e.test_journeys import sign_in

pytestmark = pytest.mark.e2e

STORE = "alpha"


def in_alpha(function: Callable):
    """Run ``function()`` with store alpha's schema active in a plain thread; return its result."""
    result = {}

    def target():
        from django_tenants.utils import tenant_context

        from tenants.models import Store

        with tenant_context(Store.objects.get(subdomain=STORE)):
            result["value"] = function()

    run_in_thread(target)
    return result.get("value")


def user_id(key: str) -> int:
    def get():
        from shared_apps.accounts.models import User

        return User.objects.get(email=user_email(key)).pk

    value = {}
    run_in_thread(lambda: value.setdefault("pk", get()))
    return value["pk"]


def status_label(model_label: str, value: str) -> str:
    """The label a zh-CN browser sees for a status (translated or not yet)."""
    from django.apps import apps
    from django.utils import translation

    model = apps.get_model(model_label)
    with translation.override("zh-hans"):
        return str(model.Status(value).label)


def fetch(page, url: str) -> dict:
    """GET ``url`` from the page (its cookies, Chromium's resolver): status, content type and the
    first 8 bytes of the body."""
    result = page.evaluate(
        """async (url) => {
            const response = await fetch(url, {credentials: "same-origin"});
            const body = new Uint8Array(await response.arrayBuffer());
            return {status: response.status, type: response.headers.get("content-type"),
                    head: Array.from(body.slice(0, 8))};
        }""",
        url,
    )
    return {**result, "head": bytes(result["head"])}


def tiny_png() -> bytes:
    """A valid 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def removing_new_store_rows():
    """Generator behind the ``store_rows`` fixtures: every row a journey adds to the session's store
    schemas is removed afterwards, with the files its rows point to (the server thread commits
    them; the session's stores and users stay)."""
    marks = in_plain_thread(store_row_marks)
    yield
    in_plain_thread(lambda: remove_rows_after(marks))


def signed_in_pages(browser, site):
    """Generator behind the ``as_user`` fixtures: ``as_user("a_finance", "/finance/")`` is a fresh
    zh-CN browser context signed in on store alpha (or on the HQ host with ``hq=True``), on
    ``path``. Requests must stay on the app's hosts."""
    contexts = []
    outside: list[str] = []

    def open_page(key: str, path: str = "/", *, hq: bool = False):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860})
        share_the_clock(context)
        context.set_default_timeout(15_000)
        context.on("request", lambda r: outside.append(r.url) if not site.is_local(r.url) else None)
        contexts.append(context)
        page = context.new_page()
        url = site.hq if hq else (lambda p: site.store(STORE, p))
        page.goto(url(f"/login/?next={quote(path, safe='/')}"))
        sign_in(page, user_email(key))
        expect(page).to_have_url(url(path))
        return page

    yield open_page
    for context in contexts:
        for page in context.pages:
            page.wait_for_load_state("networkidle")
        context.close()
    assert outside == [], f"requests left the app: {outside}"


# --- the journey ----------------------------------------------------------------------------------


@pytest.fixture
def quotable(store_rows):
    """A customer of a_sales and a product listed at 100.00."""
    owner = user_id("a_sales")

    def make():
        from shared_apps.accounts.models import User
        from tests.factories.sales import make_customer, make_product

        customer = make_customer(name="宁波托盘 E2E", owner=User.objects.get(pk=owner))
        product = make_product(sku="E2E-PAL-1210", name="川字托盘 1210", list_price="100.00")
        return {"customer": customer.pk, "product": product.pk}

    return in_alpha(make)


def pick(form, input_id: str, text: str, record_id: int) -> None:
    """Choose a record in a remote picker: type, then click its option."""
    form.locator(f"#{input_id}").fill(text)
    form.locator(f"#{input_id}-list [data-id='{record_id}']").click()
    expect(form.locator(f"#{input_id}")).not_to_have_value(text)


def test_quotation_to_completed_order_through_every_role(quotable, as_user, site, screenshot_path):
    labels = {
        "pending_approval": status_label("sales.Quotation", "pending_approval"),
        "approved": status_label("sales.Quotation", "approved"),
        "pending_collection": status_label("sales.Order", "pending_collection"),
        "pending_outbound": status_label("sales.Order", "pending_outbound"),
        "completed": status_label("sales.Order", "completed"),
    }

    # The salesperson quotes 80 % of the list price: the editor says a supervisor must approve.
    sales = as_user("a_sales", "/sales/quotations/new/")
    form = sales.get_by_test_id("quotation-form")
    pick(form, "id_customer", "宁波托盘", quotable["customer"])
    form.locator("input[name=valid_until]").fill((date.today() + timedelta(days=30)).isoformat())
    pick(form, "product-0", "E2E-PAL", quotable["product"])
    form.locator("input[name=quantity_0]").fill("10")
    form.locator("input[name=unit_price_0]").fill("80")
    preview = sales.get_by_test_id("quotation-preview")
    expect(preview.get_by_test_id("preview-approval")).to_be_visible()
    expect(preview.get_by_test_id("preview-amount")).to_have_text("¥800.00")
    expect(preview.get_by_test_id("preview-rate")).to_contain_text(re.compile(r"0?\.8|80"))
    with sales.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(sales).to_have_url(re.compile(r"/sales/quotations/\d+/$"))
    quotation_url = sales.url
    quotation_path = quotation_url.split(str(site.port), 1)[1]

    pdf = fetch(sales, f"{quotation_path}pdf/")
    assert pdf["status"] == 200
    assert pdf["type"] == "application/pdf"
    assert pdf["head"][:4] == b"%PDF"

    with sales.expect_navigation():
        sales.get_by_test_id("quotation-submit").click()
    expect(sales.get_by_test_id("quotation-status")).to_have_text(labels["pending_approval"])

    # The supervisor approves it on the quotation page.
    supervisor = as_user("a_supervisor", quotation_path)
    supervisor.fill("#id_comment", "同意，老客户")
    with supervisor.expect_navigation():
        supervisor.get_by_test_id("quotation-approve").click()
    expect(supervisor.get_by_test_id("quotation-status")).to_have_text(labels["approved"])

    # The salesperson signs a prepaid order from it.
    sales.reload()
    order_form = sales.get_by_test_id("order-from-quotation")
    order_form.locator("select[name=payment_mode]").select_option("prepaid")
    with sales.expect_navigation():
        order_form.locator("button[type=submit]").click()
    expect(sales).to_have_url(re.compile(r"/sales/orders/\d+/$"))
    order_path = sales.url.split(str(site.port), 1)[1]
    order_id = int(order_path.strip("/").rsplit("/", 1)[1])
    number = sales.get_by_test_id("order-number").inner_text().strip()
    expect(sales.get_by_test_id("order-status")).to_have_text(labels["pending_collection"])

    # The salesperson records the full collection with a voucher; finance (someone other than who
    # recorded it: four eyes) confirms it in the finance centre.
    sales.goto(site.store(STORE, f"/finance/orders/{order_id}/payments/new/"))
    payment = sales.get_by_test_id("payment-form")
    payment.locator("select[name=kind]").select_option("collection")
    payment.locator("input[name=amount]").fill("800.00")
    payment.locator("select[name=method]").select_option("bank_transfer")
    payment.locator("input[name=voucher]").set_input_files(
        files=[{"name": "回单.png", "mimeType": "image/png", "buffer": tiny_png()}]
    )
    with sales.expect_navigation():
        payment.locator("button[type=submit]").click()
    expect(sales.locator(".alert-success")).to_be_visible()

    finance = as_user("a_finance", f"/finance/?status=pending&q={number}")
    row = finance.get_by_test_id("payments-table").locator("tbody tr[data-payment]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("¥800.00")
    expect(row.get_by_role("link", name="回单.png")).to_be_visible()
    voucher = fetch(finance, row.get_by_role("link", name="回单.png").get_attribute("href"))
    assert voucher["status"] == 200
    assert voucher["head"] == b"\x89PNG\r\n\x1a\n"
    row.get_by_test_id("confirm").click()
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "confirmed")

    finance.goto(site.store(STORE, order_path))
    expect(finance.get_by_test_id("order-status")).to_have_text(labels["pending_outbound"])

    # The warehouse sends the goods out and ships them.
    warehouse = as_user("a_warehouse", order_path)
    with warehouse.expect_navigation():
        warehouse.get_by_test_id("move-pending_delivery").locator("button[type=submit]").click()
    ship = warehouse.get_by_test_id("move-pending_receipt")
    ship.locator("select[name=carrier]").select_option("SF")
    ship.locator("input[name=tracking_number]").fill("SF1234567890")
    with warehouse.expect_navigation():
        ship.locator("button[type=submit]").click()
    expect(warehouse.locator("body")).to_contain_text("SF1234567890")
    expect(warehouse.get_by_test_id("order-deliveries")).to_contain_text("顺丰速运")

    # The salesperson records receipt: completed.
    sales.goto(site.store(STORE, order_path))
    with sales.expect_navigation():
        sales.get_by_test_id("move-completed").locator("button[type=submit]").click()
    expect(sales.get_by_test_id("order-status")).to_have_text(labels["completed"])

    timeline = sales.get_by_test_id("order-timeline").locator("li")
    steps = [
        ("pending_outbound", None),
        ("pending_delivery", "A Warehouse"),
        ("pending_receipt", "A Warehouse"),
        ("completed", "A Sales"),
    ]
    for to, actor in steps:
        item = timeline.filter(has_text=re.compile(rf"→ ({to}|{re.escape(status_label('sales.Order', to))})(?!\w)"))
        expect(item).to_have_count(1)
        if actor:
            expect(item).to_contain_text(actor)
    expect(timeline.first).to_contain_text("A Sales")
    expect(timeline.filter(has_text="A Finance")).not_to_have_count(0)
    sales.screenshot(path=screenshot_path("e2e-sales-order"), full_page=True)

    def figures():
        from tenant_apps.sales.models import Order

        order = Order.objects.get(pk=order_id)
        return order.status, order.collected

    assert in_alpha(figures) == ("completed", Decimal("800.00"))


@pytest.fixture
def collectable_order(store_rows):
    """A prepaid order of a_sales for 500.00, pending collection."""
    owner = user_id("a_sales")

    def make():
        from shared_apps.accounts.models import User
        from tenant_apps.sales.models import Order
        from tests.factories.sales import make_customer, make_order, make_product

        sales = User.objects.get(pk=owner)
        order = make_order(
            customer=make_customer(name="面板客户 E2E", owner=sales),
            owner=sales,
            lines=[(make_product(sku="E2E-PANEL-1", list_price="500.00"), 1, "500.00")],
            status=Order.Status.PENDING_COLLECTION,
            payment_mode=Order.PaymentMode.PREPAID,
        )
        return order.pk

    return in_alpha(make)


def test_finance_records_a_collection_from_the_order_page(collectable_order, as_user):
    finance = as_user("a_finance", f"/sales/orders/{collectable_order}/")
    panel = finance.get_by_test_id("finance-panel")
    expect(panel.get_by_test_id("money-summary")).to_be_visible(timeout=2_000)
    panel.locator("details summary").first.click()
    form = panel.get_by_test_id("payment-form")
    form.locator("input[name=amount]").fill("500.00")
    form.locator("button[type=submit]").click()
    # The panel is redrawn in place (no page load), saying the record was added.
    expect(panel.get_by_test_id("payment-added")).to_be_visible()
    expect(finance.get_by_test_id("order-payments").locator("tr[data-payment]")).to_have_count(1)
