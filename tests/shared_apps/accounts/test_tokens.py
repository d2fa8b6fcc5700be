"""Bearer tokens: issued for email + password, hashed at rest, valid on every store of the user."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.conf import settings
from django.utils import timezone

from shared_apps.accounts.models import ApiToken
from shared_apps.accounts.services import token_create, token_revoke
from shared_apps.platform.problems import PROBLEM_CONTENT_TYPE
from tests.factories import MembershipFactory, UserFactory


def bearer(api, value, store):
    client = api(None, store)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    return client


def test_token_is_issued_for_the_right_password(api, users, password, store_a):
    response = api(None, store_a).post(
        "/api/v1/auth/token", {"email": users.a_sales.email, "password": password}, format="json"
    )

    assert response.status_code == 200
    assert set(response.json()) == {"token"}
    assert bearer(api, response.json()["token"], store_a).get("/api/v1/me").json()["email"] == users.a_sales.email


def test_token_is_issued_on_the_hq_host_too(api, users, password):
    response = api(None, None).post(
        "/api/v1/auth/token", {"email": users.hq_exec.email, "password": password}, format="json"
    )

    assert response.status_code == 200


def test_email_is_matched_without_regard_to_case(api, users, password, store_a):
    response = api(None, store_a).post(
        "/api/v1/auth/token", {"email": users.a_sales.email.upper(), "password": password}, format="json"
    )

    assert response.status_code == 200


def test_wrong_password_gets_401_authentication_failed(api, users, store_a):
    response = api(None, store_a).post(
        "/api/v1/auth/token", {"email": users.a_sales.email, "password": "not-the-password"}, format="json"
    )

    assert response.status_code == 401
    assert response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
    assert response.json()["code"] == "authentication_failed"


def test_unknown_email_gets_the_same_401_as_a_wrong_password(api, store_a):
    response = api(None, store_a).post(
        "/api/v1/auth/token", {"email": "ghost@example.com", "password": "whatever-it-is"}, format="json"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_inactive_user_gets_no_token(api, users, password, store_a):
    users.a_sales.is_active = False
    users.a_sales.save(update_fields=["is_active"])

    response = api(None, store_a).post(
        "/api/v1/auth/token", {"email": users.a_sales.email, "password": password}, format="json"
    )

    assert response.status_code == 401


def test_token_request_without_password_is_a_validation_error(api, users, store_a):
    response = api(None, store_a).post("/api/v1/auth/token", {"email": users.a_sales.email}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "password" in response.json()["errors"]


def test_token_is_stored_only_as_a_digest(users):
    token, value = token_create(user=users.a_sales)

    secret = value.split("_", 2)[2]
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert secret not in str(stored.values())
    assert len(stored["digest"]) == 64


def test_expired_token_gets_401_token_expired(api, users, store_a):
    _token, value = token_create(user=users.a_sales)

    with time_machine.travel(timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS, minutes=1)):
        response = bearer(api, value, store_a).get("/api/v1/me")

    assert response.status_code == 401
    assert response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
    assert response.json()["code"] == "token_expired"


def test_token_still_works_just_before_it_expires(api, users, store_a):
    _token, value = token_create(user=users.a_sales)

    with time_machine.travel(timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS, minutes=-1)):
        response = bearer(api, value, store_a).get("/api/v1/me")

    assert response.status_code == 200


def test_revoked_token_gets_401_token_revoked(api, users, store_a):
    token, value = token_create(user=users.a_sales)
    token_revoke(token=token)

    response = bearer(api, value, store_a).get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"


def test_garbage_token_gets_401_token_invalid(api, store_a):
    response = bearer(api, "not-a-token-at-all", store_a).get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_token_with_a_wrong_secret_gets_401_token_invalid(api, users, store_a):
    _token, value = token_create(user=users.a_sales)
    forged = value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB")

    response = bearer(api, forged, store_a).get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_token_of_a_deactivated_user_gets_401(api, users, store_a):
    _token, value = token_create(user=users.a_sales)
    users.a_sales.is_active = False
    users.a_sales.save(update_fields=["is_active"])

    response = bearer(api, value, store_a).get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_401_names_the_bearer_scheme(api, store_a):
    response = api(None, store_a).get("/api/v1/me")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_one_token_works_on_every_store_host_of_its_user(api, store_a, store_b):
    user = UserFactory()
    MembershipFactory(user=user, store=store_a, role="admin")
    MembershipFactory(user=user, store=store_b, role="salesperson")
    _token, value = token_create(user=user)

    on_a = bearer(api, value, store_a).get("/api/v1/me")
    on_b = bearer(api, value, store_b).get("/api/v1/me")

    assert (on_a.status_code, on_a.json()["role"]) == (200, "admin")
    assert (on_b.status_code, on_b.json()["role"]) == (200, "salesperson")


def test_token_gets_404_on_a_store_host_without_membership(api, store_a, store_b):
    user = UserFactory()
    MembershipFactory(user=user, store=store_a)
    _token, value = token_create(user=user)

    response = bearer(api, value, store_b).get("/api/v1/me")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
