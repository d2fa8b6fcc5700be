"""Work assignments: who assigns to whom, status changes, overdue flag, filters, notifications."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from tenant_apps.teamwork.models import WorkTask
from tests.tenant_apps.teamwork.helpers import ids, notifications_of

pytestmark = pytest.mark.django_db

NOW = "2026-06-10T10:00:00+08:00"


def assign(api, user, store, assignee, **extra):
    data = {"title": "Call back the food factory", "assignee": assignee.pk, **extra}
    return api(user, store).post("/api/v1/tasks", data, format="json")


def test_supervisor_assigns_to_a_team_member_who_is_notified(api, store_a, users, in_store):
    response = assign(api, users.a_supervisor, store_a, users.a_sales, due_date="2099-01-31")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["assignee"], body["created_by"], body["status"], body["due_date"], body["is_overdue"]) == (
        users.a_sales.pk,
        users.a_supervisor.pk,
        "open",
        "2099-01-31",
        False,
    )
    with in_store(store_a):
        assert len(notifications_of(users.a_sales, "kanban.task_assigned")) == 1


def test_supervisor_cannot_assign_outside_the_team(api, store_a, users, in_store):
    response = assign(api, users.a_supervisor, store_a, users.a_finance)
    assert response.status_code == 400
    assert "assignee" in response.json()["errors"]
    with in_store(store_a):
        assert not WorkTask.objects.exists()


def test_admin_assigns_to_anyone_in_the_store(api, store_a, users):
    assert assign(api, users.a_admin, store_a, users.a_finance).status_code == 201


def test_assignee_of_another_store_is_refused(api, store_a, users):
    response = assign(api, users.a_admin, store_a, users.b_sales)
    assert response.status_code == 400
    assert "assignee" in response.json()["errors"]


def test_salesperson_cannot_assign(api, store_a, users):
    response = assign(api, users.a_sales, store_a, users.a_sales2)
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_due_date_in_the_past_is_refused(api, store_a, users):
    response = assign(api, users.a_admin, store_a, users.a_sales, due_date="2000-01-01")
    assert response.status_code == 400
    assert "due_date" in response.json()["errors"]


def test_assignee_moves_the_work_along_and_the_assigner_hears_when_done(api, store_a, users, in_store):
    task_id = assign(api, users.a_supervisor, store_a, users.a_sales).json()["id"]
    client = api(users.a_sales, store_a)
    assert client.patch(f"/api/v1/tasks/{task_id}", {"status": "in_progress"}, format="json").json()["status"] == (
        "in_progress"
    )
    done = client.patch(f"/api/v1/tasks/{task_id}", {"status": "done"}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "done" and done.json()["completed_at"]
    with in_store(store_a):
        assert len(notifications_of(users.a_supervisor, "kanban.task_done")) == 1


def test_assignee_cannot_cancel(api, store_a, users, in_store):
    task_id = assign(api, users.a_supervisor, store_a, users.a_sales).json()["id"]
    response = api(users.a_sales, store_a).patch(f"/api/v1/tasks/{task_id}", {"status": "cancelled"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    with in_store(store_a):
        assert WorkTask.objects.get(pk=task_id).status == "open"


def test_assignee_cannot_edit_the_title(api, store_a, users):
    task_id = assign(api, users.a_supervisor, store_a, users.a_sales).json()["id"]
    response = api(users.a_sales, store_a).patch(f"/api/v1/tasks/{task_id}", {"title": "Easier"}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_assigner_cancels_and_the_assignee_is_told(api, store_a, users, in_store):
    task_id = assign(api, users.a_supervisor, store_a, users.a_sales).json()["id"]
    response = api(users.a_supervisor, store_a).patch(
        f"/api/v1/tasks/{task_id}", {"status": "cancelled"}, format="json"
    )
    assert response.json()["status"] == "cancelled"
    with in_store(store_a):
        assert len(notifications_of(users.a_sales, "kanban.task_cancelled")) == 1


def test_a_cancelled_task_cannot_be_done(api, store_a, users):
    task_id = assign(api, users.a_supervisor, store_a, users.a_sales).json()["id"]
    api(users.a_supervisor, store_a).patch(f"/api/v1/tasks/{task_id}", {"status": "cancelled"}, format="json")
    response = api(users.a_supervisor, store_a).patch(f"/api/v1/tasks/{task_id}", {"status": "done"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")


def test_unknown_status_is_400(api, store_a, users):
    task_id = assign(api, users.a_supervisor, store_a, users.a_sales).json()["id"]
    response = api(users.a_sales, store_a).patch(f"/api/v1/tasks/{task_id}", {"status": "finished"}, format="json")
    assert response.status_code == 400


def test_a_salesperson_sees_only_their_own(api, store_a, users):
    mine = assign(api, users.a_supervisor, store_a, users.a_sales).json()["id"]
    theirs = assign(api, users.a_supervisor, store_a, users.a_sales2).json()["id"]
    assert ids(api(users.a_sales, store_a).get("/api/v1/tasks")) == [mine]
    assert api(users.a_sales, store_a).get(f"/api/v1/tasks/{theirs}").status_code == 404
    response = api(users.a_sales, store_a).patch(f"/api/v1/tasks/{theirs}", {"status": "done"}, format="json")
    assert response.status_code == 404


def test_supervisor_sees_the_team_but_not_others(api, store_a, users):
    team = assign(api, users.a_admin, store_a, users.a_sales).json()["id"]
    other = assign(api, users.a_admin, store_a, users.a_finance).json()["id"]
    seen = ids(api(users.a_supervisor, store_a).get("/api/v1/tasks"))
    assert team in seen and other not in seen


def test_another_store_sees_nothing(api, store_a, store_b, users):
    task_id = assign(api, users.a_admin, store_a, users.a_sales).json()["id"]
    assert api(users.b_admin, store_b).get(f"/api/v1/tasks/{task_id}").status_code == 404


def test_overdue_flag_and_filter_follow_the_store_day(api, store_a, users, in_store):
    with time_machine.travel(NOW, tick=False):
        due_today = assign(api, users.a_admin, store_a, users.a_sales, due_date="2026-06-10").json()["id"]
        due_tomorrow = assign(api, users.a_admin, store_a, users.a_sales, due_date="2026-06-11").json()["id"]
        done = assign(api, users.a_admin, store_a, users.a_sales, due_date="2026-06-10").json()["id"]
        api(users.a_sales, store_a).patch(f"/api/v1/tasks/{done}", {"status": "done"}, format="json")
    # 2026-06-10 23:30 in Shanghai is 15:30 UTC: still the due day, nothing overdue yet.
    with time_machine.travel("2026-06-10T15:30:00+00:00", tick=False):
        assert ids(api(users.a_admin, store_a).get("/api/v1/tasks?due=overdue")) == []
    # Half an hour later it is the 11th in Shanghai (still the 10th in UTC).
    with time_machine.travel("2026-06-10T16:30:00+00:00", tick=False):
        client = api(users.a_admin, store_a)
        assert ids(client.get("/api/v1/tasks?due=overdue")) == [due_today]
        rows = {row["id"]: row for row in client.get("/api/v1/tasks").json()["results"]}
        assert rows[due_today]["is_overdue"] is True
        assert rows[due_tomorrow]["is_overdue"] is False
        assert rows[done]["is_overdue"] is False
        assert ids(client.get("/api/v1/tasks?due=today")) == [due_tomorrow]


def test_filters_by_assignee_status_and_due_range(api, store_a, users):
    soon = (date.today() + timedelta(days=3)).isoformat()
    later = (date.today() + timedelta(days=30)).isoformat()
    a = assign(api, users.a_admin, store_a, users.a_sales, due_date=soon).json()["id"]
    b = assign(api, users.a_admin, store_a, users.a_sales2, due_date=later).json()["id"]
    api(users.a_sales2, store_a).patch(f"/api/v1/tasks/{b}", {"status": "in_progress"}, format="json")
    client = api(users.a_admin, store_a)
    assert ids(client.get(f"/api/v1/tasks?assignee={users.a_sales.pk}")) == [a]
    assert ids(client.get("/api/v1/tasks?status=in_progress")) == [b]
    assert sorted(ids(client.get("/api/v1/tasks?status=open,in_progress"))) == sorted([a, b])
    assert ids(client.get(f"/api/v1/tasks?due_to={soon}")) == [a]
    assert ids(client.get(f"/api/v1/tasks?due_from={later}")) == [b]
    assert ids(api(users.a_sales, store_a).get("/api/v1/tasks?assignee=me")) == [a]


@pytest.mark.parametrize("query", ["status=later", "due=someday", "due_from=tomorrow", "assignee=x", "ordering=x"])
def test_bad_filters_are_400(api, store_a, users, query):
    response = api(users.a_admin, store_a).get(f"/api/v1/tasks?{query}")
    assert response.status_code == 400, response.content
