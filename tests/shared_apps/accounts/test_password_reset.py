"""Password reset by email: the link works once and expires; requests are throttled."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/password-reset/[^/\s]+/[^/\s]+/)")


def _ask(client, email):
    return client.post("/password-reset/", {"email": email})


def _link(mailoutbox) -> str:
    (message,) = mailoutbox
    return LINK.search(message.body).group(1)


def test_reset_link_sets_the_password_once(store_a, users, page_client, mailoutbox):
    client = page_client(None, store_a)
    assert _ask(client, users.a_sales.email).status_code == 302
    link = _link(mailoutbox)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "Brand-New-Lantern-88", "new_password2": "Brand-New-Lantern-88"})
    assert done.status_code == 302
    users.a_sales.refresh_from_db()
    assert users.a_sales.check_password("Brand-New-Lantern-88")
    again = page_client(None, store_a).get(link, follow=True)
    assert again.context["validlink"] is False


def test_reset_link_expires(store_a, users, page_client, mailoutbox, settings):
    client = page_client(None, store_a)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _ask(client, users.a_sales.email)
        link = _link(mailoutbox)
        clock.shift(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1))
        response = page_client(None, store_a).get(link, follow=True)
    assert response.context["validlink"] is False


def test_unknown_address_gets_the_same_answer_and_no_mail(store_a, page_client, mailoutbox):
    response = _ask(page_client(None, store_a), "nobody-here@example.com")
    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    assert mailoutbox == []


def test_reset_requests_are_throttled_per_email(store_a, users, page_client, mailoutbox, settings):
    settings.PASSWORD_RESET_THROTTLE_RATE = "2/hour"
    client = page_client(None, store_a)
    assert [_ask(client, users.a_sales.email).status_code for _ in range(3)] == [302, 302, 429]
    assert len(mailoutbox) == 2


def test_address_locked_out_by_sign_in_failures_cannot_ask_for_resets(
    store_a, users, page_client, settings, mailoutbox
):
    settings.LOGIN_IP_FAILURE_LIMIT = 2
    client = page_client(None, store_a)
    for _ in range(2):
        client.post("/login/", {"username": users.a_sales2.email, "password": "wrong"})
    assert _ask(client, users.a_sales.email).status_code == 429
    assert mailoutbox == []
