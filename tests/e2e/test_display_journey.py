"""How figures and lists read in Chromium, in Chinese, at desktop (1366 px) and phone (390 px)
width: an amount never breaks across lines (not even before 万), no page is wider than the phone,
the list filters show their values, order numbers stay whole, an order's amounts stay in their
card, and HQ names channel platforms in the reader's language."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e.test_hq_journey import hq_facts, reconcile_alpha  # noqa: F401 - the fixture is used here
from tests.e2e.test_sales_journey import in_alpha, user_id

pytestmark = pytest.mark.e2e

FIGURES_TIMEOUT = 12_000
PHONE = {"width": 390, "height": 844}

# The amounts of the text of the elements of a selector that are laid out on more than one line
# (a Range over each "¥…" of their text: its boxes lie on different lines), whatever the markup.
BROKEN_AMOUNTS = """(selector) => {
    const broken = [], seen = [];
    for (const element of document.querySelectorAll(selector)) {
        const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
        const nodes = [];
        while (walker.nextNode()) nodes.push(walker.currentNode);
        const text = nodes.map((n) => n.data).join("");
        for (const match of text.matchAll(/-?¥[\\d,]+\\.\\d{2}(万|亿|K|M|B)?/g)) {
            const range = document.createRange();
            let start = match.index, end = match.index + match[0].length, offset = 0;
            for (const node of nodes) {
                const next = offset + node.data.length;
                if (start >= offset && start <= next) range.setStart(node, start - offset);
                if (end >= offset && end <= next) { range.setEnd(node, end - offset); break; }
                offset = next;
            }
            const boxes = [...range.getClientRects()].filter((r) => r.width > 0);
            const tops = new Set(boxes.map((r) => Math.round(r.bottom)));
            seen.push(match[0]);
            if (tops.size > 1) broken.push(match[0]);
        }
    }
    return {broken, seen};
}"""

PAGE_OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def two_months(hq_facts, store_rows):  # noqa: F811 - pytest fixture
    """In store alpha: 1,843,987.40 signed 45 days ago (the previous 30 days) and 2,438,628.40
    signed 5 days ago, in HQ's facts: both periods' amounts read in 万 on the cards."""
    owner = user_id("a_sales")

    def make():
        from shared_apps.accounts.models import User
        from tests.dates import days_from_today, local_at
        from tests.factories.sales import make_customer, make_order, make_product

        sales = User.objects.get(pk=owner)
        buyer = make_customer(name="显示检查 E2E", owner=sales, province="浙江省")
        for days, amount in ((-45, "1843987.40"), (-5, "2438628.40")):
            product = make_product(list_price=amount)
            signed_at = local_at(days_from_today(days), 12)
            make_order(customer=buyer, owner=sales, lines=[(product, 1, amount)], signed_at=signed_at)
        reconcile_alpha()

    in_alpha(make)


def test_amounts_never_break_and_hq_fits_a_phone(two_months, as_user, screenshot_path):
    page = as_user("a_admin", "/kanban/")
    page.set_viewport_size(PHONE)
    gmv = page.locator("[data-metric=gmv] .metric-value")
    expect(gmv).to_have_text(re.compile(r"^¥[\d,]+\.\d{2}万$"), timeout=FIGURES_TIMEOUT)
    expect(page.locator("[data-metric=gmv] .metric-previous")).to_contain_text("万")
    cards = page.evaluate(BROKEN_AMOUNTS, "[data-metric]")
    assert any(text.endswith("万") for text in cards["seen"])
    assert cards["broken"] == []
    assert page.evaluate(PAGE_OVERFLOW) <= 0
    # The range buttons keep their labels on one line; the top bar's search is usable.
    for label in page.locator("#kanban-filters .btn-group label").all():
        assert label.evaluate("el => el.getClientRects().length") == 1
        assert label.evaluate("el => el.offsetHeight") < 48
    assert page.locator("#global-search-q").bounding_box()["width"] >= 200
    page.screenshot(path=screenshot_path("e2e-display-kanban-phone"), full_page=True)

    hq = as_user("hq_exec", "/dashboard/", hq=True)
    hq.set_viewport_size(PHONE)
    expect(hq.get_by_test_id("hq-cards").locator("[data-metric=gmv] .metric-value")).to_have_text(
        re.compile(r"^¥[\d,]+\.\d{2}万$")
    )
    hq_cards = hq.evaluate(BROKEN_AMOUNTS, "[data-testid=hq-cards] [data-metric]")
    assert any(text.endswith("万") for text in hq_cards["seen"])
    assert hq_cards["broken"] == []
    assert hq.evaluate(PAGE_OVERFLOW) <= 0
    # Channel platforms by their Chinese names, not their codes.
    expect(hq.locator("#hq-channel option[value=tmall]")).to_have_text("天猫")
    hq.screenshot(path=screenshot_path("e2e-display-hq-phone"), full_page=True)


@pytest.fixture
def an_order(store_rows):
    """An order in store alpha numbered like the real ones, with long product names."""
    owner = user_id("a_sales")

    def make():
        from shared_apps.accounts.models import User
        from tests.factories.sales import make_customer, make_order, make_product

        sales = User.objects.get(pk=owner)
        buyer = make_customer(name="订单显示 E2E", owner=sales)
        lines = [
            (make_product(sku=f"E2E-DSP-{n}", name=f"田字塑料托盘 1100×1100 加厚防滑款 {n}"), 300, "1452.36")
            for n in (1, 2)
        ]
        return make_order(customer=buyer, owner=sales, lines=lines, number="SO20261206-900001").pk

    return in_alpha(make)


def select_text_fits() -> str:
    """The filter selects whose chosen option is wider than the room the select gives it."""
    return """() => {
        const canvas = document.createElement("canvas").getContext("2d");
        return [...document.querySelectorAll("form[role=search] select")].filter((select) => {
            const style = getComputedStyle(select);
            canvas.font = style.font;
            const text = select.options[select.selectedIndex]?.text || "";
            const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
            return canvas.measureText(text).width > room + 1;
        }).map((select) => select.name + ": " + select.options[select.selectedIndex]?.text);
    }"""


def test_list_filters_order_numbers_and_order_amounts_fit_at_desktop_width(an_order, as_user, screenshot_path):
    page = as_user("a_admin", "/customers/")
    expect(page.locator("#customer-filters select").first).to_be_visible()
    assert page.evaluate(select_text_fits()) == []
    page.goto(page.url.replace("/customers/", "/pool/"))
    assert page.evaluate(select_text_fits()) == []
    page.screenshot(path=screenshot_path("e2e-display-pool"), full_page=True)

    page.goto(page.url.replace("/pool/", "/sales/orders/?q=SO20261206-900001"))
    number = page.get_by_role("link", name="SO20261206-900001")
    expect(number).to_be_visible()
    assert number.evaluate("el => el.getClientRects().length") == 1

    number.click()
    lines = page.locator(".table-responsive").filter(has_text="E2E-DSP-1").first
    expect(lines).to_contain_text(f"¥{Decimal('871416.00'):,.2f}")
    assert lines.evaluate("el => el.scrollWidth - el.clientWidth") <= 1
    amounts = page.evaluate(BROKEN_AMOUNTS, ".table-responsive")
    assert amounts["seen"] and amounts["broken"] == []
    page.screenshot(path=screenshot_path("e2e-display-order"), full_page=True)
