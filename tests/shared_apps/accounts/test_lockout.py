"""Failed sign-in throttling (django-axes): lock-out after AXES_FAILURE_LIMIT failures, until cool-off."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.conf import settings
from django.utils import timezone


def ask_token(api, store, email, password):
    return api(None, store).post("/api/v1/auth/token", {"email": email, "password": password}, format="json")


def fail_until_locked(api, store, email):
    return [ask_token(api, store, email, "wrong-password-x").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]


def test_failures_below_the_limit_are_plain_401s(api, users, store_a):
    codes = [
        ask_token(api, store_a, users.a_sales.email, "wrong-password-x").status_code
        for _ in range(settings.AXES_FAILURE_LIMIT - 1)
    ]

    assert codes == [401] * (settings.AXES_FAILURE_LIMIT - 1)


def test_lock_out_after_the_failure_limit_gives_429(api, users, store_a):
    fail_until_locked(api, store_a, users.a_sales.email)

    response = ask_token(api, store_a, users.a_sales.email, "wrong-password-x")

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


def test_right_password_is_refused_while_locked_out(api, users, password, store_a):
    fail_until_locked(api, store_a, users.a_sales.email)

    response = ask_token(api, store_a, users.a_sales.email, password)

    assert response.status_code == 429


def test_right_password_works_again_after_the_cool_off(api, users, password, store_a):
    fail_until_locked(api, store_a, users.a_sales.email)
    cool_off = timedelta(hours=settings.AXES_COOLOFF_TIME)

    with time_machine.travel(timezone.now() + cool_off + timedelta(minutes=1)):
        response = ask_token(api, store_a, users.a_sales.email, password)

    assert response.status_code == 200


def test_lock_out_of_one_user_does_not_lock_another(api, users, password, store_a):
    fail_until_locked(api, store_a, users.a_sales.email)

    response = ask_token(api, store_a, users.a_sales2.email, password)

    assert response.status_code == 200


def test_login_page_is_locked_out_too(api, page_client, users, password, store_a):
    fail_until_locked(api, store_a, users.a_sales.email)

    response = page_client(None, store_a).post("/login/", {"username": users.a_sales.email, "password": password})

    assert response.status_code == 429
