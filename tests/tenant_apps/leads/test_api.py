"""Leads API: intake with dual verification and round-robin, bad input, visibility, assignment,
contact, conversion and loss, and the events in the outbox."""

from __future__ import annotations

import pytest

from tenant_apps.customers.models import Customer
from tenant_apps.leads.models import Lead, LeadAssignment
from tenant_apps.outbox.models import OutboxEvent
from tests.factories import access_of
from tests.tenant_apps.pool.helpers import make_customer

pytestmark = pytest.mark.django_db


def _post(client, **fields):
    body = {"channel": "tmall", "name": "Ms Wang", "message": "Pallets?", "source": "ad", **fields}
    return client.post("/api/v1/leads", body, format="json")


def _events(name: str) -> list[OutboxEvent]:
    return [e for e in OutboxEvent.objects.filter(topic="lead").order_by("id") if e.payload.get("event") == name]


def test_leads_go_round_robin_to_the_salespeople_and_their_events_are_logged(api, store_a, users, in_store):
    client = api(users.a_admin, store_a)
    owners = []
    for n in range(4):
        response = _post(client, mobile=f"1380013800{n}")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == "new" and body["customer"] is None and body["is_new"] is True
        owners.append(body["owner"])
    assert sorted(owners) == sorted([users.a_sales.pk, users.a_sales2.pk] * 2)
    assert owners[0] != owners[1] and owners[2] != owners[3]
    with in_store(store_a):
        assert len(_events("lead.created")) == 4
        assigned = _events("lead.assigned")
        assert [e.payload["owner"] for e in assigned] == owners
        assert Lead.objects.filter(respond_by__isnull=False).count() == 4


def test_a_lead_without_a_contact_id_is_refused_naming_the_fields(api, store_a, users, in_store):
    response = _post(api(users.a_admin, store_a), mobile="", wechat_id=" ")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["errors"]) == {"mobile", "wechat_id", "platform_chat_id"}
    with in_store(store_a):
        assert not Lead.objects.exists()
        assert not OutboxEvent.objects.filter(topic="lead").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mobile", "12"),
        ("channel", "nope"),
        ("grade", "Z"),
        ("received_at", "yesterday"),
        ("received_at", "2026-13-45T10:00:00"),
        ("colour", "red"),
    ],
)
def test_bad_lead_input_is_refused_and_nothing_is_written(api, store_a, users, in_store, field, value):
    response = _post(api(users.a_admin, store_a), wechat_id="wx-1", **{field: value})
    assert response.status_code == 400
    assert field in response.json()["errors"]
    with in_store(store_a):
        assert not Lead.objects.exists()


def test_a_lead_of_an_existing_customer_is_attached_and_goes_to_its_owner(api, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales2, mobile="13800138000", mobile_normalized="+8613800138000")
    for _ in range(2):
        response = _post(api(users.a_admin, store_a), mobile="+86 138-0013-8000")
        body = response.json()
        assert (body["customer"], body["owner"], body["is_new"]) == (customer.pk, users.a_sales2.pk, False)
    with in_store(store_a):
        assert set(LeadAssignment.objects.values_list("cause", flat=True)) == {"customer_owner"}


def test_a_salesperson_sees_only_their_own_leads(api, store_a, users):
    admin = api(users.a_admin, store_a)
    first = _post(admin, mobile="13800138001").json()
    second = _post(admin, mobile="13800138002").json()
    mine, other = (first, second) if first["owner"] == users.a_sales.pk else (second, first)
    client = api(users.a_sales, store_a)
    listed = client.get("/api/v1/leads").json()
    assert [row["id"] for row in listed["results"]] == [mine["id"]]
    assert client.get(f"/api/v1/leads/{other['id']}").status_code == 404
    assert client.post(f"/api/v1/leads/{other['id']}/lose", {"reason": "x"}, format="json").status_code == 404
    assert client.get(f"/api/v1/leads/{mine['id']}").json()["assignments"][0]["cause"] == "rules"


def _mine(api, store, users, user):
    body = _post(api(users.a_admin, store), wechat_id=f"wx-{user.pk}-a").json()
    if body["owner"] != user.pk:
        body = _post(api(users.a_admin, store), wechat_id=f"wx-{user.pk}-b").json()
    assert body["owner"] == user.pk
    return body


def test_contact_convert_and_the_new_customer_belongs_to_the_salesperson(api, store_a, users, in_store):
    lead = _mine(api, store_a, users, users.a_sales)
    client = api(users.a_sales, store_a)
    contacted = client.post(f"/api/v1/leads/{lead['id']}/contact").json()
    assert contacted["status"] == "contacted" and contacted["respond_by"] is None
    converted = client.post(f"/api/v1/leads/{lead['id']}/convert")
    assert converted.status_code == 200, converted.content
    body = converted.json()
    assert body["status"] == "converted" and body["customer"]
    with in_store(store_a):
        customer = Customer.objects.get(pk=body["customer"])
        assert customer.owner_id == users.a_sales.pk and customer.wechat_id == lead["wechat_id"]
        assert customer.channel.code == "tmall"
        assert len(_events("lead.converted")) == 1
    again = client.post(f"/api/v1/leads/{lead['id']}/convert")
    assert again.status_code == 409 and again.json()["code"] == "lead_closed"


def test_converting_a_lead_of_an_existing_customer_links_it(api, store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales, wechat_id="wx-known")
        before = Customer.objects.count()
    lead = _post(api(users.a_admin, store_a), wechat_id="wx-known").json()
    body = api(users.a_sales, store_a).post(f"/api/v1/leads/{lead['id']}/convert").json()
    assert body["customer"] == customer.pk
    with in_store(store_a):
        assert Customer.objects.count() == before


def test_losing_a_lead_needs_a_reason(api, store_a, users, in_store):
    lead = _mine(api, store_a, users, users.a_sales)
    client = api(users.a_sales, store_a)
    refused = client.post(f"/api/v1/leads/{lead['id']}/lose", {"reason": "  "}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["errors"]
    body = client.post(f"/api/v1/leads/{lead['id']}/lose", {"reason": "Bought elsewhere"}, format="json").json()
    assert (body["status"], body["lost_reason"]) == ("lost", "Bought elsewhere")
    with in_store(store_a):
        assert [e.payload["reason"] for e in _events("lead.lost")] == ["Bought elsewhere"]


def test_assignment_by_a_supervisor_and_its_refusals(api, store_a, users, in_store):
    lead = _mine(api, store_a, users, users.a_sales)
    url = f"/api/v1/leads/{lead['id']}/assign"
    assert api(users.a_sales, store_a).post(url, {"owner": users.a_sales2.pk}, format="json").status_code == 403
    supervisor = api(users.a_supervisor, store_a)
    other_store = supervisor.post(url, {"owner": users.b_sales.pk}, format="json")
    assert other_store.status_code == 400 and "owner" in other_store.json()["errors"]
    assert supervisor.post(url, {}, format="json").status_code == 400
    moved = supervisor.post(url, {"owner": users.a_sales2.pk}, format="json")
    assert moved.status_code == 200 and moved.json()["owner"] == users.a_sales2.pk
    with in_store(store_a):
        assert LeadAssignment.objects.filter(lead_id=lead["id"]).last().cause == "manual"
    assert api(users.a_sales, store_a).get(f"/api/v1/leads/{lead['id']}").status_code == 404


def test_a_member_of_another_store_reaches_nothing(api, store_a, users):
    lead = _post(api(users.a_admin, store_a), mobile="13800138009").json()
    assert api(users.b_admin, store_a).get(f"/api/v1/leads/{lead['id']}").status_code == 404


def test_a_merge_moves_the_leads_to_the_surviving_customer(api, store_a, users, in_store):
    from tenant_apps.customers.services import customer_merge

    with in_store(store_a):
        survivor = make_customer(owner=users.a_sales, wechat_id="wx-survivor")
        merged = make_customer(owner=users.a_sales, wechat_id="wx-merged")
    lead = _post(api(users.a_admin, store_a), wechat_id="wx-merged").json()
    assert lead["customer"] == merged.pk
    with in_store(store_a):
        customer_merge(survivor=survivor, merged=merged, access=access_of(users.a_admin))
        assert Lead.objects.get(pk=lead["id"]).customer_id == survivor.pk
