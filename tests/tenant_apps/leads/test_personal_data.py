"""A customer's leads in the personal-data export and erasure: the leads attached to the customer and
the ones that came from its contact ids are exported, and anonymised by the erasure (in the action
log too) with their channel, dates, status and owner kept; another person's leads are untouched."""

from __future__ import annotations

import json

import pytest

from tenant_apps.leads.models import Lead

pytestmark = pytest.mark.django_db

NAME, MOBILE, WECHAT = "张三丰", "13812345678", "zsf_wx_2026"


@pytest.fixture
def person(api, users, store_a, time_machine):
    """A lead from the person's WeChat before they were a customer, the customer, then a lead by
    phone (attached at intake), and a lead of somebody else."""
    time_machine.move_to("2026-12-02T10:00:00+08:00", tick=False)
    admin = api(users.a_admin, store_a)
    early = admin.post(
        "/api/v1/leads",
        {"channel": "tmall", "name": "张先生", "wechat_id": WECHAT, "message": f"我是{NAME}，要托盘"},
        format="json",
    )
    assert early.status_code == 201, early.content
    made = api(users.a_sales, store_a).post(
        "/api/v1/customers", {"name": NAME, "mobile": MOBILE, "wechat_id": WECHAT}, format="json"
    )
    assert made.status_code == 201, made.content
    customer_id = made.json()["id"]
    by_phone = admin.post(
        "/api/v1/leads", {"channel": "tmall", "name": NAME, "mobile": MOBILE, "message": "再来一批"}, format="json"
    )
    assert by_phone.status_code == 201, by_phone.content
    assert by_phone.json()["customer"] == customer_id
    other = admin.post(
        "/api/v1/leads", {"channel": "tmall", "name": "李四", "mobile": "13900001111", "message": "Hi"}, format="json"
    )
    assert other.status_code == 201, other.content
    return customer_id, [early.json()["id"], by_phone.json()["id"]], other.json()["id"]


def test_the_export_holds_the_persons_leads(api, users, store_a, person):
    customer_id, leads, other = person

    response = api(users.a_admin, store_a).get(f"/api/v1/customers/{customer_id}/personal-data")

    assert response.status_code == 200, response.content
    exported = response.json()["leads"]["leads"]
    assert [lead["id"] for lead in exported] == leads
    assert [lead["wechat_id"] for lead in exported] == [WECHAT, ""]
    assert exported[1]["mobile"] == MOBILE and exported[1]["customer_id"] == customer_id
    assert other not in [lead["id"] for lead in exported]


def test_erasure_anonymises_the_persons_leads_and_their_copies_in_the_action_log(api, users, store_a, in_store, person):
    customer_id, leads, other = person
    with in_store(store_a):
        kept = {
            lead["id"]: lead
            for lead in Lead.objects.values(
                "id", "channel_id", "received_at", "status", "owner_id", "customer_id", "is_new", "grade", "province"
            )
        }
        other_before = Lead.objects.values("name", "mobile", "message").get(pk=other)
    admin = api(users.a_admin, store_a)

    response = admin.post(f"/api/v1/customers/{customer_id}/erase")

    assert response.status_code == 200, response.content
    with in_store(store_a):
        erased = {lead.pk: lead for lead in Lead.objects.filter(pk__in=leads)}
        for pk in leads:
            lead = erased[pk]
            assert lead.name == f"[erased #{pk}]"
            assert lead.mobile == lead.mobile_normalized == lead.wechat_id == lead.platform_chat_id == ""
            assert lead.message == "[erased]"
            assert lead.erased_at is not None
        # Every figure reads the same: channel, times, status, owner, customer, new enquiry or not.
        assert {
            lead["id"]: lead
            for lead in Lead.objects.values(
                "id", "channel_id", "received_at", "status", "owner_id", "customer_id", "is_new", "grade", "province"
            )
        } == kept
        assert Lead.objects.values("name", "mobile", "message").get(pk=other) == other_before

    log = admin.get("/api/v1/audit", {"object_type": "leads.lead", "page_size": 200}).json()["results"]
    exported = admin.get(f"/api/v1/customers/{customer_id}/personal-data").content.decode()
    text = json.dumps(log, ensure_ascii=False)
    for value in (NAME, MOBILE, WECHAT, "张先生", "要托盘", "再来一批"):
        assert value not in text
        assert value not in exported
    assert "李四" in text  # the other person's lead is still logged as it was


def test_erasure_clears_the_reason_lost_from_the_leads_outbox_events(api, users, store_a, in_store, person):
    customer_id, leads, other = person
    admin = api(users.a_admin, store_a)
    reason = f"{NAME}说不要了，电话{MOBILE}"
    for pk in (leads[0], other):
        lost = admin.post(f"/api/v1/leads/{pk}/lose", {"reason": reason}, format="json")
        assert lost.status_code == 200, lost.content
    with in_store(store_a):
        from tenant_apps.outbox.models import OutboxEvent

        def reasons(pk):
            events = OutboxEvent.objects.filter(topic="lead", entity_id=pk).order_by("id")
            return [e.payload.get("reason") for e in events if e.payload.get("event") == "lead.lost"]

        assert reasons(leads[0]) == [reason]

    response = admin.post(f"/api/v1/customers/{customer_id}/erase")

    assert response.status_code == 200, response.content
    with in_store(store_a):
        assert reasons(leads[0]) == ["[erased]"]
        every_payload = json.dumps(
            list(OutboxEvent.objects.filter(topic="lead", entity_id__in=leads).values_list("payload", flat=True)),
            ensure_ascii=False,
        )
        assert NAME not in every_payload and MOBILE not in every_payload
        # Another person's lost lead keeps its event as it was.
        assert reasons(other) == [reason]
