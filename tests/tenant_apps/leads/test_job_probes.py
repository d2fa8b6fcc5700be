"""Beat sends the queue's distribution only to the stores with leads waiting, and the re-assignment
of unanswered leads only to the stores where a lead's first-response time has come."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from shared_apps.platform.jobs import get_job, run_in_store
from tenant_apps.leads.models import Lead
from tests.dispatch import dispatched

pytestmark = pytest.mark.django_db


def sent(name: str, at: datetime) -> list[str]:
    return dispatched(name, at.isoformat())


def run(name: str, store, at: datetime) -> dict:
    outcome = run_in_store(get_job(name), store=store, at=at, propagate=True)
    assert outcome.ok, outcome.error
    return outcome.result


def _post(client, **fields):
    response = client.post("/api/v1/leads", {"channel": "tmall", "name": "Lead", **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_the_queue_is_distributed_only_where_leads_wait(api, store_a, store_b, users, in_store):
    now = timezone.now()
    assert sent("leads.distribute_queue", now) == []

    admin = api(users.a_admin, store_a)
    assert admin.patch("/api/v1/leads/settings", {"open_lead_cap": 1}, format="json").status_code == 200
    bodies = [_post(admin, wechat_id=f"q-{n}") for n in range(3)]
    queued = next(body for body in bodies if body["owner"] is None)
    # a lead queued is work from that moment on, with or without someone who has room
    assert sent("leads.distribute_queue", now) == [store_a.schema_name]
    assert run("leads.distribute_queue", store_a, now) == {"assigned": 0, "waiting": 1}
    assert sent("leads.distribute_queue", now) == [store_a.schema_name]

    holder = next(body for body in bodies if body["owner"] == users.a_sales.pk)
    api(users.a_sales, store_a).post(f"/api/v1/leads/{holder['id']}/lose", {"reason": "spam"}, format="json")
    assert run("leads.distribute_queue", store_a, now) == {"assigned": 1, "waiting": 0}
    with in_store(store_a):
        assert Lead.objects.get(pk=queued["id"]).owner_id == users.a_sales.pk
    assert sent("leads.distribute_queue", now) == []


def test_unanswered_leads_are_sent_from_their_first_response_time(api, store_a, store_b, users, in_store):
    admin = api(users.a_admin, store_a)
    assert admin.patch("/api/v1/leads/settings", {"first_response_minutes": 15}, format="json").status_code == 200
    lead = _post(admin, wechat_id="slow-1")
    with in_store(store_a):
        respond_by = Lead.objects.get(pk=lead["id"]).respond_by

    assert sent("leads.reassign_unanswered", respond_by - timedelta(microseconds=1)) == []
    assert sent("leads.reassign_unanswered", respond_by) == [store_a.schema_name]

    # the run in the store the probe chose does the work, after which the store is idle again
    assert run("leads.reassign_unanswered", store_a, respond_by) == {"reassigned": 1, "kept": 0}
    assert sent("leads.reassign_unanswered", respond_by) == []
    with in_store(store_a):
        moved = Lead.objects.get(pk=lead["id"])
    assert moved.owner_id != lead["owner"]
    assert sent("leads.reassign_unanswered", moved.respond_by) == [store_a.schema_name]


def test_contacted_or_waiting_leads_are_not_unanswered(api, store_a, store_b, users, in_store):
    admin = api(users.a_admin, store_a)
    lead = _post(admin, wechat_id="fast-1")
    owner = users.a_sales if lead["owner"] == users.a_sales.pk else users.a_sales2
    with in_store(store_a):
        respond_by = Lead.objects.get(pk=lead["id"]).respond_by
    assert sent("leads.reassign_unanswered", respond_by) == [store_a.schema_name]
    assert api(owner, store_a).post(f"/api/v1/leads/{lead['id']}/contact").status_code == 200
    later = respond_by + timedelta(days=1)
    assert sent("leads.reassign_unanswered", later) == []
    assert run("leads.reassign_unanswered", store_a, later) == {"reassigned": 0, "kept": 0}
