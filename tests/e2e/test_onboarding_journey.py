"""A new owner's first hour, in the browser only: sign up on the base host, land in the new store,
invite two colleagues from the team pages (each follows the one-time link and sets a password),
import customers from a spreadsheet through the import page, add a product and make a quotation
through the quotation page. No API call is made by the test. Screenshots of each step are kept
under ``.run/screenshots/`` (CI artefacts); axe-core checks the signup and team pages.

Billing is off in the tests (no Stripe key), as on a machine without a payment provider: the
signup makes the store on its trial plan without calling the gateway.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.conftest import run_in_thread, share_the_clock
from tests.e2e.test_journeys import sign_in

pytestmark = pytest.mark.e2e

SHOTS = Path(".run/screenshots")
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
SUBDOMAIN = "e2e-onboarding"
OWNER = "owner@e2e-onboarding.example"
OWNER_PASSWORD = "Quiet-Harbour-2026"
COLLEAGUES = (
    ("sales.one@e2e-onboarding.example", "Li Na", "salesperson"),
    ("supervisor.one@e2e-onboarding.example", "Zhao Lei", "supervisor"),
)
COLLEAGUE_PASSWORD = "Amber-Lantern-2031"
IMPORTED = (("Ningbo Pallet Works", "13905550101"), ("Suzhou Crate Co.", "13905550102"), ("Wuxi Racks", "13905550103"))


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"onboarding-{name}.png"), full_page=True)


def serious_axe_violations(page) -> list[dict]:
    page.wait_for_load_state("networkidle")
    # The page's CSP admits only our own scripts: axe is handed in as the test's own.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\nundefined;")
    found = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map("
        "n => n.target.join(' ') + ': ' + n.any.map(c => c.message).join(' '))})))"
    )
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    for violation in bad:
        print(page.url, violation["id"], *violation["nodes"], sep="\n  ")
    return bad


def customers_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "手机", "省份"])
    for name, mobile in IMPORTED:
        sheet.append([name, mobile, "浙江省"])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def forget_the_new_store() -> None:
    """The signup committed public rows and a schema: all of them are removed."""
    from shared_apps.accounts.models import Membership, User
    from shared_apps.billing.models import Account
    from tenants.models import Domain, Provisioning, Store

    emails = [OWNER, *(email for email, _name, _role in COLLEAGUES)]
    stores = list(Store.objects.filter(subdomain=SUBDOMAIN))
    Account.objects.filter(provisioning__subdomain=SUBDOMAIN).delete()
    Account.objects.filter(store__in=stores).delete()
    Membership.objects.filter(store__in=stores).delete()
    Domain.objects.filter(tenant__in=stores).delete()
    Provisioning.objects.filter(subdomain=SUBDOMAIN).delete()
    for store in stores:
        store.delete(force_drop=True)
    User.objects.filter(email__in=emails).delete()


@pytest.fixture
def new_store(e2e_db):
    run_in_thread(forget_the_new_store)
    yield
    run_in_thread(forget_the_new_store)


@pytest.fixture
def browse(browser, site):
    """``browse(locale, width)``: a fresh browser context (no cookies) and its page."""
    contexts = []
    outside: list[str] = []

    def open_page(locale: str = "zh-CN", width: int = 1366):
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 860})
        context.set_default_timeout(20_000)
        share_the_clock(context)
        context.on("request", lambda r: outside.append(r.url) if not site.is_local(r.url) else None)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    assert outside == [], f"requests left the app: {outside}"


def on_this_server(site, link: str) -> str:
    """A link the app printed for its configured host, on the test server's port."""
    return re.sub(rf"^https?://{re.escape(SUBDOMAIN)}\.[^/]+", site.store(SUBDOMAIN, "").rstrip("/"), link)


def test_a_new_owner_signs_up_invites_two_colleagues_imports_customers_and_quotes(browse, site, new_store, tmp_path):
    from django.core import mail

    mail.outbox = []

    # Signing up on the base host, from the login page's link.
    owner = browse()
    owner.goto(site.hq("/login/"))
    owner.get_by_test_id("signup-link").click()
    form = owner.get_by_test_id("signup-form")
    expect(form).to_be_visible()
    assert serious_axe_violations(owner) == []
    form.locator("input[name=owner_name]").fill("Chen Jing")
    form.locator("input[name=company]").fill("Ningbo Onboarding Pallets Ltd.")
    form.locator("input[name=store_name]").fill("Onboarding pallet shop")
    form.locator("input[name=subdomain]").fill(SUBDOMAIN)
    form.locator("input[name=owner_email]").fill(OWNER)
    form.locator("input[name=owner_password]").fill(OWNER_PASSWORD)
    form.locator("select[name=plan]").select_option("trial")
    form.locator("select[name=channel]").select_option("tmall")
    shot(owner, "1-signup")
    with owner.expect_navigation():
        owner.get_by_test_id("signup-submit").click()
    expect(owner.get_by_test_id("signup-ready")).to_be_visible(timeout=90_000)
    shot(owner, "2-signup-ready")

    # Into the new store: the owner is greeted by name and shown the first steps.
    open_store = owner.get_by_test_id("signup-open-store").get_attribute("href")
    owner.goto(on_this_server(site, open_store))
    sign_in(owner, OWNER, OWNER_PASSWORD)
    expect(owner).to_have_url(site.store(SUBDOMAIN, "/"))
    expect(owner.locator("h1")).to_contain_text("Chen Jing")
    expect(owner.get_by_test_id("first-run")).to_be_visible()
    shot(owner, "3-store-home")

    # Two colleagues invited from the team page; each sets a password through the one-time link.
    owner.goto(site.store(SUBDOMAIN, "/team/"))
    assert serious_axe_violations(owner) == []
    for number, (email, name, role) in enumerate(COLLEAGUES, start=1):
        owner.get_by_test_id("invite-link").click()
        invite = owner.get_by_test_id("invite-form")
        if number == 1:
            assert serious_axe_violations(owner) == []
        invite.locator("input[name=email]").fill(email)
        invite.locator("input[name=name]").fill(name)
        invite.locator("select[name=role]").select_option(role)
        shot(owner, f"4-invite-{number}")
        with owner.expect_navigation():
            owner.get_by_test_id("invite-submit").click()
        expect(owner).to_have_url(site.store(SUBDOMAIN, "/team/"))
        expect(owner.locator("body")).to_contain_text(email)  # the invitation is sent; membership on acceptance

        letter = next(m for m in reversed(mail.outbox) if email in m.to)
        link = re.search(r"https?://\S+/password/set/\S+/", letter.body).group(0)
        colleague = browse()
        colleague.goto(on_this_server(site, link))
        expect(colleague.get_by_test_id("password-set-form")).to_be_visible()
        colleague.fill("input[name=new_password1]", COLLEAGUE_PASSWORD)
        colleague.fill("input[name=new_password2]", COLLEAGUE_PASSWORD)
        with colleague.expect_navigation():
            colleague.click("[data-testid=password-set-form] button[type=submit]")
        expect(colleague).to_have_url(site.store(SUBDOMAIN, "/"))
        expect(colleague.locator("h1")).to_contain_text(name)
        shot(colleague, f"5-colleague-{number}-home")
    owner.goto(site.store(SUBDOMAIN, "/team/"))
    for _email, name, _role in COLLEAGUES:
        expect(owner.get_by_test_id("members-table")).to_contain_text(name)
    shot(owner, "6-team")

    # Customers from a spreadsheet, through the import page: upload, check the columns, import.
    sheet = tmp_path / "customers.xlsx"
    sheet.write_bytes(customers_xlsx())
    owner.goto(site.store(SUBDOMAIN, "/customers/"))
    owner.get_by_test_id("import-link").click()
    owner.locator("input[name=file]").set_input_files(str(sheet))
    owner.get_by_test_id("import-upload-submit").click()
    expect(owner.get_by_test_id("import-mapping")).to_be_visible()
    shot(owner, "7-import-mapping")
    owner.get_by_test_id("import-confirm").click()
    expect(owner.locator("[data-testid=import-progress][data-status=done]")).to_be_visible(timeout=60_000)
    shot(owner, "8-import-done")
    owner.goto(site.store(SUBDOMAIN, "/customers/"))
    for name, _mobile in IMPORTED:
        expect(owner.locator("body")).to_contain_text(name)

    # A product, then the first quotation, on their pages.
    owner.goto(site.store(SUBDOMAIN, "/sales/products/new/"))
    product = owner.get_by_test_id("product-form")
    product.locator("input[name=name]").fill("Plastic pallet 1210")
    product.locator("input[name=sku]").fill("E2E-ONB-1210")
    product.locator("input[name=list_price]").fill("120.00")
    with owner.expect_navigation():
        product.locator("button[type=submit]").click()

    owner.goto(site.store(SUBDOMAIN, "/sales/quotations/new/"))
    quote = owner.get_by_test_id("quotation-form")
    quote.locator("#id_customer").fill("Ningbo")
    quote.locator("#id_customer-list [data-id]").first.click()
    quote.locator("input[name=valid_until]").fill((date.today() + timedelta(days=30)).isoformat())
    quote.locator("#product-0").fill("E2E-ONB")
    quote.locator("#product-0-list [data-id]").first.click()
    quote.locator("input[name=quantity_0]").fill("10")
    quote.locator("input[name=unit_price_0]").fill("120")
    expect(owner.get_by_test_id("quotation-preview").get_by_test_id("preview-amount")).to_have_text("¥1,200.00")
    shot(owner, "9-quotation-form")
    with owner.expect_navigation():
        quote.locator("button[type=submit]").click()
    expect(owner).to_have_url(re.compile(r"/sales/quotations/\d+/$"))
    expect(owner.locator("body")).to_contain_text("Ningbo Pallet Works")
    shot(owner, "10-quotation")

    owner.goto(site.store(SUBDOMAIN, "/"))
    checklist = owner.get_by_test_id("first-run")
    if checklist.count():  # the checklist may leave the page once every step is done
        for step in ("products", "customers", "team", "quotation"):
            expect(checklist.locator(f"[data-step={step}]")).to_have_attribute("data-done", "true")
    shot(owner, "11-store-home-after")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_signup_and_team_pages_pass_axe_in_both_languages_and_on_a_phone(browse, site, e2e_db, locale):
    from tests.conftest import user_email

    visitor = browse(locale, 390)
    visitor.goto(site.hq("/signup/"))
    expect(visitor.get_by_test_id("signup-form")).to_be_visible()
    assert serious_axe_violations(visitor) == []
    shot(visitor, f"signup-{locale}-390")

    admin = browse(locale, 390)
    admin.goto(site.store("alpha", "/login/?next=/team/"))
    sign_in(admin, user_email("a_admin"))
    expect(admin.get_by_test_id("members-table")).to_be_visible()
    assert serious_axe_violations(admin) == []
    shot(admin, f"team-{locale}-390")
    admin.goto(site.store("alpha", "/team/invite/"))
    assert serious_axe_violations(admin) == []
