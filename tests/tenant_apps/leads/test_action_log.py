"""The leads app in the action log: leads, their assignments, the settings, rules and agents are
recorded by the database triggers; the rotation's clock and the agents' turns are not."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def entries(client, **params):
    response = client.get("/api/v1/audit", {"page_size": 200, **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_lead_created_through_the_api_is_in_the_action_log_with_its_assignment(api, users, store_a):
    client = api(users.a_admin, store_a)
    body = {"channel": "tmall", "name": "Ms Wang", "mobile": "13800138000", "message": "Pallets?"}
    made = client.post("/api/v1/leads", body, format="json", REMOTE_ADDR="203.0.113.9")
    assert made.status_code == 201, made.content
    lead = made.json()

    rows = entries(client, object_type="leads.lead", object_id=str(lead["id"]))
    created = [row for row in rows if row["action"] == "create"]
    assert len(created) == 1
    assert created[0]["changes"]["name"] == [None, "Ms Wang"]
    assert created[0]["changes"]["mobile"] == [None, "13800138000"]
    assert (created[0]["actor"], created[0]["ip"], created[0]["source"]) == (
        users.a_admin.email,
        "203.0.113.9",
        "request",
    )
    assigned = entries(client, object_type="leads.leadassignment")
    assert [row["changes"]["lead_id"][1] for row in assigned if row["action"] == "create"] == [lead["id"]]
    assert [row["changes"]["owner_id"][1] for row in assigned] == [lead["owner"]]


def test_the_rotation_clock_and_the_agents_turns_are_not_logged(api, users, store_a):
    client = api(users.a_admin, store_a)
    for n in range(3):
        made = client.post("/api/v1/leads", {"channel": "tmall", "mobile": f"1380013801{n}"}, format="json")
        assert made.status_code == 201, made.content

    for row in entries(client, object_type="leads.leadsettings"):
        assert "rotation" not in row["changes"]
    for row in entries(client, object_type="leads.leadagent"):
        assert not {"last_turn", "assigned_total"} & set(row["changes"])
        assert row["action"] != "update"


def test_a_change_of_the_settings_and_a_new_rule_are_logged_as_the_admins(api, users, store_a):
    client = api(users.a_admin, store_a)
    changed = client.patch("/api/v1/leads/settings", {"first_response_minutes": 45}, format="json")
    assert changed.status_code == 200, changed.content
    rule = {"name": "Tmall", "channel": "tmall", "members": [users.a_sales.pk]}
    made = client.post("/api/v1/leads/rules", rule, format="json")
    assert made.status_code == 201, made.content

    settings_rows = entries(client, object_type="leads.leadsettings")
    assert [row["changes"] for row in settings_rows if row["action"] == "update"] == [
        {"first_response_minutes": [30, 45]}
    ]
    [rule_row] = entries(client, object_type="leads.distributionrule")
    assert (rule_row["action"], rule_row["actor"], rule_row["changes"]["name"]) == (
        "create",
        users.a_admin.email,
        [None, "Tmall"],
    )
