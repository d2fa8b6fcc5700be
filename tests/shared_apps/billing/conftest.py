"""Billing fixtures: Stripe configured with test keys, its HTTP transport replaced by a recorder,
webhook payloads signed with the test secret (the scheme Stripe uses: ``t=...,v1=HMAC-SHA256``)."""

from __future__ import annotations

import json
import time
import urllib.parse
from dataclasses import dataclass

import pytest
import stripe

WEBHOOK_SECRET = "whsec_test_0123456789abcdef"
PRICES = {"standard": "price_standard_test", "pro": "price_pro_test"}

CANNED = {
    "/v1/customers": {"id": "cus_test_1", "object": "customer"},
    "/v1/checkout/sessions": {
        "id": "cs_test_1",
        "object": "checkout.session",
        "url": "https://checkout.stripe.com/c/pay/cs_test_1",
    },
    "/v1/billing_portal/sessions": {
        "id": "bps_test_1",
        "object": "billing_portal.session",
        "url": "https://billing.stripe.com/p/session/test_1",
    },
}


@dataclass
class Sent:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


class FakeTransport(stripe.HTTPClient):
    """A ``stripe.HTTPClient`` that records each request and answers canned JSON by path."""

    name = "fake"

    def __init__(self):
        super().__init__()
        self.sent: list[Sent] = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parsed = urllib.parse.urlparse(url)
        raw = post_data if method.lower() == "post" else parsed.query
        if isinstance(raw, bytes):
            raw = raw.decode()
        params = dict(urllib.parse.parse_qsl(raw or "", keep_blank_values=True))
        self.sent.append(Sent(method.upper(), parsed.path, params, dict(headers or {})))
        body = CANNED.get(parsed.path)
        if body is None:
            return json.dumps({"error": {"type": "invalid_request_error", "message": "not faked"}}), 404, {}
        return json.dumps(body), 200, {"request-id": "req_test"}

    def request_stream(self, method, url, headers, post_data=None, *, _usage=None):
        raise NotImplementedError

    def close(self):
        pass


@pytest.fixture
def transport(monkeypatch):
    fake = FakeTransport()
    monkeypatch.setattr(stripe, "default_http_client", fake)
    return fake


@pytest.fixture
def stripe_on(settings, transport):
    settings.STRIPE_SECRET_KEY = "sk_test_billing"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_PRICES = dict(PRICES)
    return transport


@pytest.fixture
def stripe_off(settings, transport):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.STRIPE_PRICES = dict(PRICES)
    return transport


def sign(payload: str, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe would send for ``payload``."""
    timestamp = int(time.time()) if at is None else at
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{payload}", secret)
    return f"t={timestamp},v1={signature}"


def event(event_type: str, obj: dict, *, created: int, event_id: str | None = None) -> str:
    return json.dumps(
        {
            "id": event_id or f"evt_{event_type.replace('.', '_')}_{created}",
            "object": "event",
            "type": event_type,
            "created": created,
            "data": {"object": obj},
        }
    )


@pytest.fixture
def post_event(api):
    """``post_event(payload, signature=None)``: POST to the public webhook, signed unless given."""

    def send(payload: str, signature: str | None = None):
        return api(None, None).post(
            "/api/v1/billing/webhook",
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign(payload) if signature is None else signature,
        )

    return send
