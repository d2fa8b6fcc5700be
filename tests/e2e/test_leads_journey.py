"""Leads, handover and cost visibility in a real browser.

- A supervisor takes in a lead by hand and assigns it to a salesperson, who converts it into a
  customer; a second lead is lost with its reason.
- A supervisor hands every customer of one salesperson over to another; the page follows the
  handover to its end.
- The order page shows the cost, gross profit and margin to a supervisor and none of it to the
  salesperson who owns the order.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_sales_journey import in_alpha, user_id

pytestmark = pytest.mark.e2e


def _lead(lead_id: int) -> dict:
    def get():
        from tenant_apps.leads.models import Lead

        lead = Lead.objects.select_related("customer").get(pk=lead_id)
        return {
            "status": lead.status,
            "owner": lead.owner_id,
            "reason": lead.lost_reason,
            "customer_owner": lead.customer.owner_id if lead.customer_id else None,
        }

    return in_alpha(get)


def _take_in(page, name: str, mobile: str) -> int:
    page.select_option("#f-channel", "tmall")
    page.fill("#f-name", name)
    page.fill("#f-mobile", mobile)
    page.fill("#f-message", "要 200 个九脚托盘")
    with page.expect_navigation():
        page.click("[data-testid=lead-form] button[type=submit]")
    match = re.search(r"/leads/(\d+)/$", page.url)
    assert match, page.url
    return int(match.group(1))


def test_a_lead_is_taken_in_by_hand_assigned_and_converted_and_another_lost(store_rows, as_user, screenshot_path):
    sales = user_id("a_sales")
    supervisor = as_user("a_supervisor", "/leads/new/")

    first = _take_in(supervisor, "浏览器线索一", "13700001111")
    supervisor.select_option("#assign-owner", str(sales))
    with supervisor.expect_navigation():
        supervisor.click("[data-testid=lead-assign]")
    expect(supervisor.locator("[data-testid=lead-history]")).to_be_visible()
    assert _lead(first)["owner"] == sales

    salesperson = as_user("a_sales", f"/leads/{first}/")
    with salesperson.expect_navigation():
        salesperson.click("[data-testid=lead-convert]")
    converted = _lead(first)
    assert converted["status"] == "converted" and converted["customer_owner"] == sales
    expect(salesperson.locator("[data-testid=lead-convert]")).to_have_count(0)

    supervisor.goto(supervisor.url.replace(f"/leads/{first}/", "/leads/new/"))
    second = _take_in(supervisor, "浏览器线索二", "13700002222")
    supervisor.fill("#lose-reason", "价格高于竞品")
    with supervisor.expect_navigation():
        supervisor.click("[data-testid=lead-lose]")
    lost = _lead(second)
    assert (lost["status"], lost["reason"]) == ("lost", "价格高于竞品")
    expect(supervisor.locator("[data-testid=lead-fields]")).to_contain_text("价格高于竞品")
    supervisor.screenshot(path=screenshot_path("e2e-lead-lost"), full_page=True)


def test_a_supervisor_hands_a_salespersons_customers_over(store_rows, as_user):
    giver, taker = user_id("a_sales2"), user_id("a_sales")

    def make():
        from shared_apps.accounts.models import User
        from tests.factories.sales import make_customer

        owner = User.objects.get(pk=giver)
        return [make_customer(name=f"交接客户 {i}", owner=owner).pk for i in range(2)]

    customers = in_alpha(make)
    page = as_user("a_supervisor", "/handover/new/")
    page.select_option("#h-from", str(giver))
    page.select_option("#h-to", str(taker))
    page.fill("#h-reason", "调岗交接")
    with page.expect_navigation():
        page.click("[data-testid=handover-form] button[type=submit]")
    status = page.locator("[data-testid=handover-status]")
    expect(status).to_be_visible()
    expect(status.locator(".progress-bar")).to_have_attribute("style", re.compile(r"width: 100%"), timeout=20_000)

    def owners():
        from tenant_apps.customers.models import Customer

        return set(Customer.objects.filter(pk__in=customers).values_list("owner_id", flat=True))

    assert in_alpha(owners) == {taker}


def test_the_order_page_shows_costs_to_a_supervisor_and_not_to_the_salesperson(store_rows, as_user):
    owner = user_id("a_sales")

    def make():
        from shared_apps.accounts.models import User
        from tests.factories.sales import make_customer, make_order, make_product

        sales = User.objects.get(pk=owner)
        product = make_product(sku="E2E-GP-1", list_price="120.00")
        customer = make_customer(name="毛利 E2E", owner=sales)
        return make_order(customer=customer, owner=sales, lines=[(product, 3, "100.00", "61.37")]).pk

    order = in_alpha(make)

    supervisor = as_user("a_supervisor", f"/sales/orders/{order}/")
    expect(supervisor.locator("[data-testid=order-gross-profit]")).to_contain_text("115.89")
    expect(supervisor.locator("[data-testid=order-cost]")).to_contain_text("184.11")
    expect(supervisor.locator("[data-testid=line-unit-cost]")).to_contain_text("61.37")

    salesperson = as_user("a_sales", f"/sales/orders/{order}/")
    expect(salesperson.locator("[data-testid=money-summary], [data-testid=order-money]")).to_be_visible()
    expect(salesperson.locator("[data-testid=order-gross-profit]")).to_have_count(0)
    expect(salesperson.locator("[data-testid=line-unit-cost]")).to_have_count(0)
    html = salesperson.content()
    assert "61.37" not in html and "184.11" not in html and "115.89" not in html
