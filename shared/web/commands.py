"""What every write request carries into its events: who, why, correlation id, If-Match."""

from __future__ import annotations

import re

from flask import g, request
from werkzeug.exceptions import BadRequest

from shared.events.envelope import EventContext
from shared.web.auth import current_principal

_VERSION = re.compile(r"[0-9]{1,18}")  # within 64 bits; int() would refuse 4,300 digits


def event_context(reason: str = "") -> EventContext:
    """Who acts in this request, why, and under which correlation id."""
    caller = current_principal()
    return EventContext(
        tenant=caller.tenant,
        actor=caller.subject,
        correlation_id=g.correlation_id,
        reason=reason,
        actor_roles=tuple(sorted(caller.roles)),
    )


def if_match() -> int | None:
    """The version named by an If-Match header ("3" or W/"3"), if any."""
    raw = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if not raw or raw == "*":
        return None
    if not _VERSION.fullmatch(raw):  # not str.isdigit(): "²" is a digit that int() refuses
        raise BadRequest('If-Match must be an ETag this API returned, e.g. "3".')
    return int(raw)


def etag(version: int) -> dict[str, str]:
    """The ETag header of a stream at a version."""
    return {"ETag": f'"{version}"'}
