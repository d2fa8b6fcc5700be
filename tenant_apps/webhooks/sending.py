"""One HTTP delivery: signed as the Standard Webhooks specification says (the ``standardwebhooks``
library), POSTed to a checked address (``targets``), 10 s for everything, 307/308 redirects
followed by hand (each hop checked again, at most 3), any other answer but 2xx a failure."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

import certifi
import urllib3
from django.conf import settings
from standardwebhooks import Webhook

from tenant_apps.webhooks import targets

MAX_REDIRECTS = 3
KEPT_RESPONSE_CHARS = 1000
USER_AGENT = "StoreCRM-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None
    duration_ms: int
    error: str = ""
    body: str = ""


def headers_for(*, msg_id: str, body: str, secret: str, at: datetime) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


def _post(target: targets.Target, *, headers: dict[str, str], body: bytes, timeout: float):
    common = {
        "port": target.port,
        "timeout": urllib3.Timeout(total=timeout),
        "retries": False,
        "maxsize": 1,
    }
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            **common,
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.address, **common)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "host": target.host_header},
            redirect=False,
            retries=False,
            preload_content=False,
        )
        try:
            text = response.read(KEPT_RESPONSE_CHARS * 4, decode_content=True)
        finally:
            response.release_conn()
        return response.status, response.headers.get("location"), text.decode("utf-8", "replace")
    finally:
        pool.close()


def send(url: str, *, msg_id: str, body: str, secret: str, at: datetime, timeout: float | None = None) -> Outcome:
    """Deliver ``body`` to ``url`` once; never raises."""
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS if timeout is None else timeout
    headers = headers_for(msg_id=msg_id, body=body, secret=secret, at=at)
    started = time.monotonic()

    def elapsed_ms() -> int:
        return int((time.monotonic() - started) * 1000)

    data = body.encode()
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            target = targets.resolve(url)
        except targets.TargetRefused as exc:
            return Outcome(ok=False, status=None, duration_ms=elapsed_ms(), error=f"refused: {exc}"[:300])
        left = timeout - (time.monotonic() - started)
        if left <= 0:
            return Outcome(ok=False, status=None, duration_ms=elapsed_ms(), error="timed out")
        try:
            status, location, text = _post(target, headers=headers, body=data, timeout=left)
        except urllib3.exceptions.TimeoutError:
            return Outcome(ok=False, status=None, duration_ms=elapsed_ms(), error="timed out")
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return Outcome(ok=False, status=None, duration_ms=elapsed_ms(), error=f"{type(exc).__name__}: {exc}"[:300])
        if status in (307, 308) and location:
            url = urljoin(url, location)
            continue
        ok = 200 <= status < 300
        error = "" if ok else f"HTTP {status}"
        return Outcome(ok=ok, status=status, duration_ms=elapsed_ms(), error=error, body=text[:KEPT_RESPONSE_CHARS])
    return Outcome(ok=False, status=None, duration_ms=elapsed_ms(), error="too many redirects")
