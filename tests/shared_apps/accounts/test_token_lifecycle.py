"""Tokens die with the credentials and memberships they stood for, and users list and revoke their own."""

from __future__ import annotations

from shared_apps.accounts.models import ApiToken, Membership
from shared_apps.accounts.services import member_change, token_create


def _client_with_token(api, user, store):
    return api(user, store)


def test_a_password_change_revokes_the_user_s_tokens(api, users, store_a):
    client = _client_with_token(api, users.a_sales, store_a)
    assert client.get("/api/v1/me").status_code == 200

    users.a_sales.set_password("An0ther-Quiet-Harbour")
    users.a_sales.save()
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"


def test_saving_a_user_without_changing_the_password_keeps_the_tokens(api, users, store_a):
    client = _client_with_token(api, users.a_sales, store_a)

    users.a_sales.name = "Renamed"
    users.a_sales.save()

    assert client.get("/api/v1/me").status_code == 200


def test_deactivating_a_user_revokes_their_tokens(api, users, store_a):
    client = _client_with_token(api, users.a_sales, store_a)

    users.a_sales.is_active = False
    users.a_sales.save()

    assert ApiToken.objects.filter(user=users.a_sales, revoked_at__isnull=True).count() == 0
    assert client.get("/api/v1/me").status_code == 401


def test_removing_a_membership_revokes_the_user_s_tokens(api, users, store_a):
    client = _client_with_token(api, users.a_sales2, store_a)
    membership = Membership.objects.get(user=users.a_sales2, store=store_a)

    member_change(membership=membership, is_active=False)

    assert not ApiToken.objects.filter(user=users.a_sales2, revoked_at__isnull=True).exists()
    assert client.get("/api/v1/me").status_code == 401


def test_deleting_a_membership_revokes_the_user_s_tokens(api, users, store_a):
    client = _client_with_token(api, users.a_sales2, store_a)

    Membership.objects.filter(user=users.a_sales2, store=store_a).get().delete()

    assert client.get("/api/v1/me").status_code == 401


def test_a_user_lists_their_own_tokens_only(api, users, store_a):
    token_create(user=users.a_sales, name="laptop")
    token_create(user=users.a_sales2, name="someone else")
    client = api(users.a_sales, store_a)

    response = client.get("/api/v1/auth/tokens")

    assert response.status_code == 200
    rows = response.json()
    assert sorted(row["name"] for row in rows) == ["laptop", "test"]
    assert [row["current"] for row in rows if row["name"] == "test"] == [True]
    assert all("digest" not in row and "secret" not in row for row in rows)


def test_a_user_revokes_one_of_their_tokens(api, users, store_a):
    laptop, value = token_create(user=users.a_sales, name="laptop")
    client = api(users.a_sales, store_a)

    response = client.delete(f"/api/v1/auth/tokens/{laptop.pk}")

    assert response.status_code == 204
    laptop.refresh_from_db()
    assert laptop.revoked_at is not None
    other = api(None, store_a)
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    assert other.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 200


def test_another_user_s_token_cannot_be_revoked(api, users, store_a):
    theirs, _value = token_create(user=users.a_sales2, name="theirs")

    response = api(users.a_sales, store_a).delete(f"/api/v1/auth/tokens/{theirs.pk}")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_deleting_every_token_at_once(api, users, store_a):
    token_create(user=users.a_sales, name="laptop")
    client = api(users.a_sales, store_a)

    response = client.delete("/api/v1/auth/tokens")

    assert response.status_code == 204
    assert not ApiToken.objects.filter(user=users.a_sales, revoked_at__isnull=True).exists()


def test_listing_tokens_needs_a_sign_in(api, store_a):
    assert api(None, store_a).get("/api/v1/auth/tokens").status_code == 401
