"""The team pages of a store admin: invite by email with a one-time link (whose page sets the
password and joins), change role and supervisor, deactivate with the handover in one step, and
send a member a one-time password link."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from shared_apps.accounts.models import Invitation, Membership, User
from tests.factories.sales import make_customer

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s]+/password/set/[^\s]+/")


def _membership(user, store) -> Membership:
    return Membership.objects.get(user=user, store=store)


def test_the_team_page_offers_the_invitation_and_member_pages_to_admins_only(page_client, users, store_a):
    admin_html = page_client(users.a_admin, store_a).get("/team/").content.decode()
    sales_html = page_client(users.a_sales, store_a).get("/team/").content.decode()

    assert 'data-testid="invite-link"' in admin_html
    assert f'href="/team/{_membership(users.a_sales, store_a).pk}/"' in admin_html
    assert 'data-testid="invite-link"' not in sales_html


def test_a_salesperson_cannot_open_the_invitation_page(page_client, users, store_a):
    assert page_client(users.a_sales, store_a).get("/team/invite/").status_code == 403


def test_an_invited_new_colleague_sets_a_password_through_the_link_and_joins(page_client, users, store_a):
    response = page_client(users.a_admin, store_a).post(
        "/team/invite/", {"email": "new.colleague@example.com", "name": "Li Lei", "role": "salesperson"}
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.colleague@example.com")
    assert not user.has_usable_password()
    assert not Membership.objects.filter(user=user, store=store_a).exists()
    [message] = mail.outbox
    link = LINK.search(message.body).group(0)
    path = "/" + link.split("/", 3)[3]
    visitor = page_client(None, store_a)
    assert "Li Lei" in visitor.get(path).content.decode()

    done = visitor.post(path, {"new_password1": "Quiet-Harbour-2031", "new_password2": "Quiet-Harbour-2031"})

    assert done.status_code == 302 and done["Location"] == "/"
    user.refresh_from_db()
    assert user.check_password("Quiet-Harbour-2031")
    assert _membership(user, store_a).role == "salesperson"
    assert visitor.get("/").status_code == 200  # signed in, a member now
    again = page_client(None, store_a).get(path)
    assert again.status_code == 400 and 'data-testid="link-invalid"' in again.content.decode()


def test_a_bad_invitation_names_the_field_and_writes_nothing(page_client, users, store_a):
    response = page_client(users.a_admin, store_a).post("/team/invite/", {"email": users.a_sales.email, "role": "x"})

    assert response.status_code == 422
    assert "is-invalid" in response.content.decode()
    assert not Invitation.objects.exists() and mail.outbox == []


def test_inviting_a_member_of_the_store_says_so(page_client, users, store_a):
    response = page_client(users.a_admin, store_a).post(
        "/team/invite/", {"email": users.a_sales.email, "role": "salesperson"}
    )

    assert response.status_code == 422
    assert "Already a member" in response.content.decode() or "已是" in response.content.decode()


def test_an_admin_changes_a_members_role_and_supervisor(page_client, users, store_a):
    membership = _membership(users.a_sales2, store_a)

    response = page_client(users.a_admin, store_a).post(
        f"/team/{membership.pk}/", {"action": "change", "role": "supervisor", "supervisor": ""}
    )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "supervisor" and membership.supervisor_id is None


def test_the_last_admin_cannot_demote_themselves(page_client, users, store_a):
    membership = _membership(users.a_admin, store_a)

    response = page_client(users.a_admin, store_a).post(
        f"/team/{membership.pk}/", {"action": "change", "role": "salesperson", "supervisor": ""}
    )

    assert response.status_code == 422
    membership.refresh_from_db()
    assert membership.role == "admin"


def test_deactivating_hands_the_customers_over_in_one_step(page_client, users, store_a, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales2, name="Leaving with")
    membership = _membership(users.a_sales2, store_a)

    response = page_client(users.a_admin, store_a).post(
        f"/team/{membership.pk}/", {"action": "leave", "to_owner": str(users.a_sales.pk), "reason": "left"}
    )

    assert response.status_code == 302 and "/handover/" in response["Location"]
    membership.refresh_from_db()
    assert membership.is_active is False
    with in_store(store_a):
        customer.refresh_from_db()
    assert customer.owner_id == users.a_sales.pk


def test_a_refused_handover_deactivates_nobody(page_client, users, store_a, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales2, name="Stays")
    membership = _membership(users.a_sales2, store_a)

    response = page_client(users.a_admin, store_a).post(
        f"/team/{membership.pk}/", {"action": "leave", "to_owner": str(users.a_finance.pk)}
    )

    assert response.status_code == 422
    membership.refresh_from_db()
    assert membership.is_active is True
    with in_store(store_a):
        customer.refresh_from_db()
    assert customer.owner_id == users.a_sales2.pk


def test_a_password_link_is_sent_and_the_old_password_works_until_it_is_used(page_client, users, store_a, password):
    membership = _membership(users.a_sales, store_a)

    response = page_client(users.a_admin, store_a).post(f"/team/{membership.pk}/", {"action": "reset"})

    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == [users.a_sales.email] and LINK.search(message.body)
    users.a_sales.refresh_from_db()
    assert users.a_sales.check_password(password)


def test_a_member_of_another_store_is_404(page_client, users, store_a, store_b):
    other = _membership(users.b_sales, store_b)

    assert page_client(users.a_admin, store_a).get(f"/team/{other.pk}/").status_code == 404
