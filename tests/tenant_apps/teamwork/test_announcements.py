"""Announcements: recipients (everyone, roles, people), visibility, read receipts, HQ's ones."""

from __future__ import annotations

import pytest

from hq_console.services import hq_announcement_create
from tenant_apps.teamwork.models import Announcement, AnnouncementReceipt
from tests.tenant_apps.teamwork.helpers import ids, notifications_of

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def post(api, user, store, **data):
    return api(user, store).post("/api/v1/announcements", data, format="json")


def test_supervisor_posts_to_everyone_and_every_other_member_gets_a_receipt(api, store_a, users, in_store):
    response = post(api, users.a_supervisor, store_a, title="Meeting", body="Friday 4pm", audience="everyone")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["title"], body["source"], body["from_hq"], body["is_read"]) == ("Meeting", "store", False, True)
    with in_store(store_a):
        recipients = set(
            AnnouncementReceipt.objects.filter(announcement_id=body["id"]).values_list("user_id", flat=True)
        )
    expected = {users[k].pk for k in ("a_admin", "a_sales", "a_sales2", "a_finance", "a_warehouse")}
    assert recipients == expected


def test_recipients_are_notified(api, store_a, users, in_store):
    response = post(api, users.a_admin, store_a, title="Stock count", audience="people", people=[users.a_sales.pk])
    assert response.status_code == 201
    with in_store(store_a):
        assert len(notifications_of(users.a_sales, "kanban.announcement")) == 1
        assert notifications_of(users.a_sales2, "kanban.announcement") == []


def test_roles_audience_reaches_only_those_roles(api, store_a, users):
    response = post(api, users.a_admin, store_a, title="Sales only", audience="roles", roles=["salesperson"])
    assert response.status_code == 201
    announcement_id = response.json()["id"]
    assert announcement_id in ids(api(users.a_sales, store_a).get("/api/v1/announcements?source=store"))
    assert announcement_id not in ids(api(users.a_finance, store_a).get("/api/v1/announcements?source=store"))
    assert api(users.a_finance, store_a).get(f"/api/v1/announcements/{announcement_id}").status_code == 404


def test_people_audience_is_hidden_from_others(api, store_a, users):
    response = post(api, users.a_admin, store_a, title="For you", audience="people", people=[users.a_sales.pk])
    announcement_id = response.json()["id"]
    assert api(users.a_sales, store_a).get(f"/api/v1/announcements/{announcement_id}").status_code == 200
    assert api(users.a_sales2, store_a).get(f"/api/v1/announcements/{announcement_id}").status_code == 404


def test_salesperson_cannot_post(api, store_a, users, in_store):
    response = post(api, users.a_sales, store_a, title="Hi", audience="everyone")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    with in_store(store_a):
        assert not Announcement.objects.exists()


def test_people_from_another_store_are_refused_and_nothing_is_written(api, store_a, users, in_store):
    response = post(
        api, users.a_admin, store_a, title="x", audience="people", people=[users.a_sales.pk, users.b_sales.pk]
    )
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "people" in response.json()["errors"]
    with in_store(store_a):
        assert not Announcement.objects.exists()
        assert notifications_of(users.a_sales) == []


@pytest.mark.parametrize(
    "data, field",
    [
        ({"title": "x", "audience": "roles"}, "roles"),
        ({"title": "x", "audience": "roles", "roles": ["pilot"]}, "roles"),
        ({"title": "x", "audience": "people"}, "people"),
        ({"title": "x", "audience": "nobody"}, "audience"),
        ({"title": "", "audience": "everyone"}, "title"),
        ({"title": "x" * 201, "audience": "everyone"}, "title"),
        ({"title": "x", "audience": "everyone", "people": ["abc"]}, "people"),
    ],
)
def test_bad_input_is_400_per_field(api, store_a, users, data, field):
    response = api(users.a_admin, store_a).post("/api/v1/announcements", data, format="json")
    assert response.status_code == 400, response.content
    assert field in {key.split(".")[0] for key in response.json()["errors"]}


def test_marking_read_records_the_first_time_and_is_idempotent(api, store_a, users, in_store):
    announcement_id = post(api, users.a_admin, store_a, title="x", audience="everyone").json()["id"]
    client = api(users.a_sales, store_a)
    assert client.get(f"/api/v1/announcements/{announcement_id}").json()["is_read"] is False
    first = client.post(f"/api/v1/announcements/{announcement_id}/read")
    assert (first.status_code, first.json()["is_read"]) == (200, True)
    with in_store(store_a):
        read_at = AnnouncementReceipt.objects.get(announcement_id=announcement_id, user_id=users.a_sales.pk).read_at
    assert client.post(f"/api/v1/announcements/{announcement_id}/read").status_code == 200
    with in_store(store_a):
        again = AnnouncementReceipt.objects.get(announcement_id=announcement_id, user_id=users.a_sales.pk).read_at
    assert read_at is not None and again == read_at


def test_unread_filter(api, store_a, users):
    first = post(api, users.a_admin, store_a, title="one", audience="everyone").json()["id"]
    second = post(api, users.a_admin, store_a, title="two", audience="everyone").json()["id"]
    client = api(users.a_sales, store_a)
    client.post(f"/api/v1/announcements/{first}/read")
    assert ids(client.get("/api/v1/announcements?unread=true")) == [second]
    assert ids(client.get("/api/v1/announcements?unread=false&source=store")) == [first]


def test_receipts_show_who_read_and_who_has_not(api, store_a, users):
    announcement_id = post(
        api, users.a_supervisor, store_a, title="x", audience="people", people=[users.a_sales.pk, users.a_sales2.pk]
    ).json()["id"]
    api(users.a_sales2, store_a).post(f"/api/v1/announcements/{announcement_id}/read")
    response = api(users.a_supervisor, store_a).get(f"/api/v1/announcements/{announcement_id}/receipts")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["recipients"], body["read"], body["unread"]) == (2, 1, 1)
    by_user = {row["user"]: row for row in body["receipts"]}
    assert by_user[users.a_sales2.pk]["read"] is True and by_user[users.a_sales2.pk]["read_at"]
    assert by_user[users.a_sales.pk]["read"] is False and by_user[users.a_sales.pk]["read_at"] is None


def test_store_admin_sees_receipts_of_others_announcements(api, store_a, users):
    announcement_id = post(
        api, users.a_supervisor, store_a, title="x", audience="people", people=[users.a_sales.pk, users.a_admin.pk]
    ).json()["id"]
    assert api(users.a_admin, store_a).get(f"/api/v1/announcements/{announcement_id}/receipts").status_code == 200


def test_a_recipient_cannot_see_receipts(api, store_a, users):
    announcement_id = post(api, users.a_admin, store_a, title="x", audience="everyone").json()["id"]
    response = api(users.a_sales, store_a).get(f"/api/v1/announcements/{announcement_id}/receipts")
    assert response.status_code == 404


def test_another_store_cannot_see_the_announcement(api, store_a, store_b, users):
    announcement_id = post(api, users.a_admin, store_a, title="x", audience="everyone").json()["id"]
    assert announcement_id not in ids(api(users.b_admin, store_b).get("/api/v1/announcements"))
    assert api(users.b_admin, store_b).get(f"/api/v1/announcements/{announcement_id}").status_code == 404


def test_hq_announcements_to_this_store_are_listed_read_only(api, store_a, store_b, users):
    to_a = hq_announcement_create(title="Holiday schedule", hq_user=users.hq_admin, store_ids=[store_a.pk])
    to_b = hq_announcement_create(title="Only B", hq_user=users.hq_admin, store_ids=[store_b.pk])
    to_all = hq_announcement_create(title="Everyone", hq_user=users.hq_admin, all_stores=True)
    response = api(users.a_sales, store_a).get("/api/v1/announcements?source=hq")
    rows = response.json()["results"]
    assert {row["id"] for row in rows} == {to_a.pk, to_all.pk}
    assert to_b.pk not in {row["id"] for row in rows}
    assert all(row["from_hq"] and row["source"] == "hq" and row["is_read"] is None for row in rows)


def test_the_feed_mixes_store_and_hq_announcements_newest_first(api, store_a, users):
    hq_announcement_create(title="HQ first", hq_user=users.hq_admin, all_stores=True)
    post(api, users.a_admin, store_a, title="Store second", audience="everyone")
    titles = [row["title"] for row in api(users.a_sales, store_a).get("/api/v1/announcements").json()["results"]]
    assert titles[:2] == ["Store second", "HQ first"]


def test_hq_visitor_reads_but_cannot_post(api, store_a, users):
    post(api, users.a_admin, store_a, title="x", audience="people", people=[users.a_sales.pk])
    client = api(users.hq_exec, store_a)
    assert client.get("/api/v1/announcements?source=store").json()["count"] == 1
    assert client.post("/api/v1/announcements", {"title": "y", "audience": "everyone"}, format="json").status_code in (
        403,
        423,
    )
