"""Handovers in the action log: the handover and the transfer of each customer are recorded with
who handed over, alongside the customers' and leads' new owners; a background handover's progress
is not logged, its status is."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tenant_apps.handover import services
from tenant_apps.leads.models import Lead
from tests.tenant_apps.pool.helpers import make_customer

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers/transfer"


def entries(client, **params):
    response = client.get("/api/v1/audit", {"page_size": 200, **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def book(store_a, users, in_store):
    with in_store(store_a):
        customers = [make_customer(owner=users.a_sales) for _ in range(3)]
        lead = Lead.objects.create(
            wechat_id="lead-1", received_at=timezone.now(), owner_id=users.a_sales.pk, customer=customers[0]
        )
    return customers, lead


def test_a_handover_is_in_the_action_log(api, store_a, users, book):
    customers, lead = book
    body = {"from_owner": users.a_sales.pk, "to_owner": users.a_sales2.pk, "reason": "Left the company"}
    response = api(users.a_supervisor, store_a).post(URL, body, format="json")
    assert response.status_code == 200, response.content
    handover_id = response.json()["handover"]["id"]
    admin = api(users.a_admin, store_a)

    [created] = [row for row in entries(admin, object_type="handover.handover") if row["action"] == "create"]
    assert created["object_id"] == str(handover_id)
    assert created["actor"] == users.a_supervisor.email
    assert created["changes"]["reason"] == [None, "Left the company"]
    assert created["changes"]["to_owner_id"] == [None, users.a_sales2.pk]

    transfers = entries(admin, object_type="handover.customertransfer")
    assert sorted(row["changes"]["customer_id"][1] for row in transfers) == sorted(c.pk for c in customers)
    assert {row["actor"] for row in transfers} == {users.a_supervisor.email}
    moved = entries(admin, object_type="customers.customer", object_id=str(customers[0].pk))
    assert any(row["changes"].get("owner_id") == [users.a_sales.pk, users.a_sales2.pk] for row in moved)
    lead_rows = entries(admin, object_type="leads.lead", object_id=str(lead.pk))
    assert any(row["changes"].get("owner_id") == [users.a_sales.pk, users.a_sales2.pk] for row in lead_rows)


def test_a_background_handover_logs_its_status_not_its_progress(
    api, store_a, users, in_store, book, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    monkeypatch.setattr(services, "SYNC_LIMIT", 2)
    monkeypatch.setattr(services, "_dispatch", lambda schema, handover_id: None)
    body = {"from_owner": users.a_sales.pk, "to_owner": users.a_sales2.pk}
    with django_capture_on_commit_callbacks(execute=True):
        response = api(users.a_admin, store_a).post(URL, body, format="json")
    assert response.status_code == 202, response.content
    handover_id = response.json()["handover"]["id"]
    with in_store(store_a):
        assert services.handover_run(handover_id=handover_id).status == "done"
    # The progress, written on a connection of its own, passes the action log's triggers too.
    assert "handover progress not written" not in caplog.text

    rows = entries(api(users.a_admin, store_a), object_type="handover.handover", object_id=str(handover_id))
    statuses = [row["changes"]["status"] for row in rows if row["action"] == "update" and "status" in row["changes"]]
    assert statuses[0] == ["running", "done"] or ["running", "done"] in statuses
    assert not any("processed" in row["changes"] for row in rows)
