"""The rules of webhook delivery, pure: the Standard Webhooks signature, the secret's form,
the retry schedule with jitter, when a failing subscription is disabled, and which targets
may be called (https, and no loopback, private, link-local or metadata address unless the
operator allows them).

Standard Webhooks: `webhook-signature` is a space-separated list of `v1,<base64 HMAC-SHA256>`
over `{webhook-id}.{webhook-timestamp}.{body}`, keyed by the base64-decoded secret after its
`whsec_` prefix; one signature per secret that signs (two during a rotation's overlap).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from shared.domain.errors import InvalidCommand

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
# After each failed attempt, the wait before the next (seconds): 5 s, 5 min, 30 min, 2 h,
# 5 h, 10 h, 10 h; then the delivery is marked failed (8 attempts in about 28 hours)
RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)
JITTER = 0.2  # each wait is drawn within ±20% of the schedule's
DISABLE_AFTER_SECONDS = 5 * 24 * 3600  # failing without a success for five days
MAX_URL_LENGTH = 2048
# Cloud metadata endpoints, refused even where private addresses are allowed
METADATA = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)


def new_secret(random_bytes: bytes) -> str:
    """A signing secret: `whsec_` and the base64 of at least 24 random bytes."""
    if len(random_bytes) < 24:
        raise ValueError("a webhook secret needs at least 24 random bytes")
    return SECRET_PREFIX + base64.b64encode(random_bytes).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<base64>` signature of a delivery with one secret."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signature_header(secrets: Iterable[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: a signature per secret that signs, space-separated."""
    return " ".join(signature(secret, message_id, timestamp, body) for secret in secrets)


def retry_delay(failures: int, draw: float, schedule: Sequence[float] = RETRY_SCHEDULE) -> float:
    """Seconds to wait after the `failures`-th failed attempt; `draw` in [0, 1) picks the
    jitter. None of this applies once `exhausted`."""
    base = schedule[min(failures, len(schedule)) - 1]
    return base * (1 - JITTER + 2 * JITTER * draw)


def exhausted(failures: int, schedule: Sequence[float] = RETRY_SCHEDULE) -> bool:
    """Whether a delivery that failed `failures` times is marked failed (no retry left)."""
    return failures > len(schedule)


def should_disable(failing_since: float | None, now: float,
                   after_seconds: float = DISABLE_AFTER_SECONDS) -> bool:  # fmt: skip
    """Whether a subscription whose deliveries all failed since `failing_since` (epoch
    seconds; None: its last attempt succeeded) is to be disabled."""
    return failing_since is not None and now - failing_since >= after_seconds


def checked_url(url: str, allow_private: bool) -> str:
    """The URL if it may be a webhook target: https (http too where the operator allows
    private targets), a host, no credentials in it; InvalidCommand (422) otherwise."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidCommand(f"url is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidCommand(f"url is not a valid URL: {exc}") from exc
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise InvalidCommand(f"url must use {' or '.join(schemes)}")
    if not parts.hostname:
        raise InvalidCommand("url must name a host")
    if parts.username is not None or parts.password is not None:
        raise InvalidCommand("url must not carry credentials: use the signature to trust us")
    if port == 0:
        raise InvalidCommand("url must not name port 0")
    literal = _literal_address(parts.hostname)
    if literal is not None and not address_allowed(literal, allow_private):
        raise InvalidCommand(f"url's address {literal} is not a public address")
    return url


def address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address,
                    allow_private: bool) -> bool:  # fmt: skip
    """Whether a resolved address may be called: a public one, or any but the metadata
    endpoints and unusable ones where the operator allows private targets."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA or address.is_unspecified or address.is_multicast:
        return False
    return allow_private or address.is_global


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
