"""The insights API and pages: filters and their 400s, the empty store, visibility, the customers
list filter, export columns, the 360° panel, the Kanban panel, dismissals and the one-click follow-up."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tenant_apps.insights import services
from tenant_apps.insights.models import CustomerScore, Dismissal
from tenant_apps.sales.models import Order
from tenant_apps.teamwork.models import WorkTask
from tests.factories.sales import make_customer, make_order, make_product

pytestmark = pytest.mark.django_db


def _history(owner, *, days: list[int], amount="500.00", name=None):
    customer = make_customer(owner=owner, name=name)
    product = make_product()
    now = timezone.now()
    for day in days:
        make_order(
            customer=customer,
            owner=owner,
            lines=[(product, 1, Decimal(amount))],
            signed_at=now - timedelta(days=day, hours=1),
            status=Order.Status.COMPLETED,
            payment_mode=Order.PaymentMode.PREPAID,
            collected=amount,
        )
    return customer


@pytest.fixture
def scored(store_a, users, in_store):
    with in_store(store_a):
        mine = _history(users.a_sales, days=[200, 260, 320], name="Lapsed Lin")
        fresh = _history(users.a_sales, days=[3, 30, 60, 90], amount="2000.00", name="Frequent Fang")
        other = _history(users.a_sales2, days=[150], name="Other Ou")
        services.score_store()
    return {"mine": mine, "fresh": fresh, "other": other}


def test_unknown_segment_or_band_is_a_400_listing_the_allowed_values(scored, store_a, users, api):
    client = api(users.a_admin, store_a)
    response = client.get("/api/v1/insights/rfm?segment=vip")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert "important_value" in body["allowed"]["segment"] and len(body["allowed"]["segment"]) == 8
    response = client.get("/api/v1/insights/churn?churn_band=extreme")
    assert response.status_code == 400
    assert response.json()["allowed"]["churn_band"] == ["low", "medium", "high"]
    assert client.get("/api/v1/customers?segment=vip").status_code == 400
    assert client.get("/api/v1/customers?churn_band=high,low").status_code == 200


def test_a_store_without_orders_answers_an_explained_empty_state(store_b, users, api, in_store):
    with in_store(store_b):
        run = services.score_store()
    assert run.kind == "empty"
    for path in ("/api/v1/insights/rfm", "/api/v1/insights/churn"):
        response = api(users.b_admin, store_b).get(path)
        assert response.status_code == 200
        body = response.json()
        assert body["state"] == "empty" and body["message"] and body["results"] == []
    assert api(users.b_admin, store_b).get("/api/v1/insights/churn").json()["model"]["kind"] == "empty"


def test_not_scored_yet_is_explained(store_b, users, api):
    body = api(users.b_admin, store_b).get("/api/v1/insights/rfm").json()
    assert body["state"] == "not_scored" and body["message"]


def test_rfm_and_churn_carry_the_api_md_fields_and_respect_visibility(scored, store_a, users, api):
    body = api(users.a_sales, store_a).get("/api/v1/insights/rfm").json()
    ids = {row["id"] for row in body["results"]}
    assert ids == {scored["mine"].pk, scored["fresh"].pk}
    row = body["results"][0]
    assert set(row["rfm"]) >= {"r", "f", "m", "segment", "scored_at"}
    assert {s["segment"] for s in body["segments"]} == {
        "important_value",
        "important_development",
        "important_retention",
        "important_winback",
        "general_value",
        "general_development",
        "general_retention",
        "general_winback",
    }
    assert sum(s["customers"] for s in body["segments"]) == 2
    churn = api(users.a_sales, store_a).get("/api/v1/insights/churn").json()
    assert churn["results"][0]["id"] == scored["mine"].pk  # highest risk first
    risk = churn["results"][0]["churn_risk"]
    assert set(risk) >= {"probability", "band", "reasons", "scored_at"}
    assert churn["model"]["kind"] == "fallback" and churn["model"]["fallback_reason"]
    probabilities = [r["churn_risk"]["probability"] for r in churn["results"]]
    assert probabilities == sorted(probabilities, reverse=True)
    admin = api(users.a_admin, store_a).get("/api/v1/insights/churn").json()
    assert scored["other"].pk in {r["id"] for r in admin["results"]}


def test_reasons_are_words_in_the_request_language(scored, store_a, users, api):
    client = api(users.a_admin, store_a)
    english = client.get("/api/v1/insights/churn", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    chinese = client.get("/api/v1/insights/churn", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"][0]
    words = english["churn_risk"]["reasons"]
    assert any("No order for" in reason and "usually orders every" in reason for reason in words)
    assert any("天" in reason for reason in chinese["churn_risk"]["reasons"])


def test_segment_filter_of_the_customer_list_and_the_export(scored, store_a, users, api, in_store):
    with in_store(store_a):
        segment = CustomerScore.objects.get(customer_id=scored["fresh"].pk).segment
    client = api(users.a_admin, store_a)
    listed = client.get(f"/api/v1/customers?segment={segment}").json()["results"]
    assert scored["fresh"].pk in {row["id"] for row in listed}
    assert scored["mine"].pk not in {row["id"] for row in listed} or segment == "general_winback"
    export = client.get(f"/api/v1/customers/export?format=csv&segment={segment}", HTTP_ACCEPT_LANGUAGE="en")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert "RFM segment" in rows[0] and "Churn risk" in rows[0]
    assert len(rows) == 1 + len(listed)


def test_360_panel_and_kanban_panel(scored, store_a, users, api, page_client):
    detail = api(users.a_admin, store_a).get(f"/api/v1/customers/{scored['mine'].pk}").json()
    panel = detail["summary"]["panels"]["insights"]
    assert panel["segment"] and panel["churn_band"] in ("low", "medium", "high") and panel["reasons"]
    page = page_client(users.a_admin, store_a).get(f"/customers/{scored['mine'].pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert b'data-testid="insights-panel"' in page.content
    kanban = page_client(users.a_admin, store_a).get("/kanban/")
    assert b'data-testid="kanban-insights"' in kanban.content


def test_dismissal_hides_the_customer_until_its_band_changes(scored, store_a, users, api, in_store):
    client = api(users.a_sales, store_a)
    customer = scored["mine"].pk
    response = client.post(f"/api/v1/insights/churn/{customer}/dismiss", {"note": "ordering by phone"}, format="json")
    assert response.status_code == 201
    assert customer not in {r["id"] for r in client.get("/api/v1/insights/churn").json()["results"]}
    shown = client.get("/api/v1/insights/churn?include_dismissed=true").json()["results"]
    assert customer in {r["id"] for r in shown}
    with in_store(store_a):
        CustomerScore.objects.filter(customer_id=customer).update(churn_band="low")
        services._write_scores(
            [
                tuple(getattr(s, c) if c != "churn_reasons" else "[]" for c in services.SCORE_COLUMNS)
                for s in CustomerScore.objects.all()
            ]
        )
        assert not Dismissal.objects.get(customer_id=customer).active


def test_dismissal_of_another_salespersons_customer_is_a_404(scored, store_a, users, api):
    response = api(users.a_sales, store_a).post(f"/api/v1/insights/churn/{scored['other'].pk}/dismiss")
    assert response.status_code == 404


def test_follow_up_by_the_supervisor_assigns_the_owner_a_task(scored, store_a, users, api, in_store):
    response = api(users.a_supervisor, store_a).post(f"/api/v1/insights/churn/{scored['mine'].pk}/follow-up")
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "task"
    with in_store(store_a):
        task = WorkTask.objects.get(pk=response.json()["task"])
    assert task.assignee_id == users.a_sales.pk and "Lapsed Lin" in task.title


def test_follow_up_by_the_owner_makes_the_follow_up_due(scored, store_a, users, api):
    response = api(users.a_sales, store_a).post(f"/api/v1/insights/churn/{scored['mine'].pk}/follow-up")
    assert response.status_code == 201
    assert response.json()["kind"] == "reminder"
    customer = api(users.a_sales, store_a).get(f"/api/v1/customers/{scored['mine'].pk}").json()
    assert customer["next_follow_up_at"] is not None


def test_scoring_on_demand_is_for_supervisors_and_admins(store_a, users, api):
    assert api(users.a_sales, store_a).post("/api/v1/insights/score").status_code == 403
    assert api(users.a_admin, store_a).post("/api/v1/insights/score").status_code == 202


def test_settings_are_validated(store_a, users, api):
    client = api(users.a_admin, store_a)
    assert client.patch("/api/v1/insights/settings", {"churn_horizon_days": 3}, format="json").status_code == 400
    response = client.patch("/api/v1/insights/settings", {"churn_horizon_days": 60}, format="json")
    assert response.status_code == 200 and response.json()["churn_horizon_days"] == 60
    assert api(users.a_sales, store_a).patch("/api/v1/insights/settings", {}, format="json").status_code == 403


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_at_risk_page_lists_the_owners_customers(scored, store_a, users, page_client, language):
    client = page_client(users.a_sales, store_a)
    page = client.get("/insights/?churn_band=low,medium,high", HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    assert f'data-customer="{scored["mine"].pk}"'.encode() in page.content
    assert f'data-customer="{scored["other"].pk}"'.encode() not in page.content
    bad = page_client(users.a_sales, store_a).get("/insights/?segment=vip")
    assert bad.status_code == 400
