"""The list component, global search, couriers, the province/city cascader and phones, in Chromium:
sortable headers, density, the column chooser, saved views, bulk actions; card layouts at 390 px
with the filters folded; both languages; and axe-core (from npm) over the main pages with no
serious or critical violation. Screenshots go to .run/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.conftest import user_email
from tests.e2e.conftest import run_in_thread
from tests.e2e.test_journeys import sign_in
from tests.e2e.test_sales_journey import removing_new_store_rows

pytestmark = pytest.mark.e2e

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
MAIN_PAGES = (
    "/",
    "/customers/",
    "/customers/new/",
    "/pool/",
    "/leads/",
    "/sales/quotations/",
    "/sales/orders/",
    "/sales/warehouse/",
    "/finance/",
    "/after-sales/",
    "/kanban/tasks/",
    "/search/?q=E2E",
)


def shot(name: str) -> str:
    folder = settings.RUN_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / f"{name}.png")


@pytest.fixture
def world(e2e_db):
    """Store alpha with a few customers of a_sales and an order, removed afterwards."""
    rows = removing_new_store_rows()
    next(rows)

    def make():
        from decimal import Decimal

        from django_tenants.utils import tenant_context

        from shared_apps.accounts.models import User
        from tenants.models import Store
        from tests.factories.sales import make_customer, make_order, make_product

        store = Store.objects.get(subdomain="alpha")
        sales = User.objects.get(email=user_email("a_sales"))
        with tenant_context(store):
            for name, grade, mobile in (
                ("E2E 名字很长的浙江托盘采购有限公司", "B", "+8613900001234"),
                ("E2E Alpha Pallets", "A", "+8613700005678"),
                ("E2E Charlie Logistics", "C", ""),
            ):
                make_customer(
                    name=name, owner=sales, grade=grade, mobile=mobile, mobile_normalized=mobile, province="浙江"
                )
            product = make_product(list_price="2000.00")
            buyer = make_customer(name="E2E Buyer", owner=sales)
            make_order(customer=buyer, owner=sales, lines=[(product, 2, Decimal("1234.56"))], number="SO-E2E-0001")

    run_in_thread(make)
    yield
    next(rows, None)


def signed_in(browser, site, key: str, *, locale: str = "zh-CN", width: int = 1366):
    context = browser.new_context(
        locale=locale, viewport={"width": width, "height": 860}, bypass_csp=False
    )  # the page runs under its own CSP
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(site.store("alpha", "/login/?next=/"))
    sign_in(page, user_email(key))
    return context, page


def test_customer_list_sorts_chooses_columns_saves_views_and_acts_in_bulk(browser, site, world):
    context, page = signed_in(browser, site, "a_sales")
    try:
        page.goto(site.store("alpha", "/customers/?q=E2E"))
        table = page.get_by_test_id("customers-table")
        header = table.locator("th[data-col=name]")
        header.locator("a").click()
        expect(header).to_have_attribute("aria-sort", "ascending")
        expect(table.locator("tbody tr[data-customer] td[data-col=name] a").first).to_have_text("E2E Alpha Pallets")
        header.locator("a").click()
        expect(header).to_have_attribute("aria-sort", "descending")

        # Phones in one form, money with ¥ and separators.
        expect(table).to_contain_text("139 0000 1234")

        # Rows stay within 36-44 px; compact is tighter and remembered.
        row = table.locator("tbody tr[data-customer]").nth(1)
        comfortable = row.bounding_box()["height"]
        page.get_by_test_id("density").get_by_role("button", name="紧凑").click()
        expect(page.locator("#customer-table.density-compact")).to_have_count(1)
        compact = (
            page.get_by_test_id("customers-table").locator("tbody tr[data-customer]").nth(1).bounding_box()["height"]
        )
        assert 28 <= compact < comfortable <= 46, (compact, comfortable)
        page.reload()
        expect(page.locator("#customer-table.density-compact")).to_have_count(1)

        # Column chooser: hide the mobile column.
        page.get_by_test_id("column-chooser").locator("summary").click()
        page.get_by_test_id("column-chooser").get_by_label("手机").uncheck()
        page.get_by_test_id("column-chooser").get_by_role("button", name="应用").click()
        expect(page.locator("th[data-col=mobile]")).to_be_hidden()

        # A saved view, shared with the store.
        page.get_by_test_id("saved-views").locator("summary").click()
        page.get_by_test_id("save-view-form").locator("input[name=name]").fill("E2E 浙江客户")
        page.get_by_test_id("save-view-form").locator("input[name=shared]").check()
        page.get_by_test_id("save-view-form").get_by_role("button").click()
        expect(page.get_by_test_id("saved-views").locator("summary")).to_contain_text("E2E 浙江客户")
        page.screenshot(path=shot("lists-customers-zh-1366"), full_page=True)

        # Bulk: select two, the bar counts them, release one to the pool.
        boxes = page.locator("input[data-bulk-item=customers]")
        boxes.nth(0).check()
        boxes.nth(1).check()
        expect(page.locator("[data-bulk-count=customers]")).to_have_text("2")
        boxes.nth(1).uncheck()
        page.fill("#bulk-reason", "E2E")
        page.get_by_test_id("bulk-bar").get_by_role("button", name="释放到公海").click()
        expect(page.locator(".alert-success")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_lists_become_cards_on_a_phone_with_filters_folded(browser, site, world, locale):
    context, page = signed_in(browser, site, "a_admin", locale=locale, width=390)
    try:
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans" if locale == "zh-CN" else "en")
        for path, table_id, name in (
            ("/customers/?q=E2E", "customers-table", "customers"),
            ("/sales/orders/?q=SO-E2E", "orders-table", "orders"),
        ):
            page.goto(site.store("alpha", path))
            form = page.locator(".app-content form[role=search]").first
            expect(form).to_be_hidden()
            page.locator(".filters-toggle").first.click()
            expect(form).to_be_visible()
            page.locator(".filters-toggle").first.click()
            title = page.get_by_test_id(table_id).locator("tbody tr td.card-title-cell").first
            box = title.bounding_box()
            assert box["width"] > 250, box  # a card line, not one character per line
            page.screenshot(path=shot(f"lists-{name}-{locale}-390"), full_page=True)
    finally:
        context.close()


def test_global_search_from_the_top_bar(browser, site, world):
    context, page = signed_in(browser, site, "a_sales")
    try:
        page.fill("#global-search-q", "139 0000")
        page.press("#global-search-q", "Enter")
        results = page.get_by_test_id("search-results")
        expect(results.locator("[data-section=customers]")).to_contain_text("E2E 名字很长的浙江托盘采购有限公司")
        page.screenshot(path=shot("lists-search-zh-1366"), full_page=True)
        page.goto(site.store("alpha", "/search/?q=SO-E2E"))
        expect(results.locator("[data-section=orders]")).to_contain_text("SO-E2E-0001")
    finally:
        context.close()


def test_province_city_cascader_and_courier_list(browser, site, world):
    context, page = signed_in(browser, site, "a_admin")
    try:
        page.goto(site.store("alpha", "/customers/new/"))
        page.select_option("select[name=province]", "浙江")
        cities = page.locator("select[name=city] option")
        expect(cities).to_contain_text(["—", "杭州", "宁波"])
        page.select_option("select[name=province]", "上海")
        expect(page.locator("select[name=city]")).to_have_value("上海")
        page.screenshot(path=shot("lists-cascader-zh-1366"), full_page=True)

        page.goto(site.store("alpha", "/sales/warehouse/"))
        couriers = page.locator("select[data-courier-select]")
        if couriers.count():
            couriers.first.select_option("other")
            expect(page.locator("[data-courier-other]").first).to_be_visible()
            couriers.first.select_option("SF")
            expect(page.locator("[data-courier-other]").first).to_be_hidden()
    finally:
        context.close()


def test_axe_finds_no_serious_or_critical_violation_on_the_main_pages(browser, site, world):
    script = AXE.read_text(encoding="utf-8")
    failures = {}
    for locale in ("zh-CN", "en-US"):
        context, page = signed_in(browser, site, "a_admin", locale=locale)
        try:
            for path in MAIN_PAGES:
                page.goto(site.store("alpha", path))
                page.wait_for_load_state("networkidle")
                # The page's CSP admits only our own scripts: axe is handed in as the test's own.
                page.evaluate(script + "\nundefined;")
                result = page.evaluate(
                    "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
                    "v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))"
                )
                bad = [v for v in result if v["impact"] in ("serious", "critical")]
                if bad:
                    failures[f"{locale} {path}"] = bad
        finally:
            context.close()
    assert failures == {}
