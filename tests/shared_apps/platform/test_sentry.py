"""Sentry: off without a DSN; with one, events carry the store and the user id and no personal data.

The SDK is real; the network is a local HTTP server standing in for Sentry's ingest endpoint.
"""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk

from shared_apps.platform.sentry import init_sentry


class FakeSentry:
    """Collects the envelopes the SDK posts."""

    def __init__(self):
        self.envelopes: list[bytes] = []
        received = self.envelopes

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                encoding = self.headers.get("Content-Encoding")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "br":  # the SDK prefers brotli when the package is installed
                    import brotli

                    body = brotli.decompress(body)
                received.append(body)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.server.server_port}/1"

    def events(self) -> list[dict]:
        found = []
        for envelope in self.envelopes:
            lines = envelope.split(b"\n")
            for header, payload in zip(lines[1::2], lines[2::2], strict=False):
                if json.loads(header).get("type") == "event":
                    found.append(json.loads(payload))
        return found


@pytest.fixture
def fake_sentry(settings):
    fake = FakeSentry()
    fake.thread.start()
    settings.SENTRY_DSN = fake.dsn
    init_sentry(dsn=fake.dsn, environment="test")
    yield fake
    sentry_sdk.init(dsn=None)
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def failing_store_view(settings):
    settings.ROOT_URLCONF = "tests.shared_apps.platform.sentry_urls"


def test_sentry_is_not_initialised_without_a_dsn():
    assert init_sentry(dsn="", environment="test") is False


def test_error_event_is_tagged_with_the_store_and_the_user_id(fake_sentry, failing_store_view, api, users, store_a):
    client = api(users.a_sales, store_a)
    client.raise_request_exception = False

    response = client.get("/explode", HTTP_COOKIE="sessionid=secret-cookie")
    sentry_sdk.flush(timeout=5)

    assert response.status_code == 500
    [event] = fake_sentry.events()
    assert event["tags"]["store"] == store_a.schema_name
    assert event["user"] == {"id": str(users.a_sales.pk)}


def test_error_event_carries_no_personal_data(fake_sentry, failing_store_view, api, users, store_a):
    client = api(users.a_sales, store_a)
    client.raise_request_exception = False

    client.get("/explode?email=someone@example.com", HTTP_COOKIE="sessionid=secret-cookie")
    sentry_sdk.flush(timeout=5)

    raw = b"".join(fake_sentry.envelopes).decode()
    assert "kaboom in a store view" in raw
    assert users.a_sales.email not in raw
    assert "someone@example.com" not in raw
    assert "secret-cookie" not in raw
    assert "crm_" not in raw  # the bearer token


def test_error_event_has_no_local_variables(fake_sentry, failing_store_view, api, users, store_a):
    client = api(users.a_sales, store_a)
    client.raise_request_exception = False

    client.get("/explode")
    sentry_sdk.flush(timeout=5)

    [event] = fake_sentry.events()
    frames = [frame for value in event["exception"]["values"] for frame in value["stacktrace"]["frames"]]
    assert frames
    assert not any("vars" in frame for frame in frames)
