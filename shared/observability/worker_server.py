"""A worker's HTTP side: GET /metrics (Prometheus text), /healthz (alive) and /readyz (every
loop ready, shared/observability/health.py), on the worker's metrics port."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from shared.observability.health import Health

log = logging.getLogger(__name__)


class WorkerServer:
    """Serves a worker's metrics and health in a daemon thread until closed."""

    def __init__(self, host: str, port: int, health: Health | None = None) -> None:
        self.health = health  # None while the worker starts: /readyz answers 503
        handler = _handler(self)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="metrics-server", daemon=True)  # fmt: skip

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> WorkerServer:
        self._thread.start()
        log.info("metrics and health served", extra={"port": self.port})
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(server: WorkerServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, CONTENT_TYPE_LATEST, generate_latest(REGISTRY))
            elif path == "/healthz":
                self._json(200, {"status": "ok"})
            elif path == "/readyz":
                health = server.health
                ready, checks = health.report() if health else (False, {"worker": "starting"})
                body = {"status": "ready" if ready else "unavailable", "checks": checks}
                self._json(200 if ready else 503, body)
            else:
                detail = "This port serves /metrics, /healthz and /readyz."
                self._json(404, {"type": "about:blank", "title": "Not Found", "status": 404,
                                 "detail": detail})  # fmt: skip

        def _json(self, status: int, body: dict[str, Any]) -> None:
            content = "application/problem+json" if status == 404 else "application/json"
            self._send(status, content, json.dumps(body).encode())

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return  # scrapes every few seconds would drown the worker's log

    return Handler
