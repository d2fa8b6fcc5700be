"""The after-sales journey in a real browser: on a completed order the salesperson applies for a
refund only, the supervisor approves and processes it (a pending refund for finance), finance
confirms the refund; the case is completed and the order shows the refunded amount."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_sales_journey import (
    in_alpha,
    status_label,
    user_id,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def completed_order(store_rows):
    """A prepaid order of a_sales for 2 × 400.00, collected in full (a confirmed collection) and
    completed."""
    owner = user_id("a_sales")

    def make():
        from django.utils import timezone

        from shared_apps.accounts.models import User
        from tenant_apps.finance.models import Payment
        from tenant_apps.sales.models import Order
        from tests.factories.sales import make_customer, make_order, make_product

        sales = User.objects.get(pk=owner)
        now = timezone.now()
        order = make_order(
            customer=make_customer(name="售后客户 E2E", owner=sales),
            owner=sales,
            lines=[(make_product(sku="E2E-AS-1", list_price="400.00"), 2, "400.00")],
            status=Order.Status.COMPLETED,
            payment_mode=Order.PaymentMode.PREPAID,
            collected="800.00",
            signed_at=now,
            completed_at=now,
        )
        Payment.objects.create(
            order=order,
            kind=Payment.Kind.COLLECTION,
            amount=order.amount,
            method=Payment.Method.BANK_TRANSFER,
            status=Payment.Status.CONFIRMED,
            created_by=sales,
            confirmed_at=now,
        )
        return {"id": order.pk, "number": order.number}

    return in_alpha(make)


def refunded_label() -> str:
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("zh-hans"):
        return gettext("Refunded")


def test_refund_only_case_from_application_to_confirmed_refund(completed_order, as_user, screenshot_path):
    order_id, number = completed_order["id"], completed_order["number"]

    # The salesperson applies for a refund of 300.00.
    sales = as_user("a_sales", f"/after-sales/apply/{order_id}/")
    form = sales.get_by_test_id("apply-form")
    form.locator("select[name=type]").select_option("refund_only")
    form.locator("input[name=amount]").fill("300.00")
    form.locator("textarea[name=reason]").fill("托盘边角破损，协商部分退款")
    with sales.expect_navigation():
        sales.get_by_test_id("apply-submit").click()
    expect(sales).to_have_url(re.compile(r"/after-sales/\d+/$"))
    case_path = "/" + sales.url.split("/", 3)[3]
    status = sales.get_by_test_id("case-body").locator("[data-status]").first
    expect(status).to_have_attribute("data-status", "pending_approval")
    expect(sales.get_by_test_id("case-amount")).to_have_text("¥300.00")

    # The supervisor approves, then sends the refund to finance (processing).
    supervisor = as_user("a_supervisor", case_path)
    supervisor.get_by_test_id("approve").click()
    body = supervisor.get_by_test_id("case-body")
    expect(body.locator("[data-status]").first).to_have_attribute("data-status", "approved")
    supervisor.get_by_test_id("process").click()
    expect(body.locator("[data-status]").first).to_have_attribute("data-status", "processing")
    expect(supervisor.get_by_test_id("no-actions")).to_be_visible()

    # Finance finds the pending refund and confirms it.
    finance = as_user("a_finance", f"/finance/?status=pending&kind=refund&q={number}")
    row = finance.get_by_test_id("payments-table").locator("tbody tr[data-payment]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("¥300.00")
    row.get_by_test_id("confirm").click()
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "confirmed")

    # The case is completed; the order shows what was refunded.
    sales.goto(sales.url)
    expect(sales.get_by_test_id("case-body").locator("[data-status]").first).to_have_attribute(
        "data-status", "completed"
    )
    expect(sales.get_by_test_id("case-timeline").locator("li")).not_to_have_count(0)
    expect(sales.get_by_test_id("case-timeline")).to_contain_text("A Supervisor")
    sales.screenshot(path=screenshot_path("e2e-aftersales-case"), full_page=True)

    sales.goto(sales.url.split("/after-sales/", 1)[0] + f"/sales/orders/{order_id}/")
    money = sales.locator("[data-testid=money-summary], [data-testid=order-money]")
    refunded = money.locator("dt", has_text=re.compile(rf"^{refunded_label()}$")).locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(refunded).to_have_text("¥300.00")
    expect(sales.get_by_test_id("order-status")).to_have_text(status_label("sales.Order", "completed"))
