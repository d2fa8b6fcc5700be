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


def _invite(api, users, store, **body):
    return api(users.a_admin, store).post(URL, body, format="json")


def _accept(api, user, store, invitation_id):
    return api(user, store).post(f"/api/v1/invitations/{invitation_id}/accept")


def test_admin_invites_a_new_user_who_accepts(api, users, store_a, password):
    response = _invite(
        api, users, store_a, email="New.Person@Example.com", name="New Person", password=password, role="finance"
    )

    assert response.status_code == 202
    body = response.json()
    assert (body["email"], body["role"], body["status"]) == ("new.person@example.com", "finance", "pending")
    user = User.objects.get(email="new.person@example.com")
    assert user.check_password(password)
    assert not Membership.objects.filter(user=user, store=store_a).exists()

    accepted = _accept(api, user, store_a, body["id"])

    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["user"] == user.pk
    assert _member(user, store_a).role == "finance"


def test_new_user_with_a_weak_password_is_refused_and_nothing_is_written(api, users, store_a):
    response = _invite(api, users, store_a, email="weak@example.com", name="Weak", password="12345", role="salesperson")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "validation_error"
    assert "password" in response.json()["errors"]
    assert not User.objects.filter(email="weak@example.com").exists()


def test_a_password_is_required_whether_or_not_the_email_exists(api, users, store_a):
    for email in ("nopass@example.com", users.b_sales.email):
        response = _invite(api, users, store_a, email=email, role="finance")
        assert response.status_code == 400
        assert "password" in response.json()["errors"]
    assert not User.objects.filter(email="nopass@example.com").exists()


def test_an_existing_user_is_invited_not_enrolled_and_accepts(api, users, store_a, password, mailoutbox):
    response = _invite(api, users, store_a, email=users.b_sales.email, password="ignored-Pass-2026", role="salesperson")

    assert response.status_code == 202
    assert not Membership.objects.filter(user=users.b_sales, store=store_a).exists()
    assert api(users.b_sales, store_a).get("/api/v1/me").status_code == 404
    users.b_sales.refresh_from_db()
    assert users.b_sales.check_password(password)
    assert any(users.b_sales.email in message.to for message in mailoutbox)

    mine = api(users.b_sales, store_a).get("/api/v1/invitations")
    assert [row["id"] for row in mine.json()] == [response.json()["id"]]
    assert _accept(api, users.b_sales, store_a, response.json()["id"]).status_code == 200
    assert _member(users.b_sales, store_a).role == "salesperson"


def test_the_answer_is_the_same_whether_the_email_exists(api, users, store_a, password):
    new = _invite(api, users, store_a, email="brand-new@example.com", password=password, role="salesperson")
    existing = _invite(api, users, store_a, email=users.b_sales.email, password=password, role="salesperson")

    assert new.status_code == existing.status_code == 202
    assert sorted(new.json()) == sorted(existing.json())
    assert new.json()["status"] == existing.json()["status"] == "pending"
    assert "name" not in existing.json() and "user" not in existing.json()


def test_only_the_invited_user_accepts_an_invitation(api, users, store_a, password):
    invitation = _invite(api, users, store_a, email=users.b_sales.email, password=password, role="salesperson").json()

    assert _accept(api, users.b_admin, store_a, invitation["id"]).status_code == 404
    assert _accept(api, users.a_sales, store_a, invitation["id"]).status_code == 404
    assert not Membership.objects.filter(user=users.b_sales, store=store_a).exists()


def test_an_invitation_is_accepted_once(api, users, store_a, password):
    invitation = _invite(api, users, store_a, email=users.b_sales.email, password=password, role="salesperson").json()
    assert _accept(api, users.b_sales, store_a, invitation["id"]).status_code == 200

    again = _accept(api, users.b_sales, store_a, invitation["id"])

    assert again.status_code == 404
    assert Membership.objects.filter(user=users.b_sales, store=store_a).count() == 1


def test_an_invitation_of_store_a_cannot_be_accepted_on_store_b(api, users, store_a, store_b, password):
    invitation = _invite(
        api, users, store_a, email=users.a_sales.email.replace("a.sales", "x"), password=password, role="salesperson"
    ).json()
    invited = User.objects.get(email=invitation["email"])

    assert _accept(api, invited, store_b, invitation["id"]).status_code == 404


def test_adding_someone_who_is_already_a_member_is_a_conflict(api, users, store_a, password):
    response = api(users.a_admin, store_a).post(
        URL, {"email": users.a_sales.email, "password": password, "role": "admin"}, format="json"
    )

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


def test_the_invited_user_accepts_on_the_invitations_page(api, page_client, users, store_a, password):
    invitation = (
        api(users.a_admin, store_a)
        .post(URL, {"email": users.b_sales.email, "password": password, "role": "finance"}, format="json")
        .json()
    )
    client = page_client(users.b_sales, store_a)

    page = client.get("/invitations/")
    accepted = client.post(f"/invitations/{invitation['id']}/accept/")

    assert page.status_code == 200
    assert 'data-testid="invitation"' in page.content.decode()
    assert accepted.status_code == 302
    assert _member(users.b_sales, store_a).role == "finance"
