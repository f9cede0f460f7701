"""Idempotency-Key on writes: a client that retries a request (a timeout, a dropped
connection) with the same key gets the first answer again instead of a second change.

Scope: the caller (tenant and subject of its bearer token) and the key; the request is
fingerprinted (method, path with query, body), so the same key with another request is a
422. A second request while the first still runs gets 409 with Retry-After. A 2xx is kept
and replayed (`Idempotent-Replayed: true`). A 4xx changed nothing, and neither did a 5xx
that came before any write started: the key is freed and a retry runs again. A 5xx after a
write started may have changed something: the key's retries get 409 (outcome unknown)
rather than a second run. Requests without the header, and requests without a
valid bearer token (the route answers those), are untouched.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from apispec import APISpec, BasePlugin
from flask import Flask, Response, g, request
from pymongo.errors import PyMongoError
from werkzeug.exceptions import BadRequest

from shared.eventstore.write_tracking import WriteTracker
from shared.web import auth
from shared.web.idempotency_store import PENDING, UNKNOWN, IdempotencyStore
from shared.web.problems import problem

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEPT_HEADERS = ("Content-Type", "ETag", "Location")
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


class Adapters(Protocol):
    """Where the hooks find the keys' store and the tracker of whether this request has
    started a write (the composition root wires it into the event store); connected on first
    use, not when the app is built."""

    @property
    def idempotency(self) -> IdempotencyStore: ...

    @property
    def writes(self) -> WriteTracker: ...


class Idempotency:
    """The request hooks (`install`) over one app's adapters."""

    def __init__(self, adapters: Adapters) -> None:
        self._adapters = adapters

    def install(self, app: Flask) -> None:
        """Claim before each request, settle after it, free a claim an error left behind."""
        app.before_request(self.begin)
        app.after_request(self.finish)
        app.teardown_request(self.abandon)

    def begin(self) -> Response | None:
        """before_request: claim the key, or answer from what it already holds."""
        return _begin(self._adapters)

    def finish(self, response: Response) -> Response:
        """after_request: keep a 2xx for the key; free it after anything else."""
        return _finish(self._adapters, response)

    def abandon(self, _: BaseException | None) -> None:
        """teardown_request: a claim the response never settled (an error escaped) is freed,
        unless a write had started."""
        claimed = g.pop("idempotency_record", None)
        if claimed is not None:
            _settle_failed(self._adapters, *claimed)


def _begin(adapters: Adapters) -> Response | None:
    key = request.headers.get(HEADER)
    if key is None or request.method not in METHODS:
        return None
    if not _KEY.match(key):
        raise BadRequest(f"{HEADER} must be 1 to 255 visible ASCII characters.")
    caller = auth.authenticated_or_none()
    if caller is None:
        return None
    record_id = _digest(caller.tenant, caller.subject, key)
    fingerprint = _digest(request.method, request.full_path, request.get_data(as_text=True))
    owner = uuid.uuid4().hex
    existing = adapters.idempotency.claim(record_id, fingerprint, datetime.now(UTC), owner)
    if existing is None:
        g.idempotency_record = (record_id, owner)
        adapters.writes.reset()
        return None
    if existing["fingerprint"] != fingerprint:
        return problem(422, "idempotency-key-reused", "Idempotency-Key reused",
                       f"This {HEADER} was used for another request; use a new key.")  # fmt: skip
    if existing["state"] == UNKNOWN:
        return problem(409, "idempotency-outcome-unknown", "Outcome unknown",
                       f"A request with this {HEADER} failed after it may have changed "
                       "something; check the resource, then retry with a new key.")  # fmt: skip
    if existing["state"] == PENDING:
        return problem(409, "idempotency-key-in-use", "Request in progress",
                       f"A request with this {HEADER} is still running; retry shortly.",
                       headers={"Retry-After": "1"})  # fmt: skip
    replay = Response(bytes(existing["body"]), status=existing["status"])
    replay.headers.update(existing["headers"])
    replay.headers[REPLAYED] = "true"
    return replay


def _finish(adapters: Adapters, response: Response) -> Response:
    claimed = g.pop("idempotency_record", None)
    if claimed is None:
        return response
    record_id, owner = claimed
    try:
        status = response.status_code
        if 200 <= status < 300 and not response.is_streamed:
            headers = {h: response.headers[h] for h in KEPT_HEADERS if h in response.headers}
            adapters.idempotency.complete(record_id, owner, status, response.get_data(), headers)
        elif status >= 500:
            _settle_failed(adapters, record_id, owner)
        else:
            adapters.idempotency.release(record_id, owner)
    except PyMongoError:
        # The request's own outcome stands; the key stays pending, so a retry gets 409
        # until the claim expires (PENDING_FOR) and then runs again.
        log.exception("could not keep the answer of an Idempotency-Key")
    return response


def _settle_failed(adapters: Adapters, record_id: str, owner: str) -> None:
    """A failed request: its outcome is unknown if a write had started, else the key is free."""
    if adapters.writes.started():
        adapters.idempotency.unknown(record_id, owner)
    else:
        adapters.idempotency.release(record_id, owner)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


class SpecPlugin(BasePlugin):
    """apispec plugin: every write operation of the OpenAPI document names the header."""

    def init_spec(self, spec: APISpec) -> None:
        super().init_spec(spec)
        spec.components.parameter(HEADER, "header", {
            "required": False, "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            "description": "Retries with the same key and request get the first 2xx answer "
                           "again (Idempotent-Replayed: true); the same key with another "
                           "request is a 422. Scoped to the caller; kept 24 hours.",
        })  # fmt: skip

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **_: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            if method.upper() in METHODS:
                parameters = operation.setdefault("parameters", [])
                parameters.append(HEADER)  # the component registered above, by name
