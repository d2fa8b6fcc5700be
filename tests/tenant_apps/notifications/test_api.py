from datetime import timedelta

import pytest
from django.utils import timezone

from tenant_apps.notifications import selectors, services
from tenant_apps.notifications.models import Notification
from tests.factories import access_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications"
READ_URL = "/api/v1/notifications/read"


@pytest.fixture
def inbox(store_a, users, in_store):
    """Three notifications for a_sales (oldest first), one for a_sales2."""
    now = timezone.now()
    made = {}
    with in_store(store_a):
        for age, title in ((3, "Oldest"), (2, "Middle"), (1, "Newest")):
            n = services.notify(recipients=[users.a_sales], kind="claim.filed", title=title, url="/claims/1/")[0]
            Notification.objects.filter(pk=n.pk).update(created_at=now - timedelta(hours=age))
            made[title] = n.pk
        made["Other"] = services.notify(recipients=[users.a_sales2], kind="claim.filed", title="Other")[0].pk
        services.mark_read(access=access_of(users.a_sales), ids=[made["Middle"]])
    return made


def test_list_shows_own_notifications_newest_first(api, store_a, users, inbox):
    response = api(users.a_sales, store_a).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [n["title"] for n in body["results"]] == ["Newest", "Middle", "Oldest"]
    first = body["results"][0]
    assert set(first) == {"id", "kind", "title", "body", "url", "data", "created_at", "read_at", "is_read"}
    assert first["is_read"] is False and first["read_at"] is None
    assert body["results"][1]["is_read"] is True


def test_list_filters_unread(api, store_a, users, inbox):
    response = api(users.a_sales, store_a).get(URL, {"unread": "true"})
    assert [n["title"] for n in response.json()["results"]] == ["Newest", "Oldest"]


def test_list_is_paginated(api, store_a, users, inbox):
    body = api(users.a_sales, store_a).get(URL, {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


def test_mark_read_by_ids_ignores_other_users_notifications(api, store_a, users, inbox, in_store):
    response = api(users.a_sales, store_a).post(READ_URL, {"ids": [inbox["Newest"], inbox["Other"]]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 1}
    with in_store(store_a):
        assert selectors.unread_count(access=access_of(users.a_sales2)) == 1


def test_mark_read_without_ids_marks_all(api, store_a, users, inbox):
    response = api(users.a_sales, store_a).post(READ_URL, {}, format="json")
    assert response.json() == {"marked": 2, "unread": 0}


@pytest.mark.parametrize("payload", [{"ids": ["abc"]}, {"ids": "1,2"}, {"ids": [1.5]}, {"ids": [None]}])
def test_mark_read_with_bad_ids_is_a_validation_error(api, store_a, users, inbox, in_store, payload):
    response = api(users.a_sales, store_a).post(READ_URL, payload, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "validation_error"
    with in_store(store_a):
        assert selectors.unread_count(access=access_of(users.a_sales)) == 2


def test_every_store_role_may_read_its_notifications(api, store_a, users):
    for key in ("a_admin", "a_supervisor", "a_sales", "a_finance", "a_warehouse"):
        assert api(users[key], store_a).get(URL).status_code == 200, key


def test_anonymous_gets_401(api, store_a):
    assert api(None, store_a).get(URL).status_code == 401


def test_member_of_another_store_gets_404(api, store_a, users):
    assert api(users.b_sales, store_a).get(URL).status_code == 404


def test_list_filters_by_kind(api, store_a, users, inbox, in_store):
    with in_store(store_a):
        services.notify(recipients=[users.a_sales], kind="order.paid", title="Paid")
    body = api(users.a_sales, store_a).get(URL, {"kind": "order.paid"}).json()
    assert [n["title"] for n in body["results"]] == ["Paid"]
