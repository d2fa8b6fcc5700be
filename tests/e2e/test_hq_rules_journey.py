"""An HQ admin deletes a default automation rule on a phone, in both languages: the list links to a
confirmation page that says what happens to the stores, and confirming removes the rule."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import user_email
from tests.e2e.conftest import run_in_thread
from tests.e2e.test_journeys import sign_in
from tests.e2e.test_pages_journey import phone, shot  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.e2e


@pytest.fixture
def default_rule(e2e_db):
    """A committed HQ default rule (removed afterwards if the journey left it)."""
    made = {}

    def make():
        from hq_console import services
        from shared_apps.accounts.models import User

        admin = User.objects.get(email=user_email("hq_admin"))
        made["rule"] = services.default_rule_create(
            hq_user=admin, name="E2E: quiet customers", template="customer_quiet", params={"days": 20}
        )

    run_in_thread(make)
    yield made["rule"]

    def remove():
        from hq_console.models import HqDefaultRule

        HqDefaultRule.objects.filter(pk=made["rule"].pk).delete()

    run_in_thread(remove)


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_an_hq_admin_deletes_a_default_rule_after_confirming_on_a_phone(phone, site, default_rule, language):  # noqa: F811
    page = phone(language)
    page.goto(site.hq("/login/?next=/automation/"))
    sign_in(page, user_email("hq_admin"))
    row = page.locator(f"[data-rule='{default_rule.pk}']")
    expect(row).to_be_visible()

    with page.expect_navigation():
        page.locator(f"a[href='/automation/{default_rule.pk}/delete/']").first.click()
    expect(page.locator("body")).to_contain_text("E2E: quiet customers")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, f"hq-rule-delete-{language}-390")

    with page.expect_navigation():
        page.locator(f"form[action='/automation/{default_rule.pk}/delete/'] button[type=submit]").click()
    expect(page).to_have_url(site.hq("/automation/"))
    expect(page.locator(f"[data-rule='{default_rule.pk}']")).to_have_count(0)
    shot(page, f"hq-rules-after-delete-{language}-390")
