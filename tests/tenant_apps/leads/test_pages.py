"""Lead pages: the list with filters, the form, a lead's page and its actions; visibility."""

from __future__ import annotations

import pytest

from tenant_apps.leads.models import Lead

pytestmark = pytest.mark.django_db


def test_take_in_a_lead_by_hand_and_work_it(page_client, store_a, users, in_store):
    admin = page_client(users.a_admin, store_a)
    assert admin.get("/leads/new/").status_code == 200
    refused = admin.post("/leads/new/", {"name": "No contact", "channel": "tmall"})
    assert refused.status_code == 400
    assert "Give a mobile number" in refused.content.decode() or "手机号" in refused.content.decode()
    response = admin.post("/leads/new/", {"name": "Mr Zhao", "mobile": "13800138021", "channel": "jd"})
    assert response.status_code == 302
    with in_store(store_a):
        lead = Lead.objects.get()
    listed = admin.get("/leads/?channel=jd&status=new")
    assert listed.status_code == 200 and "Mr Zhao" in listed.content.decode()
    assert "Mr Zhao" not in admin.get("/leads/?channel=tmall").content.decode()
    owner = users.a_sales if lead.owner_id == users.a_sales.pk else users.a_sales2
    other = users.a_sales2 if owner is users.a_sales else users.a_sales
    assert page_client(other, store_a).get(f"/leads/{lead.pk}/").status_code == 404
    client = page_client(owner, store_a)
    assert client.get(f"/leads/{lead.pk}/").status_code == 200
    assert client.post(f"/leads/{lead.pk}/", {"action": "lose", "reason": ""}).status_code == 400
    assert client.post(f"/leads/{lead.pk}/", {"action": "convert"}).status_code == 302
    with in_store(store_a):
        lead.refresh_from_db()
        assert lead.status == "converted" and lead.customer.owner_id == owner.pk


def test_the_list_filters_by_queue_for_supervisors(page_client, store_a, users):
    response = page_client(users.a_supervisor, store_a).get("/leads/?owner=none", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="leads-table"' in response.content.decode()
    assert page_client(users.a_warehouse, store_a).get("/leads/").status_code == 403
