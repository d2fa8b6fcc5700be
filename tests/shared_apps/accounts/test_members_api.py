"""/api/v1/members on a store host."""

from __future__ import annotations

import pytest

from shared_apps.accounts.models import Membership, User

pytestmark = pytest.mark.django_db

URL = "/api/v1/members"


def _member(user, store) -> Membership:
    return Membership.objects.get(user=user, store=store)


def test_any_member_lists_the_members_of_the_store(api, users, store_a):
    response = api(users.a_sales, store_a).get(URL)

    assert response.status_code == 200
    rows = {row["email"]: row for row in response.json()["results"]}
    assert set(rows) == {
        users[key].email for key in ("a_admin", "a_supervisor", "a_sales", "a_sales2", "a_finance", "a_warehouse")
    }
    sales = rows[users.a_sales.email]
    assert sales["user"] == users.a_sales.pk
    assert sales["role"] == "salesperson"
    assert sales["supervisor"] == users.a_supervisor.pk
    assert sales["is_active"] is True
    assert sales["name"] == users.a_sales.name


def test_member_list_never_shows_another_stores_members(api, users, store_a):
    emails = {row["email"] for row in api(users.a_admin, store_a).get(URL).json()["results"]}

    assert users.b_admin.email not in emails


def test_salesperson_cannot_add_members(api, users, store_a, password):
    response = api(users.a_sales, store_a).post(
        URL, {"email": "new@example.com", "name": "New", "password": password, "role": "salesperson"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not User.objects.filter(email="new@example.com").exists()


def test_admin_adds_a_new_user_to_the_store(api, users, store_a, password):
    response = api(users.a_admin, store_a).post(
        URL,
        {"email": "New.Person@Example.com", "name": "New Person", "password": password, "role": "finance"},
        format="json",
    )

    assert response.status_code == 201
    user = User.objects.get(email="new.person@example.com")
    assert user.check_password(password)
    assert response.json()["user"] == user.pk
    assert _member(user, store_a).role == "finance"


def test_new_user_with_a_weak_password_is_refused_and_nothing_is_written(api, users, store_a):
    response = api(users.a_admin, store_a).post(
        URL, {"email": "weak@example.com", "name": "Weak", "password": "12345", "role": "salesperson"}, format="json"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "validation_error"
    assert "password" in response.json()["errors"]
    assert not User.objects.filter(email="weak@example.com").exists()


def test_new_user_without_a_password_is_refused(api, users, store_a):
    response = api(users.a_admin, store_a).post(URL, {"email": "nopass@example.com", "role": "finance"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()["errors"]
    assert not User.objects.filter(email="nopass@example.com").exists()


def test_admin_adds_an_existing_user_and_their_password_is_left_alone(api, users, store_a, password):
    response = api(users.a_admin, store_a).post(
        URL, {"email": users.b_sales.email, "password": "ignored-Pass-2026", "role": "salesperson"}, format="json"
    )

    assert response.status_code == 201
    assert _member(users.b_sales, store_a).role == "salesperson"
    users.b_sales.refresh_from_db()
    assert users.b_sales.check_password(password)


def test_adding_someone_who_is_already_a_member_is_a_conflict(api, users, store_a):
    response = api(users.a_admin, store_a).post(URL, {"email": users.a_sales.email, "role": "admin"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_member"
    assert _member(users.a_sales, store_a).role == "salesperson"


def test_unknown_role_is_a_validation_error(api, users, store_a, password):
    response = api(users.a_admin, store_a).post(
        URL, {"email": "x@example.com", "password": password, "role": "owner"}, format="json"
    )

    assert response.status_code == 400
    assert "role" in response.json()["errors"]


def test_adding_a_member_with_a_supervisor_who_is_not_one_is_refused(api, users, store_a, password):
    response = api(users.a_admin, store_a).post(
        URL,
        {"email": "team@example.com", "password": password, "role": "salesperson", "supervisor": users.a_finance.pk},
        format="json",
    )

    assert response.status_code == 400
    assert "supervisor" in response.json()["errors"]
    assert not User.objects.filter(email="team@example.com").exists()


def test_admin_changes_a_members_role(api, users, store_a):
    member = _member(users.a_finance, store_a)

    response = api(users.a_admin, store_a).patch(f"{URL}/{member.pk}", {"role": "warehouse"}, format="json")

    assert response.status_code == 200
    assert response.json()["role"] == "warehouse"
    member.refresh_from_db()
    assert member.role == "warehouse"


def test_a_deactivated_member_no_longer_reaches_the_store(api, users, store_a):
    member = _member(users.a_warehouse, store_a)

    response = api(users.a_admin, store_a).patch(f"{URL}/{member.pk}", {"is_active": False}, format="json")

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert api(users.a_warehouse, store_a).get(URL).status_code == 404


def test_admin_puts_a_salesperson_in_a_supervisors_team(api, users, store_a):
    member = _member(users.a_sales, store_a)
    client = api(users.a_admin, store_a)

    removed = client.patch(f"{URL}/{member.pk}", {"supervisor": None}, format="json")
    assert removed.json()["supervisor"] is None
    response = client.patch(f"{URL}/{member.pk}", {"supervisor": users.a_supervisor.pk}, format="json")

    assert response.status_code == 200
    member.refresh_from_db()
    assert member.supervisor_id == users.a_supervisor.pk


def test_supervisor_must_be_a_supervisor_of_this_store(api, users, store_a):
    member = _member(users.a_sales, store_a)

    response = api(users.a_admin, store_a).patch(f"{URL}/{member.pk}", {"supervisor": users.b_admin.pk}, format="json")

    assert response.status_code == 400
    assert "supervisor" in response.json()["errors"]
    member.refresh_from_db()
    assert member.supervisor_id == users.a_supervisor.pk


def test_demoting_a_supervisor_frees_their_team(api, users, store_a):
    member = _member(users.a_supervisor, store_a)

    response = api(users.a_admin, store_a).patch(f"{URL}/{member.pk}", {"role": "salesperson"}, format="json")

    assert response.status_code == 200
    assert _member(users.a_sales, store_a).supervisor_id is None
    assert _member(users.a_sales2, store_a).supervisor_id is None


def test_last_admin_cannot_demote_themselves(api, users, store_a):
    member = _member(users.a_admin, store_a)

    response = api(users.a_admin, store_a).patch(f"{URL}/{member.pk}", {"role": "salesperson"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "last_admin"
    member.refresh_from_db()
    assert member.role == "admin"


def test_last_admin_cannot_deactivate_themselves(api, users, store_a):
    member = _member(users.a_admin, store_a)

    response = api(users.a_admin, store_a).patch(f"{URL}/{member.pk}", {"is_active": False}, format="json")

    assert response.status_code == 409
    member.refresh_from_db()
    assert member.is_active is True


def test_an_admin_may_step_down_when_another_admin_remains(api, users, store_a):
    client = api(users.a_admin, store_a)
    client.patch(f"{URL}/{_member(users.a_finance, store_a).pk}", {"role": "admin"}, format="json")
    member = _member(users.a_admin, store_a)

    response = client.patch(f"{URL}/{member.pk}", {"role": "supervisor"}, format="json")

    assert response.status_code == 200
    member.refresh_from_db()
    assert member.role == "supervisor"


def test_a_membership_of_another_store_is_not_found(api, users, store_a, store_b):
    other = _member(users.b_sales, store_b)

    response = api(users.a_admin, store_a).patch(f"{URL}/{other.pk}", {"is_active": False}, format="json")

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.is_active is True


def test_salesperson_cannot_change_a_membership(api, users, store_a):
    member = _member(users.a_sales, store_a)

    response = api(users.a_sales, store_a).patch(f"{URL}/{member.pk}", {"role": "admin"}, format="json")

    assert response.status_code == 403
    member.refresh_from_db()
    assert member.role == "salesperson"


def test_hq_executive_reads_members_but_cannot_add_one(api, users, store_a, password):
    client = api(users.hq_exec, store_a)

    assert client.get(URL).status_code == 200
    response = client.post(URL, {"email": "hq@example.com", "password": password, "role": "admin"}, format="json")
    assert response.status_code == 403
    assert not User.objects.filter(email="hq@example.com").exists()
