"""One error body for every 4xx/5xx: RFC 9457 problem+json, with per-field errors."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, json, request
from pymongo.errors import ConnectionFailure
from werkzeug.exceptions import HTTPException

from shared.domain.errors import DomainError

log = logging.getLogger(__name__)

PROBLEM_TYPE = "urn:mastery-ledger:problem:"
MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_SECONDS = 5


def problem(
    status: int,
    code: str,
    title: str,
    detail: str = "",
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build a problem+json response; `code` is the stable machine-readable slug."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": title,
        "status": status,
        "detail": detail or title,
        "instance": request.path,
        "correlation_id": g.get("correlation_id", ""),
    }
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    response.headers.update(headers or {})
    return response


def _slug(text: str) -> str:
    return "-".join(text.lower().replace("'", "").split())


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if messages:
        return problem(
            status,
            "validation-error" if status == 422 else "bad-request",
            "Request validation failed" if status == 422 else "Bad request",
            "The request body or parameters are not valid; see errors.",
            errors=_flatten(messages),
        )
    headers = {"WWW-Authenticate": 'Bearer realm="mastery-ledger"'} if status == 401 else {}
    return problem(status, _slug(exc.name), exc.name, exc.description or "", headers=headers)


def _flatten(messages: dict[str, Any]) -> dict[str, Any]:
    """webargs nests errors by location ({"json": {...}}): keep the fields, name the rest."""
    flat: dict[str, Any] = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat


def _domain_error(exc: DomainError) -> Response:
    return problem(exc.status, exc.code, type(exc).__name__, str(exc))


def _unavailable(exc: ConnectionFailure) -> Response:
    """The database cannot be reached: the client may retry. With the same Idempotency-Key
    the retry runs again only if no write had started; else it gets 409 (outcome unknown)."""
    log.warning("database unavailable", extra={"error": str(exc)[:200]})
    return problem(503, "service-unavailable", "Service Unavailable",
                   "The service's database cannot be reached right now; retry shortly.",
                   headers={"Retry-After": str(RETRY_AFTER_SECONDS)})  # fmt: skip


def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error")
    return problem(500, "internal-error", "Internal Server Error", "An unexpected error occurred.")


def register(app: Flask) -> None:
    """Route every error through problem+json."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(ConnectionFailure, _unavailable)
    app.register_error_handler(Exception, _unexpected)
