"""At-risk customers in a real browser, in Chinese and in English and at phone width: the owner sees
their at-risk customers with reasons in words and segment definitions on hover, follows one up in
one click and dismisses another as not at risk; the supervisor assigns a follow-up task."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e.test_sales_journey import in_alpha, user_id

pytestmark = pytest.mark.e2e


@pytest.fixture
def scored(store_rows):
    """Three customers of a_sales: two lapsed (orders long ago), one buying every month; scored."""
    owner = user_id("a_sales")

    def make():
        from django.utils import timezone

        from shared_apps.accounts.models import User
        from tenant_apps.insights import services
        from tenant_apps.sales.models import Order
        from tests.factories.sales import make_customer, make_order, make_product

        sales = User.objects.get(pk=owner)
        product = make_product(sku="E2E-INS-1", list_price="900.00")
        now = timezone.now()
        names = {}
        for name, days in (
            ("流失风险客户甲", [150, 200, 260]),
            ("流失风险客户乙", [180, 300]),
            ("常购客户丙", [5, 35, 65]),
        ):
            customer = make_customer(name=name, owner=sales)
            names[name] = customer.pk
            for day in days:
                make_order(
                    customer=customer,
                    owner=sales,
                    lines=[(product, 1, Decimal("800.00"))],
                    signed_at=now - timedelta(days=day),
                    status=Order.Status.COMPLETED,
                    payment_mode=Order.PaymentMode.PREPAID,
                    collected="800.00",
                )
        services.score_store()
        return names

    return in_alpha(make)


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_owner_follows_up_and_dismisses_at_risk_customers_in_both_languages(scored, as_user, screenshot_path):
    page = as_user("a_sales", "/insights/?churn_band=low,medium,high")
    expect(page.locator("h1")).to_have_text("流失风险客户")
    rows = page.get_by_test_id("at-risk-row")
    expect(rows).to_have_count(3)
    first = rows.first
    expect(first).to_contain_text("流失风险客户")
    expect(first.get_by_test_id("reasons")).to_contain_text("天没有下单")
    segment = first.get_by_test_id("segment-badge")
    assert segment.get_attribute("title")  # the segment's definition on hover
    percents = [int(text.rstrip("%")) for text in page.get_by_test_id("risk-percent").all_inner_texts()]
    assert percents == sorted(percents, reverse=True)
    page.screenshot(path=screenshot_path("e2e-insights-at-risk-zh"), full_page=True)

    lapsed = page.locator(f"tr[data-customer='{scored['流失风险客户甲']}']")
    lapsed.get_by_test_id("follow-up").click()
    expect(
        page.locator(f"tr[data-customer='{scored['流失风险客户甲']}']").get_by_test_id("row-message")
    ).to_contain_text("我的跟进")
    other = page.locator(f"tr[data-customer='{scored['流失风险客户乙']}']")
    other.get_by_test_id("dismiss").click()
    expect(page.locator(f"tr[data-customer='{scored['流失风险客户乙']}']")).to_have_count(0)
    page.reload()
    expect(page.get_by_test_id("at-risk-row")).to_have_count(2)

    with page.expect_navigation():
        page.click("button[name=language][value=en]")
    expect(page.locator("h1")).to_have_text("At-risk customers")
    expect(page.get_by_test_id("at-risk-row").first.get_by_test_id("reasons")).to_contain_text("No order for")
    page.screenshot(path=screenshot_path("e2e-insights-at-risk-en"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    button = page.get_by_test_id("at-risk-row").first.get_by_test_id("follow-up")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # on screen, not in a scrolled table
    assert no_horizontal_overflow(page)
    page.screenshot(path=screenshot_path("e2e-insights-at-risk-phone"), full_page=True)


def test_supervisor_assigns_the_owner_a_follow_up_task(scored, as_user, screenshot_path):
    page = as_user("a_supervisor", "/insights/")
    row = page.locator(f"tr[data-customer='{scored['流失风险客户甲']}']")
    expect(row).to_contain_text("A Sales")
    row.get_by_test_id("follow-up").click()
    expect(
        page.locator(f"tr[data-customer='{scored['流失风险客户甲']}']").get_by_test_id("row-message")
    ).to_contain_text("已给负责人分配任务")
    page.goto(page.url.split("/insights/")[0] + "/insights/segments/")
    expect(page.get_by_test_id("segment-table")).to_be_visible()
    page.screenshot(path=screenshot_path("e2e-insights-segments-zh"), full_page=True)


def test_hq_executive_sees_the_insights_page_in_both_languages(scored, as_user, screenshot_path):
    def publish():
        from django.utils import timezone

        from shared_apps.platform.jobs import get_job, run_in_store
        from tenants.models import Store

        run = run_in_store(
            get_job("hq.insights_publish"), store=Store.objects.get(subdomain="alpha"), at=timezone.now()
        )
        assert run.ok, run.error

    in_alpha(publish)
    try:
        page = as_user("hq_exec", "/insights/", hq=True)
        expect(page.locator("h1")).to_have_text("洞察与对标")
        row = page.locator("tr[data-store]").filter(has_text="Alpha")
        expect(row).to_be_visible()
        expect(page.get_by_test_id("cross-store-buyers")).to_contain_text("在两家及以上店铺购买的买家")
        page.screenshot(path=screenshot_path("e2e-hq-insights-zh"), full_page=True)
        with page.expect_navigation():
            page.click("button[name=language][value=en]")
        expect(page.locator("h1")).to_have_text("Insights and benchmarks")
        page.screenshot(path=screenshot_path("e2e-hq-insights-en"), full_page=True)
    finally:

        def unpublish():
            from hq_insights.models import BuyerKey, StoreInsight
            from tenants.models import Store

            store = Store.objects.get(subdomain="alpha")
            StoreInsight.objects.filter(store=store).delete()
            BuyerKey.objects.filter(store=store).delete()

        in_alpha(unpublish)
