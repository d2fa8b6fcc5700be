"""The Data Kanban in a real browser: the store admin opens /kanban/, the ECharts charts render,
the headline transaction amount matches ``GET /api/v1/kanban`` for the same range, and choosing
7 days refreshes the figures."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e.test_sales_journey import in_alpha, removing_new_store_rows, signed_in_pages, user_id

pytestmark = pytest.mark.e2e

# The figures of 30 days are computed on request; on a busy machine that takes a few seconds.
FIGURES_TIMEOUT = 12_000
MONEY = re.compile(r"^¥[\d,]+\.\d{2}$")


@pytest.fixture
def store_rows(e2e_db):
    yield from removing_new_store_rows()


@pytest.fixture
def as_user(browser, site, e2e_db):
    yield from signed_in_pages(browser, site)


@pytest.fixture
def signed_orders(store_rows):
    """Orders signed 2 days ago (1 × 520.00) and 20 days ago (3 × 700.00): inside 7 days only the
    first counts, inside 30 days both."""
    owner = user_id("a_sales")

    def make():
        from django.utils import timezone

        from shared_apps.accounts.models import User
        from tests.factories.sales import make_customer, make_order, make_product

        sales = User.objects.get(pk=owner)
        customer = make_customer(name="看板客户 E2E", owner=sales, province="浙江省")
        product = make_product(sku="E2E-KB-1", list_price="800.00")
        now = timezone.now()
        make_order(customer=customer, owner=sales, lines=[(product, 1, "520.00")], signed_at=now - timedelta(days=2))
        make_order(customer=customer, owner=sales, lines=[(product, 3, "700.00")], signed_at=now - timedelta(days=20))

    in_alpha(make)


def api_kanban(page, query: str) -> dict:
    return page.evaluate(
        """async (query) => {
            const response = await fetch("/api/v1/kanban?" + query, {headers: {Accept: "application/json"}});
            return {status: response.status, body: await response.json()};
        }""",
        query,
    )


def card_amount(text: str) -> Decimal:
    """The card's "¥1,234.50" as a Decimal."""
    return Decimal(text.strip().lstrip("¥").replace(",", ""))


def test_admin_sees_the_kanban_figures_of_the_api_and_switches_to_7_days(signed_orders, as_user, screenshot_path):
    page = as_user("a_admin", "/kanban/")
    gmv = page.locator("[data-metric=gmv] .metric-value")
    expect(gmv).to_have_text(MONEY, timeout=FIGURES_TIMEOUT)
    expect(page.locator("#chart-trend canvas")).not_to_have_count(0)
    expect(page.locator("#chart-devices canvas")).not_to_have_count(0)
    expect(page.locator("#kanban-error")).to_be_hidden()

    month = api_kanban(page, "range=30d")
    assert month["status"] == 200
    assert card_amount(gmv.inner_text()) == Decimal(month["body"]["metrics"]["gmv"]["value"])
    period_30d = page.get_by_test_id("kanban-period").inner_text()

    week = api_kanban(page, "range=7d")
    assert week["status"] == 200
    week_gmv = Decimal(week["body"]["metrics"]["gmv"]["value"])
    assert week_gmv <= Decimal(month["body"]["metrics"]["gmv"]["value"]) - Decimal("2100.00")

    page.locator("label[for=range-7d]").click()
    expect(gmv).to_have_text(f"¥{week_gmv:,.2f}", timeout=FIGURES_TIMEOUT)
    expect(page.get_by_test_id("kanban-period")).not_to_have_text(period_30d)
    expect(gmv).to_have_text(MONEY)
    assert card_amount(gmv.inner_text()) == week_gmv
    page.screenshot(path=screenshot_path("e2e-kanban"), full_page=True)
