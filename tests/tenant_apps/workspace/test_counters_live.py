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
