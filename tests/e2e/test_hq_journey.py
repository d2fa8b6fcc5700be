"""The HQ dashboard in a real browser: an HQ executive opens it on the public host, sees every
store in the per-store table, and drills into store alpha's own Kanban (read-only, audited)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import run_in_thread
from tests.e2e.test_sales_journey import in_alpha, user_id

pytestmark = pytest.mark.e2e


@pytest.fixture
def hq_access_rows(e2e_db):
    """The drill-down records each visit in the HQ access audit: those rows are removed afterwards."""
    top = {}

    def snapshot():
        from django.db.models import Max

        from shared_apps.platform.models import HqAccessLog

        top["pk"] = HqAccessLog.objects.aggregate(top=Max("pk"))["top"] or 0

    run_in_thread(snapshot)
    yield top

    def remove():
        from shared_apps.platform.models import HqAccessLog

        HqAccessLog.objects.filter(pk__gt=top["pk"]).delete()

    run_in_thread(remove)


def reconcile_alpha() -> None:
    from hq_reports.rollups import reconcile

    reconcile()


@pytest.fixture
def hq_facts(e2e_db):
    """HQ's facts of store alpha are rebuilt from its schema after the journey (its rows are gone
    by then); the bookkeeping row the rebuild adds is removed if it was not there before."""

    def feed_exists():
        from hq_reports.models import StoreFeed
        from tenants.models import Store

        return StoreFeed.objects.filter(store=Store.objects.get(subdomain="alpha")).exists()

    had_feed = in_alpha(feed_exists)
    yield

    def restore():
        from hq_reports.models import StoreFeed

        reconcile_alpha()
        if not had_feed:
            StoreFeed.objects.filter(store__subdomain="alpha").delete()

    in_alpha(restore)


@pytest.fixture
def alpha_order(hq_facts, store_rows):
    """One order of 2 × 320.00 signed in store alpha 3 days ago, in HQ's facts (reconciled)."""
    owner = user_id("a_sales")

    def make():
        from django.utils import timezone

        from shared_apps.accounts.models import User
        from tests.factories.sales import make_customer, make_order, make_product

        sales = User.objects.get(pk=owner)
        make_order(
            customer=make_customer(name="总部钻取 E2E", owner=sales),
            owner=sales,
            lines=[(make_product(sku="E2E-HQ-1", list_price="320.00"), 2, "320.00")],
            signed_at=timezone.now() - timedelta(days=3),
        )
        reconcile_alpha()

    in_alpha(make)


def audited_visits(since: int) -> list[tuple[str, str, bool]]:
    rows = []

    def read():
        from shared_apps.platform.models import HqAccessLog

        rows.extend(
            HqAccessLog.objects.filter(pk__gt=since)
            .order_by("pk")
            .values_list("user__email", "store__subdomain", "allowed")
        )

    run_in_thread(read)
    return rows


def test_hq_executive_sees_every_store_and_drills_into_alpha(
    alpha_order, hq_access_rows, as_user, site, screenshot_path
):
    page = as_user("hq_exec", "/dashboard/", hq=True)
    table = page.get_by_test_id("hq-store-table")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Alpha")).to_have_count(1)
    expect(rows.filter(has_text="Bravo")).to_have_count(1)
    expect(rows.filter(has_text="Alpha")).to_contain_text("¥640.00")
    expect(page.get_by_test_id("hq-cards").locator("[data-metric=gmv] .metric-value")).to_have_text(
        re.compile(r"^¥[\d,]+\.\d{2}$")
    )
    page.screenshot(path=screenshot_path("e2e-hq-dashboard"), full_page=True)

    with page.expect_navigation():
        rows.filter(has_text="Alpha").get_by_role("link", name="Alpha").click()
    expect(page).to_have_url(re.compile(re.escape(site.hq("/dashboard/stores/")) + r"\d+/"))
    expect(page.locator("h1")).to_have_text("Alpha")
    cards = page.get_by_test_id("hq-cards")
    expect(cards.locator("[data-metric=gmv] .metric-value")).to_have_text("¥640.00")
    expect(cards.locator("[data-metric=orders] .metric-value")).to_have_text("1")
    expect(page.locator("#chart-trend canvas")).not_to_have_count(0)
    page.screenshot(path=screenshot_path("e2e-hq-drilldown"), full_page=True)

    assert ("hq.exec@example.com", "alpha", True) in audited_visits(hq_access_rows["pk"])


@pytest.fixture
def good_and_bad_news(hq_facts, store_rows):
    """In store alpha, against the 7 days before: sales up (a large order of 2,496,880.00 among
    them) and one of two long-owned customers lost; in HQ's facts (reconciled)."""
    owner, admin = user_id("a_sales"), user_id("a_admin")

    def make():
        from shared_apps.accounts.models import User
        from tests.factories.sales import make_more_sales_and_a_loss

        sales, boss = User.objects.get(pk=owner), User.objects.get(pk=admin)
        make_more_sales_and_a_loss(owner=sales, admin=boss, large_order="2496880.00")
        reconcile_alpha()

    in_alpha(make)


def test_hq_changes_are_coloured_as_good_or_bad_news_at_desktop_and_phone_width(
    good_and_bad_news, hq_access_rows, as_user, screenshot_path
):
    page = as_user("hq_exec", "/dashboard/?range=7d", hq=True)
    cards = page.get_by_test_id("hq-cards")
    gmv = cards.locator("[data-metric=gmv]")
    expect(gmv.locator(".metric-value")).to_have_text(re.compile(r"^¥[\d,]+\.\d{2}万$"))
    expect(gmv.locator(".metric-value")).to_have_attribute("title", re.compile(r"^¥[\d,]+\.\d{2}$"))
    expect(gmv.locator(".metric-change")).to_have_class(re.compile(r"\btrend-good\b"))
    lost = cards.locator("[data-metric=lost_rate] .metric-change")
    expect(lost).to_have_class(re.compile(r"\btrend-bad\b"))
    expect(lost).to_have_text(re.compile(r"^▲ "))
    assert lost.evaluate("el => getComputedStyle(el).color") == "rgb(220, 53, 69)"
    alpha = page.get_by_test_id("hq-store-table").locator("tbody tr").filter(has_text="Alpha")
    expect(alpha.locator("td.money").first).to_have_text(re.compile(r"^¥[\d,]+\.\d{2}万$"))
    page.screenshot(path=screenshot_path("e2e-hq-trend"), full_page=True)

    page.set_viewport_size({"width": 375, "height": 812})
    wrapped = page.evaluate(
        """() => [...document.querySelectorAll(".metric-value, td.money")]
            .filter((el) => el.getClientRects().length > 1 || el.scrollWidth > el.clientWidth + 1)
            .map((el) => el.textContent)"""
    )
    assert wrapped == []
    page.screenshot(path=screenshot_path("e2e-hq-phone"), full_page=True)

    with page.expect_navigation():
        alpha.get_by_role("link", name="Alpha").click()
    drill = page.get_by_test_id("hq-cards")
    expect(drill.locator("[data-metric=lost_rate] .metric-change")).to_have_class(re.compile(r"\btrend-bad\b"))
    expect(drill.locator("[data-metric=gmv] .metric-change")).to_have_class(re.compile(r"\btrend-good\b"))
    page.screenshot(path=screenshot_path("e2e-hq-drilldown-phone"), full_page=True)
