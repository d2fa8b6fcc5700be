"""Sign-in, sign-out and lock-out pages."""

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import host_for

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def client_for(store) -> Client:
    return Client(HTTP_HOST=host_for(store))


def test_login_page_on_a_store_host_names_the_store(store_a):
    html = client_for(store_a).get("/login/", **EN).content.decode()
    assert f'<div class="auth-title">{store_a.name}</div>' in html
    assert 'name="username"' in html and 'name="password"' in html


def test_login_page_on_the_public_host_says_hq_console():
    html = client_for(None).get("/login/", **EN).content.decode()
    assert '<div class="auth-title">HQ console</div>' in html


def test_wrong_password_is_shown_in_the_form(store_a, users):
    response = client_for(store_a).post("/login/", {"username": users.a_sales.email, "password": "nope"}, **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="login-error"' in html
    assert "Wrong email or password." in html


def test_invalid_email_is_shown_on_its_field(store_a):
    response = client_for(store_a).post("/login/", {"username": "not-an-email", "password": "x"}, **EN)
    html = response.content.decode()
    assert 'id="id_username_errors"' in html
    assert "is-invalid" in html


def test_member_signs_in_and_lands_on_the_workspace(store_a, users, password):
    client = client_for(store_a)
    response = client.post("/login/", {"username": users.a_sales.email, "password": password})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_sign_out_is_a_post_that_ends_the_session(page_client, store_a, users):
    client = page_client(users.a_sales, store_a)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_repeated_failures_show_the_locked_out_page(store_a, users):
    client = client_for(store_a)
    response = None
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/login/", {"username": users.a_sales.email, "password": "wrong"}, **EN)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed sign-in attempts. Try again later." in html
    assert 'href="/login/"' in html


def test_unknown_page_renders_the_404_page(page_client, store_a, users):
    response = page_client(users.a_sales, store_a).get("/no-such-page/", **EN)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
