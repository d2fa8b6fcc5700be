"""A reader in English sees English: the list pages with their filters, the notification list and
the notifications API, whatever language was active when the text was made.

``template_text`` proves the templates hold no untranslated words; this proves what is rendered:
a label translated once at import time (``gettext`` in a class body), or a notification stored as
the text of the language of its moment, would show Chinese here.
"""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from tenant_apps.notifications import services as notifications

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]+")
# What may stay Chinese on an English page: the name of the other language in the language menu and
# script bodies. The test stores' data is in English, but their channels were named when the store was
# made, in the default language: a channel still named after its platform reads in the reader's.
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
OWN_LANGUAGE = re.compile(r"<[^>]*\blang=\"zh-hans\"[^>]*>[^<]*<", re.I)

STORE_PAGES_WITH_FILTERS = (
    "/customers/",
    "/pool/",
    "/pool/claims/",
    "/sales/products/",
    "/sales/quotations/",
    "/sales/orders/",
    "/sales/orders/board/",
    "/finance/",
    "/finance/receivables/",
    "/finance/invoices/",
    "/after-sales/",
    "/leads/",
    "/enquiries/",
    "/kanban/",
    "/kanban/announcements/",
    "/kanban/tasks/",
    "/insights/",
    "/automations/",
    "/notifications/",
    "/team/",
)


def chinese_in(html: str) -> list[str]:
    text = SCRIPT_OR_STYLE.sub(" ", html)
    text = OWN_LANGUAGE.sub("<", text)
    return sorted(set(CHINESE.findall(text)))


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>All</p>", []),
        ("<option>全部</option>", ["全部"]),
        ("<script>const a = '全部';</script>", []),
        ('<a lang="zh-hans" href="#">简体中文</a>', []),
    ],
)
def test_the_detector(html, expected):
    assert chinese_in(html) == expected


@pytest.fixture
def chinese_reader_notifications(store_a, users, in_store):
    """Notifications sent while Chinese is active, to a member whose language is Chinese."""
    users.a_admin.language = "zh-hans"
    users.a_admin.save(update_fields=["language"])
    with translation.override("zh-hans"), in_store(store_a):
        notifications.notify(
            recipients=[users.a_admin],
            kind="sales.quotation_submitted",
            title=format_lazy(gettext_lazy("Quotation {number} needs your approval"), number="Q-1"),
            body=format_lazy(gettext_lazy("Reason: {reason}"), reason="price"),
            url="/sales/quotations/",
        )
        for name in ("Ann", "Bob"):
            notifications.notify(
                recipients=[users.a_admin],
                kind="customers.follow_up_due",
                title=format_lazy(gettext_lazy("Follow-up due: {name}"), name=name),
                url="/customers/",
            )


def test_the_notifications_were_stored_in_chinese_for_their_recipient(chinese_reader_notifications, store_a, in_store):
    from tenant_apps.notifications.models import Notification

    with in_store(store_a):
        titles = list(Notification.objects.values_list("title", flat=True))
    assert any(CHINESE.search(title) for title in titles)


@pytest.mark.parametrize("path", STORE_PAGES_WITH_FILTERS)
def test_store_page_in_english_has_no_chinese(path, page_client, store_a, users, chinese_reader_notifications):
    response = page_client(users.a_admin, store_a).get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert chinese_in(response.content.decode()) == []


@pytest.mark.parametrize("path", ["/audit/", "/audit/sign-ins/"])
def test_action_log_filters_in_english_have_no_chinese(path, page_client, store_a, users):
    """The log shows the values as they were written (data); its filters are the page's own words."""
    html = page_client(users.a_admin, store_a).get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    forms = re.findall(r"<form\b.*?</form>", html, re.S)
    assert forms and chinese_in(" ".join(forms)) == []


def test_notification_list_in_english_shows_english_titles_and_bodies(
    page_client, store_a, users, chinese_reader_notifications
):
    html = page_client(users.a_admin, store_a).get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Quotation Q-1 needs your approval" in html
    assert "Reason: price" in html
    assert "Follow-ups due: 2" in html
    assert "Follow-up due: Ann" in html and "Follow-up due: Bob" in html


def test_notification_list_in_chinese_stays_chinese(page_client, store_a, users, chinese_reader_notifications):
    html = page_client(users.a_admin, store_a).get("/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Quotation Q-1 needs your approval" not in html
    assert "Q-1" in html and chinese_in(html)


def test_notifications_api_answers_in_the_readers_language(api, store_a, users, chinese_reader_notifications):
    body = api(users.a_admin, store_a).get("/api/v1/notifications", HTTP_ACCEPT_LANGUAGE="en").json()
    results = body["results"] if isinstance(body, dict) else body
    titles = {item["title"] for item in results}
    assert "Quotation Q-1 needs your approval" in titles
    assert "Follow-ups due: 2" in titles
    assert not any(CHINESE.search(item["title"] + item["body"]) for item in results)


def test_hq_console_in_english_has_no_chinese(page_client, users):
    response = page_client(users.hq_admin, None).get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert chinese_in(response.content.decode()) == []
