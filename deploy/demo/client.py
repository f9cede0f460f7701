"""JSON over HTTP for the demo seeder: the client, its errors, and polling until a check holds."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

HTTP_TIMEOUT = 15.0


class SeedError(Exception):
    """The seed cannot go on; the message says why."""


class ApiError(SeedError):
    """An API answered with a status other than 2xx."""

    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        super().__init__(f"{method} {url} answered HTTP {status}:\n{_pretty(body)}")
        self.status = status


@dataclass(frozen=True)
class Reply:
    """A 2xx answer: status and JSON body."""

    status: int
    body: Any


def _pretty(body: str) -> str:
    """A problem body indented for reading, or the raw text."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body


class Client:
    """JSON over HTTP with urllib (no proxies), a correlation id per chapter of the story."""

    def __init__(self, run_id: str) -> None:
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._run_id = run_id
        self.chapter = "setup"

    def call(self, method: str, url: str, token: str | None = None, body: Any = None,
             headers: Mapping[str, str] | None = None) -> Reply:  # fmt: skip
        """Send one request; raise ApiError on any non-2xx answer."""
        request = self._request(method, url, token, body, headers or {})
        try:
            with self._opener.open(request, timeout=HTTP_TIMEOUT) as response:
                raw = response.read()
                return Reply(response.status, json.loads(raw) if raw else None)
        except urllib.error.HTTPError as exc:
            raise ApiError(method, url, exc.code, exc.read().decode(errors="replace")) from None
        except OSError as exc:
            reason = getattr(exc, "reason", exc)
            raise SeedError(
                f"{method} {url}: no answer ({reason}); is the system running? (make run)"
            ) from None

    def _request(self, method: str, url: str, token: str | None, body: Any,
                 headers: Mapping[str, str]) -> urllib.request.Request:  # fmt: skip
        """The request with its JSON body and headers."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/json")
        request.add_header("X-Correlation-ID", f"demo-{self._run_id}-{self.chapter}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in headers.items():
            request.add_header(name, value)
        return request

    def found(self, url: str, token: str) -> Reply | None:
        """GET that answers None for a 404 (not known yet)."""
        try:
            return self.call("GET", url, token)
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll until check() holds, or fail after `seconds` naming what was awaited."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise SeedError(f"gave up after {seconds:g} s waiting for {what}")
        time.sleep(0.2)
