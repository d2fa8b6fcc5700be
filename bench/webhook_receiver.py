"""A local webhook receiver for the webhooks tests and benchmarks: a threaded HTTP server on
127.0.0.1 that verifies every delivery with the ``standardwebhooks`` library (the endpoint's
secret), records it, and answers as told per path (status, delay, redirect)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    at: float  # time.time() when the request arrived

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class Receiver:
    """``with Receiver() as receiver:`` → ``receiver.url("/hook")``; ``receiver.secrets[path]``
    verifies that path's deliveries; ``receiver.answer = fn(path, n) -> Answer`` (n: the path's
    request count, from 1)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.secrets: dict[str, str] = {}
        self.answer: Callable[[str, int], Answer] = lambda path, n: Answer()
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                path = self.path
                secret = receiver.secrets.get(path)
                verified = False
                if secret:
                    try:
                        Webhook(secret).verify(body.decode(), headers)
                        verified = True
                    except WebhookVerificationError:
                        verified = False
                with receiver._lock:
                    receiver._counts[path] = receiver._counts.get(path, 0) + 1
                    n = receiver._counts[path]
                    receiver.received.append(Received(path, headers, body, verified, time.time()))
                answer = receiver.answer(path, n)
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for key, value in answer.headers.items():
                        self.send_header(key, value)
                    self.send_header("content-length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up (its timeout)

        # A listen backlog for many senders at once (socketserver's default of 5 resets connections
        # that a real receiver behind a load balancer would have accepted).
        server_class = type("Server", (ThreadingHTTPServer,), {"request_queue_size": 256})
        self.server = server_class(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def on(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def unique_ids(self, path: str | None = None) -> set[str]:
        with self._lock:
            return {r.webhook_id for r in self.received if path is None or r.path == path}
