"""A session belongs to the host it was signed in on (checked on the server, not only by the
cookie's scope), and CSRF trusts no origin but the request's own host."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from shared_apps.accounts.services import membership_create
from tests.conftest import host_for


def _signed_in(store, user, password) -> Client:
    client = Client(HTTP_HOST=host_for(store))
    response = client.post("/login/", {"username": user.email, "password": password})
    assert response.status_code == 302, response.content
    return client


def test_a_session_cookie_from_one_store_is_refused_on_another(users, password, store_a, store_b):
    membership_create(user=users.a_sales2, store=store_b, role="salesperson")
    client = _signed_in(store_a, users.a_sales2, password)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    other = Client(HTTP_HOST=host_for(store_b))
    other.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = other.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client.get("/").status_code == 200  # still signed in where it was made


def test_the_api_does_not_take_another_store_s_session_either(users, password, store_a, store_b):
    membership_create(user=users.a_sales2, store=store_b, role="salesperson")
    cookie = _signed_in(store_a, users.a_sales2, password).cookies[settings.SESSION_COOKIE_NAME].value

    other = Client(HTTP_HOST=host_for(store_b))
    other.cookies[settings.SESSION_COOKIE_NAME] = cookie

    assert other.get("/api/v1/me").status_code == 401


def test_csrf_trusts_no_other_store_s_origin(users, password, store_a, store_b):
    client = Client(HTTP_HOST=host_for(store_a), enforce_csrf_checks=True)
    client.get("/login/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    origin = f"http://{host_for(store_b)}:8000"

    response = client.post(
        "/login/",
        {"username": users.a_sales.email, "password": password, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN=origin,
    )

    assert response.status_code == 403
    assert not settings.CSRF_TRUSTED_ORIGINS


def test_csrf_accepts_the_request_s_own_host(users, password, store_a):
    client = Client(HTTP_HOST=host_for(store_a), enforce_csrf_checks=True)
    client.get("/login/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value

    response = client.post(
        "/login/",
        {"username": users.a_sales.email, "password": password, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN=f"http://{host_for(store_a)}",
    )

    assert response.status_code == 302
