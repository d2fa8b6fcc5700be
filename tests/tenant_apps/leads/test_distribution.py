"""Distribution rules: by channel, grade or region; caps with a queue; duty; re-assignment when the
first-response time is missed; the daily enquiry figures counted from leads; the import."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from shared_apps.platform.jobs import get_job, run_in_store
from tenant_apps.enquiries.models import DailyEnquiry
from tenant_apps.leads import services
from tenant_apps.leads.models import Lead, LeadAssignment
from tenant_apps.notifications.models import Notification
from tests.tenant_apps.pool.helpers import make_customer

pytestmark = pytest.mark.django_db


def _post(client, **fields):
    return client.post("/api/v1/leads", {"channel": "tmall", "name": "Lead", **fields}, format="json")


def test_rules_by_channel_grade_and_region(api, store_a, users):
    admin = api(users.a_admin, store_a)
    rules = [
        {"name": "JD", "priority": 1, "channel": "jd", "members": [users.a_sales2.pk]},
        {"name": "A grade", "priority": 2, "grade": "A", "members": [users.a_supervisor.pk]},
        {"name": "Zhejiang", "priority": 3, "province": "浙江", "members": [users.a_sales.pk]},
    ]
    for rule in rules:
        assert admin.post("/api/v1/leads/rules", rule, format="json").status_code == 201
    assert {_post(admin, channel="jd", wechat_id=f"jd-{n}").json()["owner"] for n in range(3)} == {users.a_sales2.pk}
    assert _post(admin, wechat_id="a-1", grade="A").json()["owner"] == users.a_supervisor.pk
    owners = {_post(admin, wechat_id=f"zj-{n}", province="浙江").json()["owner"] for n in range(3)}
    assert owners == {users.a_sales.pk}


def test_bad_rules_are_refused(api, store_a, users):
    admin = api(users.a_admin, store_a)
    body = {"name": "x", "members": [users.b_sales.pk]}
    response = admin.post("/api/v1/leads/rules", body, format="json")
    assert response.status_code == 400 and "members" in response.json()["errors"]
    assert admin.post("/api/v1/leads/rules", {"name": "x", "members": []}, format="json").status_code == 400
    assert api(users.a_sales, store_a).post("/api/v1/leads/rules", {}, format="json").status_code == 403


def test_caps_leave_leads_in_the_queue_until_someone_has_room(api, store_a, users, in_store):
    admin = api(users.a_admin, store_a)
    assert admin.patch("/api/v1/leads/settings", {"open_lead_cap": 1}, format="json").status_code == 200
    bodies = [_post(admin, wechat_id=f"cap-{n}").json() for n in range(3)]
    assert sorted(b["owner"] or 0 for b in bodies) == sorted([0, users.a_sales.pk, users.a_sales2.pk])
    queued = next(b for b in bodies if b["owner"] is None)
    assert [row["id"] for row in admin.get("/api/v1/leads?owner=none").json()["results"]] == [queued["id"]]
    with in_store(store_a):
        assert services.distribute_queue() == {"assigned": 0, "waiting": 1}
    holder = next(b for b in bodies if b["owner"] == users.a_sales.pk)
    api(users.a_sales, store_a).post(f"/api/v1/leads/{holder['id']}/lose", {"reason": "spam"}, format="json")
    with in_store(store_a):
        assert services.distribute_queue() == {"assigned": 1, "waiting": 0}
        lead = Lead.objects.get(pk=queued["id"])
        assert lead.owner_id == users.a_sales.pk
        assert lead.assignments.last().cause == "queue"


def test_the_ownership_cap_of_customers_counts_too(api, store_a, users, in_store):
    admin = api(users.a_admin, store_a)
    admin.patch("/api/v1/settings", {"pool_ownership_cap": 1}, format="json")
    with in_store(store_a):
        make_customer(owner=users.a_sales)
    owners = {_post(admin, wechat_id=f"own-{n}").json()["owner"] for n in range(3)}
    assert owners == {users.a_sales2.pk}


def test_off_duty_salespeople_are_passed_over(api, store_a, users):
    supervisor = api(users.a_supervisor, store_a)
    response = supervisor.post("/api/v1/leads/agents", {"user": users.a_sales.pk, "on_duty": False}, format="json")
    assert response.status_code == 200
    admin = api(users.a_admin, store_a)
    assert {_post(admin, wechat_id=f"duty-{n}").json()["owner"] for n in range(3)} == {users.a_sales2.pk}


def test_an_unanswered_lead_goes_to_the_next_person_and_the_supervisor_is_told(api, store_a, users, in_store):
    admin = api(users.a_admin, store_a)
    admin.patch("/api/v1/leads/settings", {"first_response_minutes": 15}, format="json")
    lead = _post(admin, wechat_id="slow-1").json()
    first = lead["owner"]
    with in_store(store_a):
        respond_by = Lead.objects.get(pk=lead["id"]).respond_by
        assert services.reassign_unanswered(at=respond_by - timedelta(seconds=1)) == {"reassigned": 0, "kept": 0}
        assert services.reassign_unanswered(at=respond_by) == {"reassigned": 1, "kept": 0}
        moved = Lead.objects.get(pk=lead["id"])
        assert moved.owner_id not in (first, None) and moved.reassign_count == 1
        assert moved.respond_by == respond_by + timedelta(minutes=15)
        assert LeadAssignment.objects.filter(lead=moved).last().cause == "no_response"
        told = Notification.objects.filter(kind="leads.no_response")
        assert [n.recipient_id for n in told] == [users.a_supervisor.pk]
        # Running again at the same moment changes nothing.
        assert services.reassign_unanswered(at=respond_by) == {"reassigned": 0, "kept": 0}


def test_a_contacted_lead_is_not_reassigned(api, store_a, users, in_store):
    admin = api(users.a_admin, store_a)
    lead = _post(admin, wechat_id="fast-1").json()
    owner = users.a_sales if lead["owner"] == users.a_sales.pk else users.a_sales2
    api(owner, store_a).post(f"/api/v1/leads/{lead['id']}/contact")
    with in_store(store_a):
        later = timezone.now() + timedelta(days=1)
        assert services.reassign_unanswered(at=later) == {"reassigned": 0, "kept": 0}


def test_bad_settings_are_refused(api, store_a, users):
    admin = api(users.a_admin, store_a)
    for body in ({"open_lead_cap": -1}, {"first_response_minutes": "x"}, {"enquiries_from_leads": "yes"}, {"x": 1}):
        assert admin.patch("/api/v1/leads/settings", body, format="json").status_code == 400
    assert api(users.a_sales, store_a).patch("/api/v1/leads/settings", {}, format="json").status_code == 403


def test_daily_enquiries_are_counted_from_leads_where_the_store_says_so(api, store_a, users, in_store):
    admin = api(users.a_admin, store_a)
    _post(admin, wechat_id="before")
    with in_store(store_a):
        assert not DailyEnquiry.objects.exists()
        make_customer(owner=users.a_sales, wechat_id="known")
    admin.patch("/api/v1/leads/settings", {"enquiries_from_leads": True}, format="json")
    _post(admin, wechat_id="new-1")
    _post(admin, wechat_id="known")
    with in_store(store_a):
        row = DailyEnquiry.objects.get()
        assert (row.channel.code, row.enquiries, row.new_enquiries, row.recorded_by_id) == ("tmall", 3, 2, None)
    body = {"date": row.date.isoformat(), "channel": "tmall", "enquiries": 1, "new_enquiries": 1}
    refused = admin.post("/api/v1/enquiries/daily", body, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "enquiries_from_leads"


def test_leads_import_from_a_spreadsheet(api, store_a, users, in_store, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    csv = "姓名,手机,微信,渠道,留言\n王女士,13800138011,,天猫,要托盘\n李先生,,,京东,没有联系方式\n".encode()
    upload = io.BytesIO(csv)
    upload.name = "leads.csv"
    response = api(users.a_admin, store_a).post("/api/v1/leads/import", {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    rows = response.json()["rows"]
    assert [r["outcome"] for r in rows] == ["created", "invalid"]
    with in_store(store_a):
        lead = Lead.objects.get()
        assert (lead.name, lead.channel.code, lead.mobile_normalized) == ("王女士", "tmall", "+8613800138011")
        assert lead.owner_id in (users.a_sales.pk, users.a_sales2.pk)


def test_the_periodic_jobs_run_in_each_store_on_their_own(api, store_a, store_b, users, in_store):
    admin = api(users.a_admin, store_a)
    admin.patch("/api/v1/leads/settings", {"first_response_minutes": 5}, format="json")
    lead = _post(admin, wechat_id="job-1").json()
    with in_store(store_a):
        due = Lead.objects.get(pk=lead["id"]).respond_by
    run = run_in_store(get_job("leads.reassign_unanswered"), store=store_a, at=due, propagate=True)
    assert run.ok and run.result == {"reassigned": 1, "kept": 0}
    other = run_in_store(get_job("leads.reassign_unanswered"), store=store_b, at=due, propagate=True)
    assert other.ok and other.result == {"reassigned": 0, "kept": 0}
    queue = run_in_store(get_job("leads.distribute_queue"), store=store_a, at=due, propagate=True)
    assert queue.ok and queue.result == {"assigned": 0, "waiting": 0}
