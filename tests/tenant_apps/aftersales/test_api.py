"""The after-sales list and detail: filters by time, status and type, scoping by the order's
visibility, fields, and the order and customer panels."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tenant_apps.aftersales import services
from tenant_apps.aftersales.models import Case
from tests.factories import access_of
from tests.tenant_apps.aftersales.helpers import apply_case, items_of, shipped_order

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _case(store, user, order, *, at=None, **fields):
    fields.setdefault("type", "exchange")
    fields.setdefault("reason", "Wrong size")
    if fields["type"] != "refund_only":
        fields.setdefault("items", items_of(order, 1))
    return apply_case(access_of(user, store), order, at=at, **fields)


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_list_is_scoped_by_the_visibility_of_the_order(api, store_a, users, in_store):
    with in_store(store_a):
        mine = _case(store_a, users.a_sales, shipped_order(users.a_sales))
        theirs = _case(store_a, users.a_sales2, shipped_order(users.a_sales2))
    assert _ids(api(users.a_sales, store_a).get("/api/v1/after-sales")) == [mine.pk]
    assert sorted(_ids(api(users.a_supervisor, store_a).get("/api/v1/after-sales"))) == sorted([mine.pk, theirs.pk])
    assert sorted(_ids(api(users.a_warehouse, store_a).get("/api/v1/after-sales"))) == sorted([mine.pk, theirs.pk])
    assert sorted(_ids(api(users.hq_exec, store_a).get("/api/v1/after-sales"))) == sorted([mine.pk, theirs.pk])


def test_list_filters_by_status_and_type(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales, quantities=(9,))
        exchange = _case(store_a, users.a_sales, order)
        refund = _case(store_a, users.a_sales, order, type="refund_only", amount="10.00")
        services.case_reject(case_id=refund.pk, access=access_of(users.a_supervisor, store_a), comment="No")
    client = api(users.a_sales, store_a)
    assert _ids(client.get("/api/v1/after-sales?status=rejected")) == [refund.pk]
    assert _ids(client.get("/api/v1/after-sales?type=exchange")) == [exchange.pk]
    assert _ids(client.get("/api/v1/after-sales?type=exchange&status=rejected")) == []
    assert sorted(_ids(client.get("/api/v1/after-sales?status=rejected,pending_approval"))) == sorted(
        [exchange.pk, refund.pk]
    )


def test_list_filters_by_local_days_inclusive(api, store_a, users, in_store):
    day = datetime(2026, 11, 10, tzinfo=SHANGHAI)
    with in_store(store_a):
        order = shipped_order(users.a_sales, quantities=(9,))
        early = _case(store_a, users.a_sales, order, at=day + timedelta(minutes=5))  # 00:05 local
        late = _case(store_a, users.a_sales, order, at=day + timedelta(hours=23, minutes=55))
        _case(store_a, users.a_sales, order, at=day + timedelta(days=1, minutes=1))
    client = api(users.a_sales, store_a)
    assert sorted(_ids(client.get("/api/v1/after-sales?created_from=2026-11-10&created_to=2026-11-10"))) == sorted(
        [early.pk, late.pk]
    )


def test_list_filters_by_order_and_customer(api, store_a, users, in_store):
    with in_store(store_a):
        first = shipped_order(users.a_sales)
        second = shipped_order(users.a_sales)
        a = _case(store_a, users.a_sales, first)
        b = _case(store_a, users.a_sales, second)
    client = api(users.a_sales, store_a)
    assert _ids(client.get(f"/api/v1/after-sales?order={first.pk}")) == [a.pk]
    assert _ids(client.get(f"/api/v1/after-sales?customer={second.customer_id}")) == [b.pk]


@pytest.mark.parametrize(
    "query", ["status=open", "type=swap", "created_from=yesterday", "order=abc", "ordering=reason"]
)
def test_bad_filters_are_400(api, store_a, users, query):
    response = api(users.a_sales, store_a).get(f"/api/v1/after-sales?{query}")
    assert (response.status_code, response.json()["code"]) == (400, "validation_error")


def test_detail_has_items_timeline_and_the_callers_actions(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales)
        case = _case(store_a, users.a_sales, order, type="return_refund", amount="100.00")
    body = api(users.a_supervisor, store_a).get(f"/api/v1/after-sales/{case.pk}").json()
    assert body["order"] == order.pk
    assert body["customer"] == order.customer_id
    assert body["amount"] == "100.00"
    assert body["items"][0]["sku"] == order.lines.first().sku
    assert [e["kind"] for e in body["events"]] == ["applied"]
    assert body["actions"] == ["approve", "reject", "cancel"]
    assert api(users.a_warehouse, store_a).get(f"/api/v1/after-sales/{case.pk}").json()["actions"] == []


def test_a_case_of_store_a_is_not_found_on_store_b(api, store_a, store_b, users, in_store):
    with in_store(store_a):
        case = _case(store_a, users.a_sales, shipped_order(users.a_sales))
    assert api(users.b_admin, store_b).get(f"/api/v1/after-sales/{case.pk}").status_code == 404
    assert api(users.b_admin, store_a).get(f"/api/v1/after-sales/{case.pk}").status_code == 404


def test_hq_cannot_write(api, store_a, users, in_store):
    with in_store(store_a):
        case = _case(store_a, users.a_sales, shipped_order(users.a_sales))
    response = api(users.hq_exec, store_a).post(f"/api/v1/after-sales/{case.pk}/approve")
    assert response.status_code == 403
    with in_store(store_a):
        assert Case.objects.get(pk=case.pk).status == "pending_approval"


def test_order_detail_shows_the_after_sales_history(a, users):
    from tenant_apps.aftersales.panels import order_panel

    order = shipped_order(users.a_sales)
    case = _case(a, users.a_sales, order)
    panel = order_panel(order=order, access=access_of(users.a_sales, a))
    assert [row["id"] for row in panel["cases"]] == [case.pk]
    assert panel["can_apply"] is True
    pending = shipped_order(users.a_sales, status="pending_outbound")
    panel = order_panel(order=pending, access=access_of(users.a_sales, a))
    assert (panel["can_apply"], panel["before_goods_left"], panel["cases"]) == (False, True, [])


def test_customer_360_counts_the_customers_cases(api, store_a, users, in_store):
    with in_store(store_a):
        order = shipped_order(users.a_sales, quantities=(9,))
        _case(store_a, users.a_sales, order)
        done = _case(store_a, users.a_sales, order)
        services.case_cancel(case_id=done.pk, access=access_of(users.a_sales, store_a))
    body = api(users.a_sales, store_a).get(f"/api/v1/customers/{order.customer_id}").json()
    panel = body["summary"]["panels"]["aftersales"]
    assert (panel["count"], panel["open"]) == (2, 1)


def test_applied_at_defaults_to_now(a, users):
    before = timezone.now()
    case = _case(a, users.a_sales, shipped_order(users.a_sales))
    assert case.created_at >= before
