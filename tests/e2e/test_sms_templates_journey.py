"""A store admin manages SMS templates on a phone (390 px), in Chinese and in English: the card of
each template keeps its labels beside their values and nothing runs off the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import user_email
from tests.e2e.test_journeys import sign_in
from tests.e2e.test_pages_journey import phone, shot  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.e2e

# Every value cell of a card: its label (the ::before box) ends at least 4 px before the value's text
# starts on the same line (or the value is below it), and no cell is wider than the card.
LAYOUT = """() => {
  const problems = [];
  for (const td of document.querySelectorAll('[data-testid=sms-templates-table] td[data-label]')) {
    const label = getComputedStyle(td, '::before');
    if (label.content === 'none' || label.display === 'none') problems.push('no label: ' + td.dataset.label);
    if (td.scrollWidth > td.clientWidth + 1) problems.push('overflows: ' + td.dataset.label);
    const range = document.createRange();
    range.selectNodeContents(td);
    const text = range.getClientRects()[0];
    const cell = td.getBoundingClientRect();
    const sameLine = text && text.top < cell.top + (parseFloat(label.height) || 0) - 1;
    const labelEnd = cell.left + (parseFloat(label.width) || 0);
    if (sameLine && text.left < labelEnd + 4) {
      problems.push('overlaps: ' + td.dataset.label);
    }
  }
  if (document.documentElement.scrollWidth > window.innerWidth) problems.push('page wider than the screen');
  return problems;
}"""


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_an_admin_adds_switches_off_and_deletes_a_template_on_a_phone(phone, site, language):  # noqa: F811
    code = f"e2e.sms-{language.lower()}"
    page = phone(language)
    page.goto(site.store("alpha", "/login/?next=/settings/sms/"))
    sign_in(page, user_email("a_admin"))

    form = page.get_by_test_id("sms-template-form")
    form.locator("input[name=code]").fill(code)
    form.locator("input[name=name]").fill("A rather long template name for a narrow screen")
    form.locator("input[name=provider_template_code]").fill("SMS_154950909")
    form.locator("textarea[name=body]").fill("{unknown}")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("error-body")).to_contain_text("{unknown}")

    form = page.get_by_test_id("sms-template-form")
    form.locator("textarea[name=body]").fill("【提醒】{rule}:{title},请尽快处理这条很长的提醒短信以免客户等待。")
    form.locator("button[type=submit]").click()
    row = page.locator("[data-testid=sms-templates-table] tr", has_text=code)
    expect(row).to_be_visible()
    assert page.evaluate(LAYOUT) == []
    shot(page, f"sms-templates-{language}-390")

    row.locator("button[value=disable]").click()
    expect(page.get_by_test_id("sms-done")).to_be_visible()
    row = page.locator("[data-testid=sms-templates-table] tr", has_text=code)
    expect(row.locator("button[value=enable]")).to_be_visible()
    page.on("dialog", lambda dialog: dialog.accept())
    row.locator("button[value=delete]").click()
    expect(page.locator("[data-testid=sms-templates-table] tr", has_text=code)).to_have_count(0)
