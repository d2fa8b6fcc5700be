import pytest


@pytest.fixture
def a(store_a, in_store):
    """Store A's schema active for the whole test."""
    with in_store(store_a):
        yield store_a


@pytest.fixture(autouse=True)
def _english_messages(settings):
    """Messages are asserted in English, the source language (the default interface is Chinese)."""
    settings.LANGUAGE_CODE = "en"
