"""Pages of the team's work: announcements, work assignments, daily reports, the home panel."""

from __future__ import annotations

import pytest

from hq_console.services import hq_announcement_create
from tenant_apps.teamwork import services
from tenant_apps.teamwork.models import Announcement, AnnouncementReceipt, DailyReport, WorkTask
from tests.factories import access_of

pytestmark = pytest.mark.django_db


def test_announcement_list_shows_store_and_hq_ones(page_client, users, store_a, in_store):
    hq_announcement_create(title="From the head office", hq_user=users.hq_admin, all_stores=True)
    with in_store(store_a):
        services.announcement_create(
            access=access_of(users.a_admin, store_a), title="Team meeting", audience="everyone"
        )
    html = page_client(users.a_sales, store_a).get("/kanban/announcements/").content.decode()
    assert "Team meeting" in html and "From the head office" in html
    assert 'data-testid="from-hq"' in html
    assert 'data-testid="announcement-form"' not in html


def test_supervisor_posts_from_the_page(page_client, users, store_a, in_store):
    response = page_client(users.a_supervisor, store_a).post(
        "/kanban/announcements/", {"title": "Sales sync", "body": "", "audience": "roles", "roles": ["salesperson"]}
    )
    assert response.status_code == 302
    with in_store(store_a):
        announcement = Announcement.objects.get(title="Sales sync")
        assert set(AnnouncementReceipt.objects.filter(announcement=announcement).values_list("user_id", flat=True)) == {
            users.a_sales.pk,
            users.a_sales2.pk,
        }


def test_a_refused_post_shows_the_error_and_writes_nothing(page_client, users, store_a, in_store):
    response = page_client(users.a_supervisor, store_a).post(
        "/kanban/announcements/", {"title": "x", "audience": "roles"}
    )
    assert response.status_code == 422
    with in_store(store_a):
        assert not Announcement.objects.exists()


def test_recipient_marks_read_and_the_author_sees_the_receipt(page_client, users, store_a, in_store):
    with in_store(store_a):
        announcement = services.announcement_create(
            access=access_of(users.a_admin, store_a), title="Read me", audience="people", people=[users.a_sales.pk]
        )
    reader = page_client(users.a_sales, store_a)
    page = reader.get(f"/kanban/announcements/{announcement.pk}/").content.decode()
    assert 'data-testid="mark-read"' in page and 'data-testid="receipts"' not in page
    assert reader.post(f"/kanban/announcements/{announcement.pk}/read/").status_code == 302
    author_page = page_client(users.a_admin, store_a).get(f"/kanban/announcements/{announcement.pk}/").content.decode()
    assert 'data-testid="receipts"' in author_page
    assert "1 / 1" in author_page


def test_someone_not_addressed_gets_404(page_client, users, store_a, in_store):
    with in_store(store_a):
        announcement = services.announcement_create(
            access=access_of(users.a_admin, store_a), title="Private", audience="people", people=[users.a_sales.pk]
        )
    assert page_client(users.a_sales2, store_a).get(f"/kanban/announcements/{announcement.pk}/").status_code == 404


def test_supervisor_assigns_from_the_page_and_the_assignee_finishes_it(page_client, users, store_a, in_store):
    response = page_client(users.a_supervisor, store_a).post(
        "/kanban/tasks/",
        {"title": "Visit the factory", "description": "", "assignee": users.a_sales.pk, "due_date": ""},
    )
    assert response.status_code == 302
    with in_store(store_a):
        task = WorkTask.objects.get(title="Visit the factory")
    assignee = page_client(users.a_sales, store_a)
    assert "Visit the factory" in assignee.get("/kanban/tasks/").content.decode()
    assert assignee.post(f"/kanban/tasks/{task.pk}/status/", {"status": "done"}).status_code == 302
    with in_store(store_a):
        assert WorkTask.objects.get(pk=task.pk).status == "done"


def test_an_invalid_status_change_from_the_page_is_422_with_htmx(page_client, users, store_a, in_store):
    with in_store(store_a):
        task = services.task_create(access=access_of(users.a_admin, store_a), title="x", assignee_id=users.a_sales.pk)
    response = page_client(users.a_sales, store_a).post(
        f"/kanban/tasks/{task.pk}/status/", {"status": "cancelled"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    with in_store(store_a):
        assert WorkTask.objects.get(pk=task.pk).status == "open"


def test_a_salesperson_has_no_assign_form(page_client, users, store_a):
    html = page_client(users.a_sales, store_a).get("/kanban/tasks/").content.decode()
    assert 'data-testid="task-form"' not in html


def test_daily_report_page_sends_and_updates_todays_report(page_client, users, store_a, in_store):
    client = page_client(users.a_sales, store_a)
    assert client.post("/kanban/reports/", {"done_today": "Five calls"}).status_code == 302
    assert client.post("/kanban/reports/", {"done_today": "Six calls"}).status_code == 302
    with in_store(store_a):
        assert list(DailyReport.objects.values_list("done_today", flat=True)) == ["Six calls"]
    assert "Six calls" in client.get("/kanban/reports/").content.decode()


def test_supervisor_reads_the_teams_reports_on_the_page(page_client, users, store_a, in_store):
    with in_store(store_a):
        report, _created = services.report_submit(access=access_of(users.a_sales, store_a), done_today="Quoted 3")
    client = page_client(users.a_supervisor, store_a)
    assert "Quoted 3" in client.get("/kanban/reports/").content.decode()
    assert client.get(f"/kanban/reports/{report.pk}/").status_code == 200
    assert page_client(users.a_sales2, store_a).get(f"/kanban/reports/{report.pk}/").status_code == 404


def test_home_panel_lists_my_open_tasks_and_unread_announcements(page_client, users, store_a, in_store):
    with in_store(store_a):
        services.task_create(
            access=access_of(users.a_admin, store_a), title="Count pallets", assignee_id=users.a_sales.pk
        )
        services.announcement_create(access=access_of(users.a_admin, store_a), title="New prices", audience="everyone")
    html = page_client(users.a_sales, store_a).get("/").content.decode()
    assert 'data-testid="team-work"' in html
    assert "Count pallets" in html and "New prices" in html


def test_navigation_has_the_three_pages(page_client, users, store_a):
    html = page_client(users.a_sales, store_a).get("/kanban/tasks/").content.decode()
    for url in ("/kanban/announcements/", "/kanban/tasks/", "/kanban/reports/"):
        assert f'href="{url}"' in html
