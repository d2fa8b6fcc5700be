"""The HQ dashboard pages: consolidated figures and the audited drill-down page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from hq_reports import rollups
from shared_apps.platform.models import HqAccessLog
from tests.factories.hq import make_history

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
