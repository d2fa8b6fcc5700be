"""GET /api/v1/hq/stores/{id}/kanban: the store's own Kanban, computed in the store, audited."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shared_apps.platform.models import HqAccessLog
from shared_apps.reporting.periods import resolve_period
from tenant_apps.kanban.reporting import kanban_body
from tenant_apps.workspace.selectors import channel_list
from tests.factories.hq import make_history

pytestmark = pytest.mark.django_db


def url(store) -> str:
    return f"/api/v1/hq/stores/{store.pk}/kanban"


def test_the_drill_down_is_the_store_kanban(api, users, store_a, in_store):
    now = timezone.now()
    with in_store(store_a):
        make_history(owners=[users.a_sales], now=now, seed=41)
        expected = kanban_body(period=resolve_period(range="7d", now=now))

    response = api(users.hq_exec).get(url(store_a), {"range": "7d"})

    assert response.status_code == 200
    body = response.json()
    assert body["store"]["subdomain"] == "alpha"
    assert body["metrics"] == expected["metrics"]
    assert body["product_ranking"] == expected["product_ranking"]


def test_the_channel_may_be_named_by_platform(api, users, store_a, in_store):
    with in_store(store_a):
        tmall = next(c for c in channel_list() if c.platform == "tmall")

    body = api(users.hq_exec).get(url(store_a), {"channel": "tmall"}).json()

    assert body["filters"]["channel"] == tmall.pk


def test_each_drill_down_is_audited(api, users, store_a):
    api(users.hq_exec).get(url(store_a), {"range": "today"})

    log = HqAccessLog.objects.get(user=users.hq_exec)
    assert log.store_id == store_a.pk
    assert log.method == "GET"
    assert log.path.startswith(url(store_a))
    assert log.allowed is True


def test_an_unknown_channel_is_400(api, users, store_a):
    response = api(users.hq_exec).get(url(store_a), {"channel": "nope"})

    assert response.status_code == 400
    assert "channel" in response.json()["errors"]


def test_an_unknown_store_is_404(api, users):
    assert api(users.hq_exec).get("/api/v1/hq/stores/999999/kanban").status_code == 404


def test_store_users_cannot_drill_down(api, users, store_a):
    assert api(users.a_admin).get(url(store_a)).status_code == 403
    assert not HqAccessLog.objects.exists()
