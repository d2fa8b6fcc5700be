"""Personal data (PIPL): the export of everything held about a person, and the erasure that
anonymises them everywhere in the store (profile, follow-ups, orders' free text, notifications,
the action log, HQ's keyed hashes) while every figure of the Data Kanban and of HQ stays the same."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hq_insights.models import BuyerKey
from hq_reports import rollups
from tenant_apps.customers.models import Customer
from tenant_apps.sales.models import Order
from tests.factories.hq import make_history
from tests.factories.sales import make_order, make_product

NAME, MOBILE, WECHAT, ADDRESS = "张三丰", "13812345678", "zsf_wx_2026", "杭州市西湖区文三路 88 号"


@pytest.fixture
def person(api, users, store_a, in_store, time_machine):
    """A customer of store A with follow-ups and orders among other history, fed to HQ."""
    time_machine.move_to("2026-12-02T10:00:00+08:00", tick=False)
    client = api(users.a_sales, store_a)
    made = client.post(
        "/api/v1/customers",
        {"name": NAME, "mobile": MOBILE, "wechat_id": WECHAT, "address": ADDRESS, "province": "浙江", "city": "杭州"},
        format="json",
    )
    assert made.status_code == 201, made.content
    customer_id = made.json()["id"]
    followed = client.post(
        f"/api/v1/customers/{customer_id}/follow-ups",
        {"kind": "call", "content": f"{NAME} 想要 200 个托盘，电话 {MOBILE}", "outcome": "报价中"},
        format="json",
    )
    assert followed.status_code == 201, followed.content
    with in_store(store_a):
        make_history(owners=[users.a_sales], now=timezone.now(), seed=41)
        product = make_product(list_price="120.00")
        customer = Customer.objects.get(pk=customer_id)
        for days, quantity in ((3, 10), (12, 4)):
            make_order(
                customer=customer,
                owner=users.a_sales,
                lines=[(product, quantity, "110.00")],
                signed_at=timezone.now() - timedelta(days=days),
                notes=f"送货给{NAME}，{ADDRESS}",
                feedback_comment="很好",
            )
        BuyerKey.objects.create(store=store_a, customer_id=customer_id, digest="d" * 64, gmv=Decimal("1540.00"))
        rollups.drain()
    return customer_id


def figures(api, users, store_a):
    kanban = api(users.a_admin, store_a).get("/api/v1/kanban", {"range": "30d"})
    assert kanban.status_code == 200, kanban.content
    dashboard = api(users.hq_exec).get("/api/v1/hq/dashboard", {"range": "30d"})
    assert dashboard.status_code == 200, dashboard.content
    return kanban.json(), dashboard.json()


def test_erasure_anonymises_the_person_and_keeps_every_figure(api, users, store_a, in_store, person):
    before = figures(api, users, store_a)

    response = api(users.a_admin, store_a).post(f"/api/v1/customers/{person}/erase")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["erased_at"] is not None
    assert body["name"] == f"[erased #{person}]"
    assert body["mobile"] == body["wechat_id"] == body["address"] == body["city"] == ""
    assert body["province"] == "浙江"
    with in_store(store_a):
        rollups.drain()
    assert figures(api, users, store_a) == before

    with in_store(store_a):
        orders = list(Order.objects.filter(customer_id=person).values_list("notes", "feedback_comment", "amount"))
    assert sorted(orders) == [("[erased]", "[erased]", Decimal("440.00")), ("[erased]", "[erased]", Decimal("1100.00"))]
    follow_ups = api(users.a_admin, store_a).get(f"/api/v1/customers/{person}/follow-ups").json()["results"]
    assert [(f["content"], f["outcome"]) for f in follow_ups] == [("[erased]", "")]
    assert not BuyerKey.objects.filter(store=store_a, customer_id=person).exists()

    # Nothing the store shows or logs still holds the person's values.
    admin = api(users.a_admin, store_a)
    log = admin.get("/api/v1/audit", {"page_size": 200}).json()["results"]
    exported = admin.get(f"/api/v1/customers/{person}/personal-data").content.decode()
    listed = admin.get("/api/v1/customers/export", {"format": "csv"})
    listed_text = (
        b"".join(listed.streaming_content).decode("utf-8-sig") if listed.streaming else listed.content.decode()
    )
    for text in (json.dumps(log, ensure_ascii=False), exported, listed_text):
        for value in (NAME, MOBILE, WECHAT, ADDRESS, "文三路"):
            assert value not in text


def test_both_actions_are_recorded_in_the_action_log(api, users, store_a, person):
    admin = api(users.a_admin, store_a)
    assert admin.get(f"/api/v1/customers/{person}/personal-data").status_code == 200
    assert admin.post(f"/api/v1/customers/{person}/erase").status_code == 200

    rows = admin.get("/api/v1/audit", {"object_type": "customers.customer", "object_id": str(person)}).json()["results"]
    events = [(row["action"], row["actor"]) for row in rows if row["action"] in ("export", "erase")]
    assert events == [("erase", users.a_admin.email), ("export", users.a_admin.email)]
    erased = [row for row in rows if row["action"] == "update" and "erased_at" in row["changes"]]
    assert erased and erased[0]["actor"] == users.a_admin.email


def test_the_export_holds_everything_about_the_person(api, users, store_a, person):
    response = api(users.a_admin, store_a).get(f"/api/v1/customers/{person}/personal-data")

    assert response.status_code == 200
    body = response.json()
    [profile] = body["customers"]["profiles"]
    assert (profile["name"], profile["mobile"], profile["wechat_id"], profile["address"]) == (
        NAME,
        MOBILE,
        WECHAT,
        ADDRESS,
    )
    assert len(body["customers"]["follow_ups"]) == 1
    assert sorted(o["amount"] for o in body["sales"]["orders"]) == ["1100.00", "440.00"]
    assert body["action_log"]["entries"][0]["action"] == "create"
    assert {"finance", "aftersales", "pool", "insights"} <= set(body)


def test_a_second_erasure_is_a_conflict_and_changes_nothing(api, users, store_a, person):
    admin = api(users.a_admin, store_a)
    first = admin.post(f"/api/v1/customers/{person}/erase").json()

    again = admin.post(f"/api/v1/customers/{person}/erase")

    assert again.status_code == 409
    assert again["Content-Type"].startswith("application/problem+json")
    assert again.json()["code"] == "already_erased"
    assert admin.get(f"/api/v1/customers/{person}").json()["erased_at"] == first["erased_at"]


@pytest.mark.parametrize("who", ["a_sales", "a_supervisor", "a_finance"])
def test_only_store_admins_export_or_erase(api, users, store_a, person, who):
    client = api(users[who], store_a)

    assert client.get(f"/api/v1/customers/{person}/personal-data").status_code in (403, 404)
    refused = client.post(f"/api/v1/customers/{person}/erase")
    assert refused.status_code in (403, 404)
    assert refused["Content-Type"].startswith("application/problem+json")
    assert api(users.a_admin, store_a).get(f"/api/v1/customers/{person}").json()["name"] == NAME


def test_a_customer_of_another_store_is_not_found(api, users, store_b, person):
    response = api(users.b_admin, store_b).post(f"/api/v1/customers/{person}/erase")

    assert response.status_code == 404
