"""The webhook sender against real HTTP servers on 127.0.0.1: a redirect is not followed, at
most 1 KB of an answer is kept, a slow receiver times out, a refused connection is an
attempt with no status, and without the operator's leave a loopback target is refused
before any connection is made."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from services.reporting.webhooks.sender import Sender, resolve


class QuietServer(ThreadingHTTPServer):
    """The sender hanging up after 1 KB is what a test wants, not an error to print."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class Server:
    """Answers POST /<status> with that status; /slow sleeps; /big answers 100 KB; GET
    /landing counts the redirects followed."""

    def __init__(self) -> None:
        self.posts: list[str] = []
        self.landed = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.posts.append(self.path)
                if self.path == "/slow":
                    time.sleep(3)
                if self.path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", "/landing")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b"x" * 100_000 if self.path == "/big" else b"fine"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                outer.landed += 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.http = QuietServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.http.server_address[1]}"


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server()
    yield running
    running.http.shutdown()
    running.http.server_close()


SENDER = Sender(allow_private=True, connect_timeout=1.0, total_timeout=1.5)
HEADERS = {"webhook-id": "ev-1", "Content-Type": "application/cloudevents+json"}


def test_a_2xx_is_a_success_and_its_answer_is_kept(server):
    attempt = SENDER.post(f"{server.base}/ok", b"{}", HEADERS)
    assert attempt.succeeded and attempt.status == 200 and attempt.answer == "fine"
    assert attempt.latency_ms > 0 and server.posts == ["/ok"]


def test_a_redirect_is_not_followed(server):
    attempt = SENDER.post(f"{server.base}/redirect", b"{}", HEADERS)
    assert attempt.status == 302 and not attempt.succeeded
    assert server.landed == 0


def test_at_most_1_kb_of_an_answer_is_read(server):
    attempt = SENDER.post(f"{server.base}/big", b"{}", HEADERS)
    assert attempt.succeeded and attempt.answer == "x" * 1024


def test_a_slow_receiver_times_out(server):
    began = time.monotonic()
    attempt = SENDER.post(f"{server.base}/slow", b"{}", HEADERS)
    assert attempt.status is None and "timed out" in attempt.error.lower()
    assert time.monotonic() - began < 2.9


def test_a_refused_connection_is_an_attempt_without_status(server):
    port = server.http.server_address[1]
    server.http.shutdown()
    server.http.server_close()
    attempt = SENDER.post(f"http://127.0.0.1:{port}/ok", b"{}", HEADERS)
    assert attempt.status is None and attempt.error


def test_without_the_operators_leave_a_loopback_target_is_refused_unconnected(server):
    for url in (f"{server.base}/ok", f"http://localhost:{server.http.server_address[1]}/ok"):
        attempt = Sender(allow_private=False).post(url, b"{}", HEADERS)
        assert attempt.status is None and attempt.error.startswith("refused")
    assert server.posts == []


def test_a_name_that_does_not_resolve_is_an_attempt_without_status():
    assert resolve("no-such-host.invalid") == []
    attempt = SENDER.post("https://no-such-host.invalid/hook", b"{}", HEADERS)
    assert attempt.status is None and attempt.error == "does not resolve"
