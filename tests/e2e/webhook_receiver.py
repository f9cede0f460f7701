"""An HR system's webhook endpoint on 127.0.0.1 for the tests: it verifies every delivery's
signature with the official `standardwebhooks` library (not this project's code), answers
what the test sets (500 for a while, then 200), and can go away and come back on its port."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class QuietServer(ThreadingHTTPServer):
    """A connection the sender dropped (a worker killed mid-request) is no test failure."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class Receiver:
    """Deliveries received, verified with any of `secrets`, and the answers given."""

    def __init__(self, secrets: list[str] | None = None, port: int = 0) -> None:
        self.secrets = list(secrets or [])
        self.fail_next = 0  # answer 500 to this many deliveries first
        self.delay = 0.0  # seconds before each answer
        self.lock = threading.Lock()
        self.received: list[dict[str, Any]] = []  # every request, verified or not
        self.acknowledged: list[dict[str, Any]] = []  # verified and answered 2xx
        self._server: ThreadingHTTPServer | None = None
        self.port = port
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/hr?tenant-token=abc"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver.answer(body, dict(self.headers.items()), self.path)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = QuietServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Go away: the port refuses connections until `start`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def answer(self, body: bytes, headers: dict[str, str], path: str) -> int:
        time.sleep(self.delay)
        verified = None
        for secret in self.secrets:
            try:
                verified = Webhook(secret).verify(body, headers)
                break
            except WebhookVerificationError:
                continue
        with self.lock:
            record = {"headers": {k.lower(): v for k, v in headers.items()}, "path": path,
                      "event": json.loads(body), "verified": verified is not None}  # fmt: skip
            self.received.append(record)
            if verified is None:
                return 401
            if self.fail_next > 0:
                self.fail_next -= 1
                return 500
            self.acknowledged.append(record)
            return 200

    def acknowledged_ids(self, subject: str | None = None) -> list[str]:
        with self.lock:
            return [r["event"]["id"] for r in self.acknowledged
                    if subject is None or r["event"]["subject"] == subject]  # fmt: skip
