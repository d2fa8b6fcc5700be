from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI app closes old connections around each request; the test's transaction must stay
    open (Django's own test client does the same)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
