"""Passwords: Argon2 at rest, strength checked on creation."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import identify_hasher

import config.settings as project_settings
from shared_apps.accounts.services import user_create
from shared_apps.platform.errors import ValidationFailed


def test_stored_passwords_are_argon2_hashes(users, password):
    stored = users.a_sales.password

    assert identify_hasher(stored).algorithm == "argon2"
    assert password not in stored
    assert users.a_sales.check_password(password)


def test_argon2_is_the_configured_hasher_for_new_passwords():
    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_new_user_password_is_hashed_with_argon2(db):
    user = user_create(email="New.Person@Example.com", password="Quiet-Harbour-77", name="New")

    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.email == "new.person@example.com"


@pytest.mark.parametrize("weak", ["short1", "password123", "1234567890123"])
def test_weak_password_is_refused_on_user_creation(db, weak):
    with pytest.raises(ValidationFailed) as caught:
        user_create(email="weak@example.com", password=weak)

    assert "password" in caught.value.errors


def test_duplicate_email_is_refused_whatever_its_case(users):
    with pytest.raises(ValidationFailed) as caught:
        user_create(email=users.a_sales.email.upper(), password="Quiet-Harbour-77")

    assert "email" in caught.value.errors
