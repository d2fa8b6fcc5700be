"""Quotations: live discount rate, approval flow, send/accept, edits, expiry, the PDF, and orders
made from quotations."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from pypdf import PdfReader

from tenant_apps.notifications.models import Notification
from tenant_apps.sales import services
from tenant_apps.sales.models import Order, Quotation
from tests.dates import days_from_today, iso_day, local_at
from tests.tenant_apps.sales.conftest import lines

pytestmark = pytest.mark.django_db


def _quote(api, user, store, customer, items, **extra):
    body = {"customer": customer.pk, "lines": lines(*items), "valid_until": iso_day(10)}
    body.update(extra)
    return api(user, store).post("/api/v1/quotations", body, format="json")


def test_quotation_number_and_live_discount_rate(api, users, store_a, catalogue, customer):
    response = _quote(
        api, users.a_sales, store_a, customer, [(catalogue["p1"], 2, "85.00"), (catalogue["p2"], 1, "200")]
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["number"].startswith("Q") and data["number"].endswith("-000001")
    assert (data["amount"], data["list_amount"]) == ("370.00", "400.00")
    assert data["discount_rate"] == 0.925
    assert data["requires_approval"] is False
    assert data["status"] == "draft"


def test_submit_at_threshold_is_approved_at_once(api, users, store_a, catalogue, customer):
    q = _quote(api, users.a_sales, store_a, customer, [(catalogue["p1"], 10, "90.00")]).json()
    response = api(users.a_sales, store_a).post(f"/api/v1/quotations/{q['id']}/submit")
    assert response.json()["status"] == "approved"
    assert response.json()["requires_approval"] is False


def test_approval_flow_below_threshold(api, users, store_a, catalogue, customer, in_store):
    q = _quote(api, users.a_sales, store_a, customer, [(catalogue["p1"], 10, "89.99")]).json()
    assert q["requires_approval"] is True
    sales = api(users.a_sales, store_a)
    assert sales.post(f"/api/v1/quotations/{q['id']}/submit").json()["status"] == "pending_approval"
    with in_store(store_a):
        notice = Notification.objects.get(kind="sales.quotation_submitted", recipient_id=users.a_supervisor.pk)
    assert "¥899.90" in str(notice.body)  # ten at 89.99, written as money
    sent = sales.post(f"/api/v1/quotations/{q['id']}/send")
    assert sent.status_code == 409
    assert sent.json()["code"] == "approval_required"
    order = sales.post("/api/v1/orders", {"quotation": q["id"], "payment_mode": "prepaid"}, format="json")
    assert order.status_code == 409
    assert order.json()["code"] == "approval_required"
    assert sales.post(f"/api/v1/quotations/{q['id']}/approve").status_code == 403
    approved = api(users.a_supervisor, store_a).post(f"/api/v1/quotations/{q['id']}/approve", {"comment": "OK"})
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == users.a_supervisor.pk
    with in_store(store_a):
        assert Notification.objects.filter(kind="sales.quotation_decided", recipient_id=users.a_sales.pk).exists()
    assert sales.post(f"/api/v1/quotations/{q['id']}/send").json()["status"] == "sent"
    assert sales.post(f"/api/v1/quotations/{q['id']}/accept").json()["status"] == "accepted"


def test_rejected_quotation_can_be_edited_and_resubmitted(api, users, store_a, catalogue, customer):
    q = _quote(api, users.a_sales, store_a, customer, [(catalogue["p1"], 10, "50.00")]).json()
    sales = api(users.a_sales, store_a)
    sales.post(f"/api/v1/quotations/{q['id']}/submit")
    rejected = api(users.a_supervisor, store_a).post(f"/api/v1/quotations/{q['id']}/reject", {"comment": "太低"})
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["decision_comment"] == "太低"
    patched = sales.patch(
        f"/api/v1/quotations/{q['id']}", {"lines": lines((catalogue["p1"], 10, "95.00"))}, format="json"
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["status"] == "draft"
    assert patched.json()["requires_approval"] is False
    assert sales.post(f"/api/v1/quotations/{q['id']}/submit").json()["status"] == "approved"


@pytest.mark.parametrize(
    ("action", "status"),
    [("send", "draft"), ("accept", "approved"), ("approve", "draft"), ("reject", "approved"), ("submit", "sent")],
)
def test_wrong_state_action_is_invalid_transition(api, users, store_a, catalogue, customer, in_store, action, status):
    q = _quote(api, users.a_sales, store_a, customer, [(catalogue["p1"], 1, "100.00")]).json()
    with in_store(store_a):
        Quotation.objects.filter(pk=q["id"]).update(status=status)
    response = api(users.a_supervisor, store_a).post(f"/api/v1/quotations/{q['id']}/{action}")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    with in_store(store_a):
        assert Quotation.objects.get(pk=q["id"]).status == status


def test_approved_quotation_cannot_be_edited(api, users, store_a, catalogue, customer):
    q = _quote(api, users.a_sales, store_a, customer, [(catalogue["p1"], 1, "100.00")]).json()
    sales = api(users.a_sales, store_a)
    sales.post(f"/api/v1/quotations/{q['id']}/submit")
    response = sales.patch(f"/api/v1/quotations/{q['id']}", {"notes": "x"}, format="json")
    assert response.status_code == 409


def test_bad_quotation_input_writes_nothing(api, users, store_a, catalogue, customer, in_store):
    response = _quote(api, users.a_sales, store_a, customer, [(catalogue["p1"], 1, "10.001")])
    assert response.status_code == 400
    assert "lines.0.unit_price" in response.json()["errors"]
    response = _quote(api, users.a_sales, store_a, customer, [(catalogue["p1"], 1, "10")], valid_until="2001-01-01")
    assert response.status_code == 400
    with in_store(store_a):
        assert Quotation.objects.count() == 0


def test_order_from_approved_quotation_captures_its_prices(api, users, store_a, catalogue, customer, in_store):
    q = _quote(api, users.a_sales, store_a, customer, [(catalogue["p1"], 4, "80.00")]).json()
    sales = api(users.a_sales, store_a)
    sales.post(f"/api/v1/quotations/{q['id']}/submit")
    api(users.a_supervisor, store_a).post(f"/api/v1/quotations/{q['id']}/approve")
    body = {"quotation": q["id"], "payment_mode": "credit", "due_date": iso_day(30), "device": "mobile"}
    response = sales.post("/api/v1/orders", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["amount"] == "320.00"
    assert data["quotation"] == q["id"]
    assert data["lines"][0]["unit_price"] == "80.00"
    assert sales.get(f"/api/v1/quotations/{q['id']}").json()["status"] == "accepted"
    again = sales.post("/api/v1/orders", body, format="json")
    assert again.status_code == 409
    with in_store(store_a):
        assert Order.objects.count() == 1


def test_expire_job_marks_passed_quotations(api, users, store_a, catalogue, customer, in_store):
    last_day = days_from_today(1)
    q = _quote(
        api, users.a_sales, store_a, customer, [(catalogue["p1"], 1, "100")], valid_until=last_day.isoformat()
    ).json()
    assert q["valid_until"] == last_day.isoformat()
    with in_store(store_a):
        # Valid through its last local day; expired from the local midnight after it (16:30 UTC the day before).
        with time_machine.travel(local_at(last_day, 23, 0), tick=False):
            assert services.quotations_expire() == 0
        with time_machine.travel(local_at(last_day + timedelta(days=1), 0, 30), tick=False):
            assert services.quotations_expire() == 1
        assert Quotation.objects.get(pk=q["id"]).status == "expired"


def test_pdf_contains_chinese_customer_name(api, users, store_a, catalogue, customer):
    q = _quote(api, users.a_sales, store_a, customer, [(catalogue["p1"], 3, "95.00")], notes="含税价").json()
    response = api(users.a_sales, store_a).get(f"/api/v1/quotations/{q['id']}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "张三贸易" in text
    assert "九脚塑料托盘" in text
    assert q["number"] in text
    assert "285.00" in text


def test_salesperson_cannot_see_colleagues_quotation(api, users, store_a, catalogue, customer):
    q = _quote(api, users.a_sales, store_a, customer, [(catalogue["p1"], 1, "100")]).json()
    other = api(users.a_sales2, store_a)
    assert other.get(f"/api/v1/quotations/{q['id']}").status_code == 404
    assert other.get(f"/api/v1/quotations/{q['id']}/pdf").status_code == 404
    assert other.get("/api/v1/quotations").json()["count"] == 0
