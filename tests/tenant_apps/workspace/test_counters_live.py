"""Counters live: the sidebar's badges are redrawn by htmx (every 30 s and on ``crm-counters``,
which inline decisions send), and the 360° page's follow-up count follows an added follow-up."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_sidebar_partial_lists_the_entries_with_their_badges_and_keeps_the_page_lit(page_client, users, store_a):
    response = page_client(users.a_admin, store_a).get("/nav/?path=/finance/invoices/")

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'data-nav="finance"' in html
    assert html.count('aria-current="page"') == 1 and 'data-nav="invoices" aria-current="page"' in html


def test_every_store_page_polls_the_sidebar(page_client, users, store_a):
    html = page_client(users.a_sales, store_a).get("/").content.decode()

    assert 'hx-get="/nav/?path=/"' in html and "crm-counters from:body" in html


def test_an_added_follow_up_redraws_the_count_out_of_band(page_client, users, store_a, in_store):
    from tests.factories.sales import make_customer

    with in_store(store_a):
        customer = make_customer(owner=users.a_sales, name="Counted")

    response = page_client(users.a_sales, store_a).post(
        f"/customers/{customer.pk}/follow-ups/", {"kind": "call", "content": "Called"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert 'id="follow-up-count"' in html and 'hx-swap-oob="true">1<' in html


def test_the_home_page_polls_its_counters_like_the_sidebar(page_client, users, store_a):
    html = page_client(users.a_admin, store_a).get("/").content.decode()

    stats = html[html.index('id="home-stats"') - 200 : html.index('id="home-stats"') + 300]
    assert 'hx-get="/home/counters/"' in stats and "crm-counters from:body" in stats
    assert 'id="quick-links"' in html and 'hx-swap-oob="true"' not in html


def test_the_home_counters_follow_new_notifications(page_client, users, store_a, in_store):
    from tenant_apps.notifications.services import notify

    client = page_client(users.a_admin, store_a)
    before = client.get("/home/counters/").content.decode()
    assert '<div class="stat-value" data-testid="home-unread">0</div>' in before
    assert 'data-testid="quick-link-badge">2<' not in before

    with in_store(store_a):
        notify(recipients=[users.a_admin], kind="x.y", title="One")
        notify(recipients=[users.a_admin], kind="x.y", title="Two")

    response = client.get("/home/counters/")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert '<div class="stat-value" data-testid="home-unread">2</div>' in html
    assert 'id="quick-links" data-testid="quick-links" hx-swap-oob="true"' in html
    quick = html[html.index('data-quick-link="notifications"') :]
    assert quick[: quick.index("</a>")].endswith('data-testid="quick-link-badge">2</span>')
