"""/api/v1/hq/stores and /api/v1/hq/provisioning on the HQ host."""

from __future__ import annotations

import pytest
from django.conf import settings

from shared_apps.accounts.models import Membership, User
from tenants.models import Domain, Provisioning, Store
from tenants.routing import store_url
from tests.factories import SubsidiaryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/hq/stores"


def _store_count() -> int:
    return Store.objects.count()


def test_hq_executive_lists_the_stores_without_the_public_row(api, users, store_a, store_b):
    response = api(users.hq_exec).get(URL)

    assert response.status_code == 200
    rows = {row["subdomain"]: row for row in response.json()["results"]}
    assert set(rows) == {"alpha", "bravo"}
    assert rows["alpha"] == {
        "id": store_a.pk,
        "name": "Alpha",
        "subdomain": "alpha",
        "subsidiary": None,
        "subsidiary_name": None,
        "status": "active",
        "url": store_url("alpha"),
        "created_at": rows["alpha"]["created_at"],
    }


def test_stores_filter_by_subsidiary_status_and_search(api, users, store_a, store_b):
    east = SubsidiaryFactory(code="east", name="East")
    Store.objects.filter(pk=store_a.pk).update(subsidiary=east)
    Store.objects.filter(pk=store_b.pk).update(status="suspended")
    client = api(users.hq_exec)

    assert [r["subdomain"] for r in client.get(URL, {"subsidiary": "east"}).json()["results"]] == ["alpha"]
    assert [r["subdomain"] for r in client.get(URL, {"subsidiary": east.pk}).json()["results"]] == ["alpha"]
    assert [r["subdomain"] for r in client.get(URL, {"status": "suspended"}).json()["results"]] == ["bravo"]
    assert [r["subdomain"] for r in client.get(URL, {"q": "brav"}).json()["results"]] == ["bravo"]
    assert client.get(URL, {"subsidiary": "nowhere"}).json()["results"] == []


def test_hq_admin_creates_a_store_that_ends_ready(api, users, password, django_capture_on_commit_callbacks, in_store):
    east = SubsidiaryFactory(code="east", name="East")
    client = api(users.hq_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL,
            {
                "name": "Charlie",
                "subdomain": "charlie",
                "subsidiary": "east",
                "channels": ["tmall", "1688"],
                "owner_email": "owner@charlie.example",
                "owner_password": password,
            },
            format="json",
        )

    assert response.status_code == 202
    ref = response.json()["provisioning"]
    assert ref["url"] == f"/api/v1/hq/provisioning/{ref['id']}"
    status = client.get(ref["url"]).json()
    assert status["status"] == "ready"
    assert status["store_url"] == store_url("charlie")
    assert status["error"] == ""
    store = Store.objects.get(subdomain="charlie")
    assert status["store"] == store.pk
    assert store.subsidiary == east
    owner = User.objects.get(email="owner@charlie.example")
    assert Membership.objects.get(user=owner, store=store).role == "admin"
    channels = api(owner, store).get("/api/v1/channels").json()["results"]
    assert {c["code"] for c in channels} == {"tmall", "1688"}


def test_provisioning_is_reported_while_it_runs(api, users):
    response = api(users.hq_admin).post(URL, {"name": "Delta", "subdomain": "delta"}, format="json")

    assert response.status_code == 202
    status = api(users.hq_exec).get(response.json()["provisioning"]["url"]).json()
    assert status["status"] == "provisioning"
    assert status["store"] is None
    assert status["store_url"] is None


def test_an_unknown_provisioning_is_not_found(api, users):
    assert api(users.hq_admin).get("/api/v1/hq/provisioning/not-a-uuid").status_code == 404
    response = api(users.hq_admin).get("/api/v1/hq/provisioning/2b1e1c9e-8a55-4e52-9d0b-1f1e2d3c4b5a")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("subdomain", "status", "code"),
    [
        ("Admin!", 400, "subdomain_invalid"),
        ("www", 400, "subdomain_reserved"),
        ("admin", 400, "subdomain_reserved"),
        ("alpha", 409, "subdomain_taken"),
    ],
)
def test_a_bad_subdomain_is_refused_and_nothing_is_written(api, users, store_a, subdomain, status, code):
    before = (_store_count(), Provisioning.objects.count(), Domain.objects.count())

    response = api(users.hq_admin).post(URL, {"name": "Bad", "subdomain": subdomain}, format="json")

    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert (_store_count(), Provisioning.objects.count(), Domain.objects.count()) == before


def test_an_unknown_subsidiary_is_refused_and_nothing_is_written(api, users):
    before = Provisioning.objects.count()

    response = api(users.hq_admin).post(
        URL, {"name": "Echo", "subdomain": "echo", "subsidiary": "nowhere"}, format="json"
    )

    assert response.status_code == 400
    assert "subsidiary" in response.json()["errors"]
    assert Provisioning.objects.count() == before


def test_a_new_owner_with_a_weak_password_is_refused_and_nothing_is_written(api, users):
    before = Provisioning.objects.count()

    response = api(users.hq_admin).post(
        URL,
        {"name": "Echo", "subdomain": "echo", "owner_email": "o@echo.example", "owner_password": "1"},
        format="json",
    )

    assert response.status_code == 400
    assert "owner_password" in response.json()["errors"]
    assert Provisioning.objects.count() == before
    assert not User.objects.filter(email="o@echo.example").exists()


def test_hq_executive_cannot_create_a_store(api, users):
    response = api(users.hq_exec).post(URL, {"name": "Foxtrot", "subdomain": "foxtrot"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Provisioning.objects.filter(subdomain="foxtrot").exists()


def test_store_users_are_refused_on_the_hq_api(api, users, store_a):
    assert api(users.a_admin).get(URL).status_code == 403
    assert api(users.a_admin).post(URL, {"name": "G", "subdomain": "golf"}, format="json").status_code == 403
    assert api(users.a_admin, store_a).get(URL).status_code == 404


def test_hq_admin_renames_and_moves_a_store(api, users, store_a):
    east = SubsidiaryFactory(code="east", name="East")

    response = api(users.hq_admin).patch(
        f"{URL}/{store_a.pk}", {"name": "Alpha Prime", "subsidiary": east.pk}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["subsidiary"] == east.pk
    store_a.refresh_from_db()
    assert (store_a.name, store_a.subsidiary_id) == ("Alpha Prime", east.pk)


def test_suspending_a_store_locks_its_members_out_until_reactivated(api, users, store_a):
    admin = api(users.hq_admin)

    assert admin.patch(f"{URL}/{store_a.pk}", {"status": "suspended"}, format="json").json()["status"] == "suspended"
    refused = api(users.a_sales, store_a).get("/api/v1/members")
    assert refused.status_code == 403
    assert refused.json()["code"] == "store_suspended"

    admin.patch(f"{URL}/{store_a.pk}", {"status": "active"}, format="json")
    assert api(users.a_sales, store_a).get("/api/v1/members").status_code == 200


def test_an_unknown_status_is_refused(api, users, store_a):
    response = api(users.hq_admin).patch(f"{URL}/{store_a.pk}", {"status": "closed"}, format="json")

    assert response.status_code == 400
    store_a.refresh_from_db()
    assert store_a.status == "active"


def test_hq_executive_cannot_change_a_store(api, users, store_a):
    response = api(users.hq_exec).patch(f"{URL}/{store_a.pk}", {"status": "suspended"}, format="json")

    assert response.status_code == 403
    store_a.refresh_from_db()
    assert store_a.status == "active"


def test_the_public_row_cannot_be_read_or_changed(api, users):
    public = Store.objects.get(schema_name=settings.PUBLIC_SCHEMA_NAME)

    assert api(users.hq_admin).get(f"{URL}/{public.pk}").status_code == 404
    response = api(users.hq_admin).patch(f"{URL}/{public.pk}", {"status": "suspended"}, format="json")
    assert response.status_code == 404
    public.refresh_from_db()
    assert public.status == "active"
