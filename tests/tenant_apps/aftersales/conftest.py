import pytest


@pytest.fixture
def a(store_a, in_store):
    """Store A's schema active for the whole test."""
    with in_store(store_a):
        yield store_a
