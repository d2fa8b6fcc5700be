"""/api/v1/automations: rules written and read by the API contract; errors in problem+json."""

import pytest

from tenant_apps.automation.models import Rule

pytestmark = pytest.mark.django_db

URL = "/api/v1/automations"

RULE = {
    "name": "Big orders to the supervisor",
    "trigger": {"event": "order.status_changed"},
    "conditions": {"all": [{"field": "amount", "op": "gte", "value": "10000"}]},
    "actions": [{"type": "notify", "owner": True, "roles": ["supervisor"], "title": "大单 {number}"}],
    "active": True,
}


def test_admin_creates_reads_changes_and_deletes_a_rule(store_a, users, api):
    client = api(users.a_admin, store_a)
    created = client.post(URL, RULE, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert {k: body[k] for k in RULE} == RULE
    rule_id = body["id"]
    assert client.get(URL).json()["results"][0]["id"] == rule_id
    changed = client.patch(f"{URL}/{rule_id}", {"active": False}, format="json")
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert client.get(f"{URL}/{rule_id}/runs").json()["results"] == []
    assert client.delete(f"{URL}/{rule_id}").status_code == 204
    assert client.get(f"{URL}/{rule_id}").status_code == 404


def test_bad_rule_is_refused_with_every_field_named_and_nothing_stored(store_a, users, api, in_store):
    response = api(users.a_admin, store_a).post(
        URL,
        {
            "name": "",
            "trigger": {"event": "Order Changed!"},
            "conditions": {"field": "amount", "op": "about", "value": 1},
            "actions": [{"type": "launch_rocket"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["errors"]) >= {"name", "trigger", "conditions", "actions"}
    with in_store(store_a):
        assert not Rule.objects.exists()


def test_actions_cannot_name_people_of_another_store(store_a, users, api):
    bad = {**RULE, "actions": [{"type": "notify", "users": [users.b_sales.pk]}]}
    response = api(users.a_admin, store_a).post(URL, bad, format="json")
    assert response.status_code == 400 and "actions" in response.json()["errors"]


def test_schedule_rule_needs_a_valid_schedule_and_records(store_a, users, api):
    client = api(users.a_admin, store_a)
    ok = {**RULE, "trigger": {"schedule": "cron 0 9 * * 1-5", "records": "orders"}}
    assert client.post(URL, ok, format="json").status_code == 201
    for trigger in (
        {"schedule": "sometimes", "records": "orders"},
        {"schedule": "daily"},
        {"schedule": "cron 61 * * * *", "records": "orders"},
    ):
        response = client.post(URL, {**RULE, "trigger": trigger}, format="json")
        assert response.status_code == 400 and "trigger" in response.json()["errors"], trigger


def test_templates_list_the_five_ready_made_rules_and_switching_one_on(store_a, users, api):
    client = api(users.a_admin, store_a)
    rows = client.get(f"{URL}/templates").json()
    assert [row["key"] for row in rows] == [
        "dispatch_failure",
        "receivable_overdue",
        "gtv_drop",
        "customer_quiet",
        "quotation_waiting",
    ]
    assert all(row["rule"] is None and row["active"] is False for row in rows)
    created = client.post(URL, {"template": "gtv_drop", "params": {"days": 14, "percent": "60"}}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["params"] == {"days": 14, "percent": "60", "scope": "store", "min_previous": "0"}
    row = {r["key"]: r for r in client.get(f"{URL}/templates").json()}["gtv_drop"]
    assert row["rule"] == created.json()["id"] and row["active"] is True


def test_ready_made_rule_parameters_are_checked(store_a, users, api):
    response = api(users.a_admin, store_a).post(
        URL, {"template": "gtv_drop", "params": {"days": 0, "percent": "abc", "scope": "galaxy", "x": 1}}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"params", "params.days", "params.percent", "params.scope"}


def test_salesperson_reads_nothing_and_writes_nothing(store_a, users, api):
    client = api(users.a_sales, store_a)
    assert client.get(URL).status_code == 403
    assert client.post(URL, RULE, format="json").status_code == 403


def test_supervisor_reads_but_does_not_write(store_a, users, api):
    client = api(users.a_supervisor, store_a)
    assert client.get(URL).status_code == 200
    assert client.post(URL, RULE, format="json").status_code == 403


def test_rules_page_and_run_log_page(store_a, users, page_client, api):
    rule_id = api(users.a_admin, store_a).post(URL, {"template": "customer_quiet"}, format="json").json()["id"]
    client = page_client(users.a_admin, store_a)
    page = client.get("/automations/")
    assert page.status_code == 200 and b"automation-templates" in page.content
    assert client.get(f"/automations/{rule_id}/runs/").status_code == 200
    saved = client.post("/automations/templates/customer_quiet/", {"days": "45", "active": "1"})
    assert saved.status_code == 302
    row = {r["key"]: r for r in api(users.a_admin, store_a).get(f"{URL}/templates").json()}["customer_quiet"]
    assert row["active"] is True
    assert api(users.a_admin, store_a).get(f"{URL}/{rule_id}").json()["params"] == {"days": 45}
