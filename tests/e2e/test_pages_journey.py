"""Journeys through the finished pages at a phone's width (390 px), in Chinese and in English, with
screenshots kept under ``.run/screenshots/`` (CI artefacts): the 360° page with its labelled
panels, actions and a follow-up with an attachment; the team's invitation with its one-time link;
the order board; the signup page on the base host; a friendly 404."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import user_email
from tests.e2e.conftest import run_in_thread, share_the_clock
from tests.e2e.test_journeys import sign_in

pytestmark = pytest.mark.e2e

SHOTS = Path(".run/screenshots")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
INVITED = "e2e.invited.colleague@example.com"


@pytest.fixture
def phone(browser, site, e2e_db):
    """``phone(language)``: a 390 px wide browser context in that language."""
    contexts = []

    def open_context(language: str = "zh-CN"):
        context = browser.new_context(locale=language, viewport={"width": 390, "height": 844})
        context.set_default_timeout(15_000)
        share_the_clock(context)
        contexts.append(context)
        return context.new_page()

    yield open_context
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_the_360_page_on_a_phone_with_a_follow_up_and_its_attachment(phone, site, store_rows, language, tmp_path):
    page = phone(language)
    page.goto(site.store("alpha", "/login/?next=/customers/new/"))
    sign_in(page, user_email("a_sales"))
    page.fill("input[name=name]", f"E2E 360 {language}")
    page.fill("input[name=mobile]", "+86 139-5555-0" + ("101" if language == "en" else "102"))
    page.click("[data-testid=customer-form] button[type=submit]")
    expect(page.get_by_test_id("customer-name")).to_have_text(f"E2E 360 {language}")

    actions = page.get_by_test_id("customer-actions")
    expect(actions.get_by_test_id("action-new-quotation")).to_be_visible()
    expect(actions.get_by_test_id("action-new-order")).to_be_visible()
    expect(page.get_by_test_id("sales-panel")).to_be_visible()
    for raw in ("lifetime_value", "latest_orders", "net_received"):
        expect(page.locator("body")).not_to_contain_text(raw)

    photo = tmp_path / "visit.png"
    photo.write_bytes(PNG)
    form = page.get_by_test_id("follow-up-form")
    form.locator("textarea[name=content]").fill("拜访工厂 / visited the plant")
    form.locator("input[name=attachments]").set_input_files(str(photo))
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("follow-up-added")).to_be_visible()
    expect(page.get_by_test_id("follow-up-attachments")).to_contain_text("visit.png")
    expect(page.get_by_test_id("follow-up-count")).to_have_text(re.compile(r"\d"))
    shot(page, f"customer-360-{language}-390")


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_an_admin_invites_a_colleague_who_joins_through_the_one_time_link(phone, site, e2e_db, language):
    from django.core import mail

    def forget_invited():
        from shared_apps.accounts.models import User

        User.objects.filter(email=INVITED).delete()

    run_in_thread(forget_invited)
    mail.outbox = []
    try:
        page = phone(language)
        page.goto(site.store("alpha", "/login/?next=/team/"))
        sign_in(page, user_email("a_admin"))
        page.get_by_test_id("invite-link").click()
        page.fill("input[name=email]", INVITED)
        page.fill("input[name=name]", "E2E 同事")
        page.select_option("select[name=role]", "salesperson")
        shot(page, f"team-invite-{language}-390")
        page.get_by_test_id("invite-submit").click()
        expect(page).to_have_url(site.store("alpha", "/team/"))
        shot(page, f"team-{language}-390")

        link = re.search(r"http://\S+/password/set/\S+/", mail.outbox[-1].body).group(0)
        colleague = phone(language)
        colleague.goto(link.replace("http://alpha.localhost:8000", site.store("alpha", "").rstrip("/")))
        expect(colleague.get_by_test_id("password-set-form")).to_be_visible()
        colleague.fill("input[name=new_password1]", "Quiet-Harbour-2031")
        colleague.fill("input[name=new_password2]", "Quiet-Harbour-2031")
        colleague.click("[data-testid=password-set-form] button[type=submit]")
        expect(colleague).to_have_url(site.store("alpha", "/"))
        shot(colleague, f"invited-home-{language}-390")
    finally:
        run_in_thread(forget_invited)


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_the_order_board_the_signup_page_and_a_friendly_404(phone, site, language):
    page = phone(language)
    page.goto(site.store("alpha", "/login/?next=/sales/orders/board/"))
    sign_in(page, user_email("a_admin"))
    expect(page.get_by_test_id("order-board")).to_be_visible()
    shot(page, f"order-board-{language}-390")

    page.goto(site.store("alpha", "/customers/99999999/"))
    expect(page.locator(".error-code")).to_have_text("404")
    expect(page.locator("body")).not_to_contain_text("URLconf")
    shot(page, f"not-found-{language}-390")

    visitor = phone(language)
    visitor.goto(site.hq("/login/"))
    visitor.get_by_test_id("signup-link").click()
    expect(visitor.get_by_test_id("signup-form")).to_be_visible()
    shot(visitor, f"signup-{language}-390")


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_notifications_home_counters_billing_and_the_shipment_form_on_a_phone(phone, site, store_rows, language):
    """Notifications read in the reader's language, the home page's live counters, the plan's name on
    the billing page and the courier list of the order page's shipment form."""

    def world():
        from django.utils import translation
        from django.utils.text import format_lazy
        from django.utils.translation import gettext_lazy
        from django_tenants.utils import tenant_context

        from shared_apps.accounts.models import User
        from tenant_apps.notifications.services import notify
        from tenants.models import Store
        from tests.factories.sales import make_customer, make_order, make_product

        admin = User.objects.get(email=user_email("a_admin"))
        with tenant_context(Store.objects.get(subdomain="alpha")), translation.override("zh-hans"):
            notify(
                recipients=[admin],
                kind="sales.quotation_submitted",
                title=format_lazy(gettext_lazy("Quotation {number} needs your approval"), number="Q-E2E-1"),
                body=format_lazy(gettext_lazy("Reason: {reason}"), reason="price"),
                url="/sales/quotations/",
            )
            customer = make_customer(owner=admin, name=f"E2E ship {language}")
            order = make_order(
                customer=customer,
                owner=admin,
                lines=[(make_product(list_price="100.00"), 1, "100.00")],
                status="pending_delivery",
                payment_mode="credit",
                number=f"SO-E2E-SHIP-{language}",
            )
            holder["order"] = order.pk

    holder: dict = {}
    run_in_thread(world)
    page = phone(language)
    page.goto(site.store("alpha", "/login/?next=/notifications/"))
    sign_in(page, user_email("a_admin"))
    title = "Quotation Q-E2E-1 needs your approval" if language == "en" else "报价单 Q-E2E-1"
    expect(page.get_by_test_id("notification-list")).to_contain_text(title)
    shot(page, f"notifications-{language}-390")

    page.goto(site.store("alpha", "/"))
    expect(page.get_by_test_id("home-stats")).to_have_attribute("hx-get", "/home/counters/")
    expect(page.get_by_test_id("quick-links")).to_be_visible()
    shot(page, f"home-{language}-390")

    page.goto(site.store("alpha", "/billing/"))
    shot(page, f"billing-{language}-390")

    page.goto(site.store("alpha", f"/sales/orders/{holder['order']}/"))
    couriers = page.get_by_test_id("move-pending_receipt").locator("select[name=carrier]")
    couriers.select_option("other")
    expect(page.get_by_test_id("move-pending_receipt").locator("[data-courier-other]")).to_be_visible()
    couriers.select_option("SF")
    shot(page, f"order-shipment-{language}-390")
