"""What every request carries into its use case: who, why, correlation id, If-Match."""

from __future__ import annotations

import re
from typing import Any

from flask import g, request
from werkzeug.exceptions import BadRequest

from shared.auth.caller import Caller
from shared.commands import Result
from shared.events.envelope import EventContext
from shared.web.auth import current_principal

_VERSION = re.compile(r"[0-9]{1,18}")  # within 64 bits; int() would refuse 4,300 digits


def caller() -> Caller:
    """Who acts in this request, and under which correlation id (inside a `requires` view)."""
    return Caller(current_principal(), g.correlation_id)


def event_context(reason: str = "") -> EventContext:
    """Who acts in this request, why, and under which correlation id."""
    return caller().context(reason)


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


def answer(result: Result, location: str | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """A handler's answer as a response body and its headers: the ETag, and the Location of
    what it answers when given."""
    headers = etag(result.version or 0)
    return result.body, (headers | {"Location": location}) if location else headers
