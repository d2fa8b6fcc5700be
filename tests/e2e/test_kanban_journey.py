"""The Data Kanban in a real browser: the store admin opens /kanban/, the ECharts charts render,
the headline transaction amount matches ``GET /api/v1/kanban`` for the same range, and choosing
7 days refreshes the figures."""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.e2e.test_sales_journey import in_alpha, user_id

pytestmark = pytest.mark.e2e

# The figures of 30 days are computed on request; on a busy machine that takes a few seconds.
FIGURES_TIMEOUT = 12_000
# A card's amount: in full below 10,000, compact from there on (the exact amount is its title).
MONEY = re.compile(r"^-?¥[\d,]+\.\d{2}(万|亿|K|M|B)?$")
EXACT = re.compile(r"^-?¥[\d,]+\.\d{2}$")


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


def card_amount(card) -> Decimal:
    """The exact amount of a card ("¥1,234.50" in its title) as a Decimal."""
    return Decimal(card.get_attribute("title").strip().lstrip("¥").replace(",", ""))


def test_admin_sees_the_kanban_figures_of_the_api_and_switches_to_7_days(signed_orders, as_user, screenshot_path):
    page = as_user("a_admin", "/kanban/")
    gmv = page.locator("[data-metric=gmv] .metric-value")
    expect(gmv).to_have_text(MONEY, timeout=FIGURES_TIMEOUT)
    expect(page.locator("#chart-trend canvas")).not_to_have_count(0)
    expect(page.locator("#chart-devices canvas")).not_to_have_count(0)
    expect(page.locator("#kanban-error")).to_be_hidden()

    month = api_kanban(page, "range=30d")
    assert month["status"] == 200
    expect(gmv).to_have_attribute("title", EXACT)
    assert card_amount(gmv) == Decimal(month["body"]["metrics"]["gmv"]["value"])
    period_30d = page.get_by_test_id("kanban-period").inner_text()

    week = api_kanban(page, "range=7d")
    assert week["status"] == 200
    week_gmv = Decimal(week["body"]["metrics"]["gmv"]["value"])
    assert week_gmv <= Decimal(month["body"]["metrics"]["gmv"]["value"]) - Decimal("2100.00")

    page.locator("label[for=range-7d]").click()
    expect(gmv).to_have_attribute("title", f"¥{week_gmv:,.2f}", timeout=FIGURES_TIMEOUT)
    expect(page.get_by_test_id("kanban-period")).not_to_have_text(period_30d)
    expect(gmv).to_have_text(MONEY)
    assert card_amount(gmv) == week_gmv
    page.screenshot(path=screenshot_path("e2e-kanban"), full_page=True)


@pytest.fixture
def good_and_bad_news(store_rows):
    """Over the last 7 days against the 7 before: sales up (a large order of 2,496,880.00 among
    them) and one of two long-owned customers lost."""
    owner, admin = user_id("a_sales"), user_id("a_admin")

    def make():
        from shared_apps.accounts.models import User
        from tests.factories.sales import make_more_sales_and_a_loss

        sales, boss = User.objects.get(pk=owner), User.objects.get(pk=admin)
        make_more_sales_and_a_loss(owner=sales, admin=boss, large_order="2496880.00")

    in_alpha(make)


def colour(locator) -> str:
    return locator.evaluate("el => getComputedStyle(el).color")


def overflowing(page) -> list[str]:
    """The headline figures wider than their card."""
    return page.evaluate(
        """() => [...document.querySelectorAll("[data-metric]")]
            .filter((card) => {
                const value = card.querySelector(".metric-value");
                return value.scrollWidth > value.clientWidth;
            })
            .map((card) => card.dataset.metric)"""
    )


def test_changes_are_coloured_as_good_or_bad_news_and_amounts_read_as_money(
    good_and_bad_news, as_user, screenshot_path
):
    page = as_user("a_admin", "/kanban/")
    page.locator("label[for=range-7d]").click()
    week = api_kanban(page, "range=7d")["body"]["metrics"]
    gmv_card, lost_card = page.locator("[data-metric=gmv]"), page.locator("[data-metric=lost_rate]")
    exact = Decimal(week["gmv"]["value"])
    expect(gmv_card.locator(".metric-value")).to_have_attribute("title", f"¥{exact:,.2f}", timeout=FIGURES_TIMEOUT)

    # ¥2,497,700.00 and more reads "¥249.xx万" on the card; the exact amount is its title.
    wan = (exact / 10_000).quantize(Decimal("0.01"))
    expect(gmv_card.locator(".metric-value")).to_have_text(f"¥{wan:,.2f}万")
    gmv_change, lost_change = gmv_card.locator(".metric-change"), lost_card.locator(".metric-change")
    assert week["gmv"]["trend"] == "good" and week["lost_rate"]["trend"] == "bad"
    expect(gmv_change).to_have_class(re.compile(r"\btrend-good\b"))
    expect(gmv_change).to_have_text(re.compile(r"^▲ "))
    expect(lost_change).to_have_class(re.compile(r"\btrend-bad\b"))
    expect(lost_change).to_have_text(re.compile(r"^▲ [\d.]+ 个百分点$"))
    assert colour(gmv_change) == "rgb(25, 135, 84)"  # green: more sales is good news
    assert colour(lost_change) == "rgb(220, 53, 69)"  # red: a rising lost rate is bad news
    assert overflowing(page) == []
    page.screenshot(path=screenshot_path("e2e-kanban-trend"), full_page=True)

    page.set_viewport_size({"width": 375, "height": 812})
    expect(gmv_card.locator(".metric-value")).to_have_text(f"¥{wan:,.2f}万")
    assert overflowing(page) == []
    page.screenshot(path=screenshot_path("e2e-kanban-phone"), full_page=True)

    # In English the compact amount counts in K / M.
    with page.expect_navigation():
        page.locator(".lang-switch button[value=en]").first.click()
    page.locator("label[for=range-7d]").click()
    millions = (exact / 1_000_000).quantize(Decimal("0.01"))
    expect(gmv_card.locator(".metric-value")).to_have_text(f"¥{millions:,.2f}M", timeout=FIGURES_TIMEOUT)
    expect(lost_change).to_have_text(re.compile(r"^▲ [\d.]+ pt$"))
    assert overflowing(page) == []
    page.screenshot(path=screenshot_path("e2e-kanban-phone-en"), full_page=True)


def test_a_slow_answer_for_the_first_range_does_not_overwrite_the_range_chosen_since(signed_orders, as_user):
    """The first load (30 days) is held back until the 7-day figures are drawn, then let through:
    the page keeps showing 7 days."""
    held = []

    def hold_the_first_load(route):
        if "range=7d" in route.request.url:
            route.continue_()
        else:
            held.append(route)

    page = as_user("a_admin", "/")
    page.route("**/api/v1/kanban?*", hold_the_first_load)
    page.goto(page.url.rstrip("/") + "/kanban/")
    gmv = page.locator("[data-metric=gmv] .metric-value")
    page.wait_for_function("() => document.readyState === 'complete'")
    assert len(held) == 1
    week = Decimal(api_kanban(page, "range=7d")["body"]["metrics"]["gmv"]["value"])
    page.locator("label[for=range-7d]").click()
    expect(gmv).to_have_attribute("title", f"¥{week:,.2f}", timeout=FIGURES_TIMEOUT)

    # The page may have aborted it already, which is the point.
    with contextlib.suppress(PlaywrightError):
        held[0].continue_()
    page.wait_for_timeout(500)
    expect(gmv).to_have_attribute("title", f"¥{week:,.2f}")
    expect(page.locator("#kanban-error")).to_be_hidden()
    assert page.locator("#range-7d").is_checked()
