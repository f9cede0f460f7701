"""The HTTPS client of webhook delivery: one POST, no redirect followed, the answer read up to
1 KB, and never a private target unless the operator allows them.

The host is resolved here and every address it resolves to is checked (loopback, private,
link-local and metadata addresses refused: domain/webhook_delivery.py); the connection then
goes to a checked address, with the host name kept for TLS (SNI and certificate check) and
the Host header, so a DNS answer changing between the check and the call cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import HTTPError

from services.reporting.domain.webhook_delivery import address_allowed
from services.reporting.webhooks.deliveries import ANSWER_KEPT, Attempt
from shared.clock import instant, utc_now


def resolve(host: str, port: int = 443) -> list[str]:
    """The addresses a host resolves to ([] when it does not)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in found))


@dataclass(frozen=True)
class Sender:
    """POSTs a delivery with the operator's timeouts and target policy."""

    allow_private: bool = False
    connect_timeout: float = 5.0
    total_timeout: float = 10.0

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Attempt:
        """One attempt; a refused target, a timeout or a refused connection is an Attempt
        with no status and the error."""
        started = time.monotonic()
        at = instant(utc_now())
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = resolve(host, port)
        refused = [a for a in addresses if not address_allowed(ipaddress.ip_address(a),
                                                               self.allow_private)]  # fmt: skip
        if not addresses or refused:
            error = f"refused: {host} resolves to {refused[0]}" if refused else "does not resolve"
            return Attempt(at, None, _ms(started), error=error)
        try:
            return self._post(at, started, parts.scheme, host, port, addresses, url, body, headers)
        except (HTTPError, OSError) as exc:
            return Attempt(at, None, _ms(started), error=f"{type(exc).__name__}: {exc}"[:300])

    def _post(self, at: str, started: float, scheme: str, host: str, port: int,
              addresses: Sequence[str], url: str, body: bytes,
              headers: Mapping[str, str]) -> Attempt:  # fmt: skip
        timeout = urllib3.Timeout(connect=self.connect_timeout, total=self.total_timeout)
        address = addresses[0]
        pool: urllib3.HTTPConnectionPool
        if scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                address, port, timeout=timeout, retries=False, server_hostname=host,
                assert_hostname=host, cert_reqs="CERT_REQUIRED", maxsize=1,
            )  # fmt: skip
        else:
            pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False,
                                              maxsize=1)  # fmt: skip
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        netloc = host if parts.port is None else f"{host}:{parts.port}"
        try:
            response = pool.urlopen(
                "POST", path, body=body, headers={**headers, "Host": netloc},
                redirect=False, preload_content=False, assert_same_host=False,
            )  # fmt: skip
            try:
                answer = response.read(ANSWER_KEPT).decode("utf-8", "replace")
            finally:
                response.release_conn()
                response.close()
            return Attempt(at, response.status, _ms(started), answer=answer)
        finally:
            pool.close()


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000
