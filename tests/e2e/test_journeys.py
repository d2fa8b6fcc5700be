"""Main journeys in a real browser: sign in on a store, the shell, language switch, sign out;
store isolation after sign-in; the HQ console; the settings form with htmx; the API docs."""

import pytest
from playwright.sync_api import expect

from tenants.routing import store_url
from tests.conftest import PASSWORD, user_email

pytestmark = pytest.mark.e2e


def sign_in(page, email: str, password: str = PASSWORD):
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation() as navigation:
        page.click("form[action='/login/'] button[type=submit]")
    return navigation.value


def test_salesperson_signs_in_switches_to_english_and_signs_out(page, site, screenshot_path):
    page.goto(site.store("alpha", "/"))
    expect(page).to_have_url(site.store("alpha", "/login/?next=/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("登录")
    expect(page.locator(".auth-title")).to_have_text("Alpha")

    sign_in(page, user_email("a_sales"))
    expect(page).to_have_url(site.store("alpha", "/"))
    nav = page.locator("#app-sidebar nav")
    for key in ("home", "members", "channels", "settings"):
        expect(nav.locator(f"[data-nav={key}]")).to_be_visible()
    expect(nav.locator("[data-nav=home]")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("home-role")).to_have_text("销售员")
    page.screenshot(path=screenshot_path("e2e-workspace"), full_page=True)

    page.click("[data-nav=members]")
    expect(page.get_by_test_id("members-table")).to_contain_text(user_email("a_sales2"))

    with page.expect_navigation():
        page.click("button[name=language][value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#app-sidebar nav")).to_contain_text("Team")
    expect(page.locator("h1")).to_have_text("Team")

    with page.expect_navigation():
        page.click("form[action='/logout/'] button[type=submit]")
    expect(page).to_have_url(site.store("alpha", "/login/"))
    expect(page.locator("h1")).to_have_text("Sign in")
    page.goto(site.store("alpha", "/"))
    expect(page).to_have_url(site.store("alpha", "/login/?next=/"))


def test_member_of_store_a_sees_404_after_signing_in_on_store_b(page, site):
    page.goto(site.store("bravo", "/login/"))
    expect(page.locator(".auth-title")).to_have_text("Bravo")
    response = sign_in(page, user_email("a_sales"))
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("页面未找到")
    expect(page.locator("body")).not_to_contain_text("Bravo")


def test_hq_admin_signs_in_and_filters_the_stores(page, site, screenshot_path):
    page.goto(site.hq("/"))
    expect(page.locator(".auth-title")).to_have_text("总部控制台")
    sign_in(page, user_email("hq_admin"))
    expect(page).to_have_url(site.hq("/"))
    table = page.get_by_test_id("stores-table")
    expect(table.locator("tbody tr[data-store]")).to_have_count(2)
    expect(table.locator("tr[data-store=alpha]")).to_contain_text("Alpha")
    expect(table.locator("tr[data-store=bravo] a[target=_blank]")).to_have_attribute("href", store_url("bravo"))
    page.screenshot(path=screenshot_path("e2e-hq-console"), full_page=True)

    page.select_option("select[name=status]", "suspended")
    expect(table.locator("tbody tr[data-store]")).to_have_count(0)
    expect(page).to_have_url(site.hq("/?q=&subsidiary=&status=suspended"))
    page.select_option("select[name=status]", "")
    expect(page.get_by_test_id("stores-table").locator("tbody tr[data-store]")).to_have_count(2)

    page.fill("input[name=q]", "brav")
    expect(page.get_by_test_id("stores-table").locator("tbody tr[data-store]")).to_have_count(1)
    expect(page.get_by_test_id("stores-table").locator("tr[data-store=bravo]")).to_be_visible()


def test_store_admin_sees_setting_errors_in_place_then_saves(page, site):
    page.goto(site.store("alpha", "/login/?next=/settings/"))
    sign_in(page, user_email("a_admin"))
    expect(page).to_have_url(site.store("alpha", "/settings/"))
    threshold = page.locator("input[name=discount_threshold]")
    original = threshold.input_value()

    threshold.fill("1.5")
    page.click("#settings-form button[type=submit]")
    expect(page.locator("#id_discount_threshold_errors")).to_be_visible()
    expect(page.locator("input[name=discount_threshold]")).to_have_class("form-control is-invalid")

    page.locator("input[name=discount_threshold]").fill(original)
    page.click("#settings-form button[type=submit]")
    expect(page.get_by_test_id("settings-saved")).to_be_visible()
    expect(page.locator("#id_discount_threshold_errors")).to_have_count(0)


def test_api_docs_load_from_local_static_files(page, site):
    page.goto(site.hq("/api/v1/docs/"))
    # The page fetches the OpenAPI document, generated on request: seconds on a loaded machine.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Store CRM API", timeout=30_000)
