"""The Data Kanban page: who may open it and what it offers."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_admin_gets_the_page_with_cards_and_filters(page_client, store_a, users):
    response = page_client(users.a_admin, store_a).get("/kanban/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-metric="gmv"' in html and 'data-metric="receivable_overdue"' in html
    assert 'id="kanban-salesperson"' in html
    assert "vendor/echarts/echarts.min.js" in html


def test_salesperson_gets_no_salesperson_select(page_client, store_a, users):
    html = page_client(users.a_sales, store_a).get("/kanban/").content.decode()
    assert 'id="kanban-salesperson"' not in html


def test_role_without_kanban_view_is_refused(page_client, store_a, users):
    assert page_client(users.a_warehouse, store_a).get("/kanban/").status_code == 403


def test_anonymous_is_sent_to_sign_in(page_client, store_a):
    response = page_client(None, store_a).get("/kanban/")
    assert response.status_code == 302
