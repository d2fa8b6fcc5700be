"""Daily reports: one per person and store day, visibility, notification of the supervisor."""

from __future__ import annotations

import pytest
import time_machine

from tenant_apps.teamwork.models import DailyReport
from tests.tenant_apps.teamwork.helpers import ids, notifications_of

pytestmark = pytest.mark.django_db


def submit(api, user, store, **data):
    return api(user, store).post("/api/v1/reports", {"done_today": "Called 5 customers", **data}, format="json")


def test_first_report_of_the_day_is_created_and_the_supervisor_notified(api, store_a, users, in_store):
    response = submit(api, users.a_sales, store_a, plan_tomorrow="Visit two", problems="")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["author"], body["done_today"], body["plan_tomorrow"]) == (
        users.a_sales.pk,
        "Called 5 customers",
        "Visit two",
    )
    with in_store(store_a):
        assert len(notifications_of(users.a_supervisor, "kanban.daily_report")) == 1
        assert notifications_of(users.a_admin, "kanban.daily_report") == []


def test_posting_again_the_same_day_replaces_it(api, store_a, users, in_store):
    first = submit(api, users.a_sales, store_a).json()
    second = submit(api, users.a_sales, store_a, done_today="Called 7 customers")
    assert second.status_code == 200
    assert second.json()["id"] == first["id"] and second.json()["done_today"] == "Called 7 customers"
    with in_store(store_a):
        assert DailyReport.objects.filter(author_id=users.a_sales.pk).count() == 1
        assert len(notifications_of(users.a_supervisor, "kanban.daily_report")) == 1


def test_the_day_is_the_store_local_day(api, store_a, users, in_store):
    # 23:50 and 00:10 in Shanghai are two days, though both are the same UTC day.
    with time_machine.travel("2026-03-01T15:50:00+00:00", tick=False):
        first = submit(api, users.a_sales, store_a).json()
    with time_machine.travel("2026-03-01T16:10:00+00:00", tick=False):
        second = submit(api, users.a_sales, store_a)
    assert second.status_code == 201
    assert (first["date"], second.json()["date"]) == ("2026-03-01", "2026-03-02")


def test_someone_without_a_supervisor_notifies_the_admins(api, store_a, users, in_store):
    submit(api, users.a_finance, store_a)
    with in_store(store_a):
        assert len(notifications_of(users.a_admin, "kanban.daily_report")) == 1


def test_an_empty_report_is_400_and_nothing_is_written(api, store_a, users, in_store):
    response = api(users.a_sales, store_a).post(
        "/api/v1/reports", {"done_today": " ", "plan_tomorrow": "", "problems": ""}, format="json"
    )
    assert response.status_code == 400
    with in_store(store_a):
        assert not DailyReport.objects.exists()


def test_too_long_a_field_is_400(api, store_a, users):
    response = submit(api, users.a_sales, store_a, problems="x" * 5001)
    assert response.status_code == 400
    assert "problems" in response.json()["errors"]


def test_visibility_author_team_and_admin(api, store_a, users):
    mine = submit(api, users.a_sales, store_a).json()["id"]
    colleague = submit(api, users.a_sales2, store_a).json()["id"]
    finance = submit(api, users.a_finance, store_a).json()["id"]
    assert ids(api(users.a_sales, store_a).get("/api/v1/reports")) == [mine]
    assert api(users.a_sales, store_a).get(f"/api/v1/reports/{colleague}").status_code == 404
    supervisor_sees = set(ids(api(users.a_supervisor, store_a).get("/api/v1/reports")))
    assert {mine, colleague} <= supervisor_sees and finance not in supervisor_sees
    assert {mine, colleague, finance} <= set(ids(api(users.a_admin, store_a).get("/api/v1/reports")))


def test_another_store_sees_nothing(api, store_a, store_b, users):
    report_id = submit(api, users.a_sales, store_a).json()["id"]
    assert api(users.b_admin, store_b).get(f"/api/v1/reports/{report_id}").status_code == 404


def test_filters_by_date_range_and_author(api, store_a, users):
    with time_machine.travel("2026-04-01T10:00:00+08:00", tick=False):
        april_1 = submit(api, users.a_sales, store_a).json()["id"]
    with time_machine.travel("2026-04-03T10:00:00+08:00", tick=False):
        april_3 = submit(api, users.a_sales, store_a).json()["id"]
        other = submit(api, users.a_sales2, store_a).json()["id"]
    client = api(users.a_admin, store_a)
    assert ids(
        client.get("/api/v1/reports?date_from=2026-04-02&date_to=2026-04-30&author=" + str(users.a_sales.pk))
    ) == [april_3]
    assert ids(client.get("/api/v1/reports?date_to=2026-04-01")) == [april_1]
    assert set(ids(client.get("/api/v1/reports?date_from=2026-04-03"))) == {april_3, other}


@pytest.mark.parametrize("query", ["date_from=yesterday", "date_from=2026-05-02&date_to=2026-05-01", "author=x"])
def test_bad_filters_are_400(api, store_a, users, query):
    assert api(users.a_admin, store_a).get(f"/api/v1/reports?{query}").status_code == 400


def test_hq_visitor_reads_reports_but_cannot_write(api, store_a, users):
    report_id = submit(api, users.a_sales, store_a).json()["id"]
    client = api(users.hq_exec, store_a)
    assert client.get(f"/api/v1/reports/{report_id}").status_code == 200
    assert client.post("/api/v1/reports", {"done_today": "x"}, format="json").status_code in (403, 423)
