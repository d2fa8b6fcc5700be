"""A salesperson's customer journey in a real browser: create a customer, record a follow-up with
the next follow-up time, see both on the 360° page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import user_email
from tests.dates import days_from_today
from tests.e2e.test_journeys import sign_in
from tests.e2e.test_sales_journey import removing_new_store_rows

pytestmark = pytest.mark.e2e

NAME = "浙江托盘采购 E2E"


@pytest.fixture
def remove_journey_customers(e2e_db):
    """The journey commits its customer: every row it adds to store alpha (the customer, its
    follow-ups, their outbox events...) is removed afterwards."""
    yield from removing_new_store_rows()


def test_salesperson_creates_a_customer_and_records_a_follow_up(page, site, screenshot_path, remove_journey_customers):
    page.goto(site.store("alpha", "/login/?next=/customers/"))
    sign_in(page, user_email("a_sales"))
    expect(page).to_have_url(site.store("alpha", "/customers/"))
    expect(page.locator("#app-sidebar [data-nav=customers]")).to_have_attribute("aria-current", "page")

    page.get_by_test_id("new-customer").click()
    expect(page).to_have_url(site.store("alpha", "/customers/new/"))
    page.fill("input[name=name]", NAME)
    page.fill("input[name=mobile]", "+86 139-1234-5678")
    page.fill("input[name=wechat_id]", "e2e_pallets")
    page.select_option("select[name=grade]", "A")
    page.click("[data-testid=customer-form] button[type=submit]")

    expect(page.get_by_test_id("customer-name")).to_have_text(NAME)
    expect(page.get_by_test_id("customer-profile")).to_contain_text("+86 139-1234-5678")
    expect(page.get_by_test_id("no-follow-ups")).to_be_visible()
    customer_url = page.url

    form = page.get_by_test_id("follow-up-form")
    form.locator("select[name=kind]").select_option("wechat")
    form.locator("textarea[name=content]").fill("发了 1210 川字托盘的报价")
    form.locator("input[name=outcome]").fill("客户下周回复")
    next_day = days_from_today(30).isoformat()
    form.locator("input[name=next_follow_up_at]").fill(f"{next_day}T09:30")
    form.locator("button[type=submit]").click()

    expect(page.get_by_test_id("follow-up-added")).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_contain_text("发了 1210 川字托盘的报价")
    expect(page.get_by_test_id("next-follow-up")).to_have_text(f"{next_day} 09:30")
    page.screenshot(path=screenshot_path("e2e-customer-360"), full_page=True)

    page.goto(customer_url)
    expect(page.get_by_test_id("timeline").locator("[data-follow-up]")).to_have_count(1)
    expect(page.get_by_test_id("follow-up-count")).to_have_text("1")
    expect(page.get_by_test_id("next-follow-up")).to_have_text(f"{next_day} 09:30")

    page.goto(site.store("alpha", "/customers/"))
    page.fill("input[name=q]", "13912345678")
    expect(page).to_have_url(
        site.store(
            "alpha",
            "/customers/?q=13912345678&grade=&tag=&channel=&province=&in_pool=&follow_up_due=&churn_band=&segment=",
        )
    )
    expect(page.get_by_test_id("customers-table").locator("tbody tr[data-customer]")).to_have_count(1)
    expect(page.get_by_test_id("export-csv")).to_have_attribute("href", re.compile(r"q=13912345678.*format=csv"))
    page.screenshot(path=screenshot_path("e2e-customer-list"), full_page=True)
