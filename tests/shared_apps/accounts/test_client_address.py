"""Rate limits and lock-outs see the real client: X-Forwarded-For only from configured proxies, a
lock-out keyed by user name and client address, and a limit per client address over every account."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from shared_apps.platform.clientip import client_ip

PROXY = "10.0.0.5"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_a_forged_header_from_a_direct_client_is_ignored(settings):
    settings.TRUSTED_PROXIES = []

    assert client_ip(_request("198.51.100.1", "203.0.113.9")) == "198.51.100.1"


def test_a_forged_header_from_an_untrusted_peer_is_ignored(behind_proxy):
    assert client_ip(_request("198.51.100.1", "203.0.113.9")) == "198.51.100.1"


def test_the_proxy_s_client_is_the_rightmost_untrusted_address(behind_proxy):
    assert client_ip(_request(PROXY, "203.0.113.9")) == "203.0.113.9"
    # the client forged the first entry; the ingress appended the real one
    assert client_ip(_request(PROXY, "1.2.3.4, 203.0.113.9")) == "203.0.113.9"
    # two proxies of ours in the chain
    assert client_ip(_request(PROXY, "203.0.113.9, 10.1.2.3")) == "203.0.113.9"


def test_garbage_in_the_header_falls_back_to_the_proxy(behind_proxy):
    assert client_ip(_request(PROXY, "not-an-address")) == PROXY


def _ask_token(api, store, email, password, **extra):
    return api(None, store).post("/api/v1/auth/token", {"email": email, "password": password}, format="json", **extra)


def test_rotating_x_forwarded_for_does_not_escape_the_token_throttle(api, store_a):
    codes = [
        _ask_token(
            api, store_a, f"nobody{n}@example.com", "wrong-password-x", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        ).status_code
        for n in range(25)
    ]

    assert 429 in codes
    assert codes.index(429) == 20


def test_rotating_x_forwarded_for_does_not_escape_the_signup_throttle(api):
    client = api(None, None)
    codes = []
    for n in range(12):
        response = client.post(
            "/api/v1/signup", {"owner_email": "not-an-email"}, format="json", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        )
        codes.append(response.status_code)

    assert 429 in codes


def test_behind_the_proxy_an_attacker_cannot_lock_the_victim_out(api, settings, behind_proxy, users, password, store_a):
    attacker = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    victim = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        _ask_token(api, store_a, users.a_sales.email, "wrong-password-x", **attacker)

    assert _ask_token(api, store_a, users.a_sales.email, "wrong-password-x", **attacker).status_code == 429
    assert _ask_token(api, store_a, users.a_sales.email, password, **victim).status_code == 200


def test_spraying_one_password_over_many_accounts_is_stopped_per_address(api, settings, users, password, store_a):
    settings.LOGIN_IP_FAILURE_LIMIT = 6
    for n in range(6):
        assert _ask_token(api, store_a, f"target{n}@example.com", "Summer-2026-pass").status_code == 401

    sprayed = _ask_token(api, store_a, users.a_sales2.email, password)
    elsewhere = _ask_token(api, store_a, users.a_sales2.email, password, REMOTE_ADDR="198.51.100.8")

    assert sprayed.status_code == 429
    assert elsewhere.status_code == 200


def test_the_login_page_honours_the_per_address_limit(api, page_client, settings, users, password, store_a):
    settings.LOGIN_IP_FAILURE_LIMIT = 3
    for n in range(3):
        _ask_token(api, store_a, f"target{n}@example.com", "Summer-2026-pass")

    response = page_client(None, store_a).post("/login/", {"username": users.a_sales.email, "password": password})

    assert response.status_code == 429
