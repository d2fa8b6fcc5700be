"""The HQ dashboard pages: consolidated figures and the audited drill-down page."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from hq_reports import rollups
from shared_apps.platform.models import HqAccessLog
from tests.factories.hq import make_history
from tests.factories.sales import make_more_sales_and_a_loss

pytestmark = pytest.mark.django_db


@pytest.fixture
def fed(store_a, users, in_store):
    with in_store(store_a):
        make_history(owners=[users.a_sales], now=timezone.now(), seed=51)
        rollups.drain()
    return store_a


def test_the_dashboard_page_shows_cards_charts_and_the_store_table(page_client, users, fed):
    response = page_client(users.hq_exec).get("/dashboard/", {"range": "7d"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="hq-cards"' in html
    assert "vendor/echarts/echarts.min.js" in html
    assert f"/dashboard/stores/{fed.pk}/" in html
    assert "alpha." in html  # the link to the store's own host


def test_a_bad_custom_range_shows_the_error_on_the_page(page_client, users):
    response = page_client(users.hq_exec).get("/dashboard/", {"range": "custom", "start": "2026-02-10"})

    assert response.status_code == 400
    assert 'data-testid="hq-error"' in response.content.decode()


def test_the_drill_down_page_is_audited(page_client, users, fed):
    response = page_client(users.hq_exec).get(f"/dashboard/stores/{fed.pk}/", {"range": "30d"})

    assert response.status_code == 200
    assert HqAccessLog.objects.filter(user=users.hq_exec, store=fed).count() == 1


def test_the_drill_down_page_of_an_unknown_store_is_404(page_client, users):
    assert page_client(users.hq_exec).get("/dashboard/stores/999999/").status_code == 404


def test_store_users_cannot_open_the_dashboard_page(page_client, users):
    assert page_client(users.a_admin).get("/dashboard/").status_code == 403


def _card(html: str, key: str) -> str:
    return re.search(rf'data-metric="{key}">(.*?)</div>\s*</div>\s*</div>', html, re.S).group(1)


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/stores/{pk}/"])
def test_a_rising_lost_rate_is_shown_red_and_a_rising_gmv_green(page_client, store_a, users, in_store, path):
    with in_store(store_a):
        make_more_sales_and_a_loss(owner=users.a_sales, admin=users.a_admin)
        rollups.reconcile()

    html = page_client(users.hq_exec).get(path.format(pk=store_a.pk), {"range": "7d", "store": store_a.pk}).content
    html = html.decode()

    lost, gmv = _card(html, "lost_rate"), _card(html, "gmv")
    assert 'class="metric-change trend-bad"' in lost and "▲ 50.0" in lost
    assert 'class="metric-change trend-good"' in gmv and "▲ 200.0%" in gmv
    assert 'title="¥300.00">¥300.00<' in gmv


@pytest.fixture
def many_stores(monkeypatch):
    """Seven more stores (rows of the public schema, no facts) and pages of three store rows."""
    from hq_reports import views_dashboard
    from tenants.models import Store

    monkeypatch.setattr(views_dashboard, "STORES_PER_PAGE", 3)
    monkeypatch.setattr(views_dashboard, "CHART_STORES", 2)
    Store.objects.bulk_create(
        [Store(schema_name=f"paged_{i}", name=f"Paged {i}", subdomain=f"paged-{i}") for i in range(7)]
    )
    return Store.objects.stores().count()


def _table_store_ids(html: str) -> list[int]:
    table = html.split('data-testid="hq-store-table"', 1)[1].split("</table>", 1)[0]
    return [int(pk) for pk in re.findall(r'href="/dashboard/stores/(\d+)/', table)]


def _chart_body(html: str) -> dict:
    import json

    return json.loads(re.search(r'<script id="hq-body" type="application/json">(.*?)</script>', html, re.S).group(1))


def test_the_store_table_is_paged_in_the_api_order_and_keeps_the_filters(page_client, users, many_stores):
    client = page_client(users.hq_exec)
    order = [row["id"] for row in client.get("/api/v1/hq/dashboard", {"range": "7d"}).json()["stores"]]
    assert len(order) == many_stores
    last_number = -(-many_stores // 3)

    pages = []
    for number in range(1, last_number + 1):
        html = client.get("/dashboard/", {"range": "7d", "page": number}).content.decode()
        pages.append(_table_store_ids(html))
        if number == 1:
            pager = html.split('data-testid="hq-store-pages"', 1)[1]
            assert "?range=7d&amp;page=2" in pager  # the next page keeps the range

    assert [len(ids) for ids in pages[:-1]] == [3] * (last_number - 1)
    assert [pk for ids in pages for pk in ids] == order


@pytest.mark.parametrize("page", ["x", "0", "-1", "999"])
def test_a_page_number_out_of_range_shows_the_first_or_the_last_page(page_client, users, many_stores, page):
    """As Django's ``Paginator.get_page``: not a number, the first page; out of range, the last."""
    client = page_client(users.hq_exec)
    first = _table_store_ids(client.get("/dashboard/", {"range": "7d", "page": 1}).content.decode())
    last_number = -(-many_stores // 3)
    last = _table_store_ids(client.get("/dashboard/", {"range": "7d", "page": last_number}).content.decode())

    response = client.get("/dashboard/", {"range": "7d", "page": page})

    assert response.status_code == 200
    assert _table_store_ids(response.content.decode()) == (first if page == "x" else last)


def test_the_page_embeds_for_its_charts_only_the_top_stores(page_client, users, many_stores):
    html = page_client(users.hq_exec).get("/dashboard/", {"range": "7d"}).content.decode()

    chart = _chart_body(html)
    assert len(chart["stores"]) == 2 and all(set(row) == {"name", "gmv"} for row in chart["stores"])
    assert {"period", "sales_trend", "product_ranking", "category_ranking"} <= set(chart)
    assert "subsidiaries" not in chart and "metrics" not in chart


def test_the_store_filter_lists_every_store_and_marks_the_chosen_one(page_client, users, many_stores):
    from tenants.models import Store

    chosen = Store.objects.get(subdomain="paged-4")
    html = page_client(users.hq_exec).get("/dashboard/", {"range": "7d", "store": chosen.pk}).content.decode()

    select = html.split('id="hq-store"', 1)[1].split("</select>", 1)[0]
    values = re.findall(r'<option value="(\d*)"', select)
    assert values[0] == "" and len(values) == many_stores + 1
    assert re.findall(r'<option value="(\d+)" selected>', select) == [str(chosen.pk)]
    assert ">Paged 4</option>" in select
