"""Sentry: off without a DSN; with one, events carry the store and the user id and no personal data.

The SDK runs for real; only the network is replaced, at urllib3's pool (the HTTP layer).
"""

from __future__ import annotations

import gzip
import json

import pytest
import sentry_sdk
import urllib3
from django.test import Client, override_settings

from shared_apps.platform.sentry import init_sentry
from tests.conftest import host_for

DSN = "https://publickey@o1.ingest.sentry.io/42"


class _Response:
    status = 200
    headers: dict = {}
    data = b"{}"

    def close(self):
        pass

    def release_conn(self):
        pass

    def getheader(self, name, default=None):
        return default


@pytest.fixture
def sent(monkeypatch):
    """Initialise Sentry with a DSN; collect the events its HTTP transport would have sent."""
    bodies: list[bytes] = []

    def fake_urlopen(self, method, url, body=None, headers=None, **kwargs):
        bodies.append(body)
        return _Response()

    monkeypatch.setattr(urllib3.PoolManager, "urlopen", fake_urlopen)
    with override_settings(SENTRY_DSN=DSN):
        assert init_sentry(dsn=DSN, environment="test")
        events: list[dict] = []

        def collect() -> list[dict]:
            sentry_sdk.flush(timeout=5)
            for body in bodies:
                raw = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
                lines = raw.split(b"\n")
                for header, payload in zip(lines[1::2], lines[2::2], strict=False):
                    if json.loads(header).get("type") == "event":
                        events.append(json.loads(payload))
            bodies.clear()
            return events

        yield collect
    sentry_sdk.init(dsn=None)


def test_sentry_is_off_without_a_dsn():
    assert init_sentry(dsn="", environment="test") is False


@override_settings(ROOT_URLCONF="tests.shared_apps.platform.sentry_urls")
def test_error_event_is_tagged_with_store_and_user_id_without_personal_data(sent, store_a, users):
    client = Client(HTTP_HOST=host_for(store_a), raise_request_exception=False)
    client.force_login(users.a_sales)
    response = client.get("/boom/?phone=13800138000", HTTP_AUTHORIZATION="Bearer secret-value")

    assert response.status_code == 500
    events = sent()
    assert len(events) == 1
    event = events[0]
    assert event["tags"]["store"] == store_a.schema_name
    assert event["user"] == {"id": str(users.a_sales.pk)}
    serialized = json.dumps(event)
    assert users.a_sales.email not in serialized
    assert "secret-value" not in serialized
    assert "13800138000" not in serialized
    assert "sessionid" not in serialized


@override_settings(ROOT_URLCONF="tests.shared_apps.platform.sentry_urls")
def test_event_on_another_store_carries_that_store(sent, store_b, users):
    client = Client(HTTP_HOST=host_for(store_b), raise_request_exception=False)
    client.force_login(users.b_sales)
    client.get("/boom/")

    (event,) = sent()
    assert event["tags"]["store"] == store_b.schema_name
    assert event["user"] == {"id": str(users.b_sales.pk)}
