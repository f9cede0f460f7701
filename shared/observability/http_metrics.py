"""An API's metrics: each request counted and timed by route template, method and status;
each write by its command and outcome; and GET /metrics, which under gunicorn answers the sum
of every worker process (prometheus_client's multiprocess mode, deploy/gunicorn.conf.py)."""

from __future__ import annotations

import hmac
import os
import re
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from werkzeug.exceptions import Unauthorized

from shared.commands import running_command
from shared.observability.metrics import COMMANDS, HTTP_DURATION, HTTP_REQUESTS

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")  # <string:engagement_id> -> <engagement_id>


def install(app: Flask, service: str, token: str = "") -> None:
    """Count and time every request of `app`, and serve GET /metrics (to a bearer of `token`
    only, when one is set: the figures are every tenant's together)."""

    def started() -> None:
        g.metrics_started = time.perf_counter()
        running_command.set(None)  # a gthread worker's thread serves one request after another

    def finished(response: Response) -> Response:
        route = route_of(request.url_rule.rule if request.url_rule else None)
        if route == "/metrics":
            return response
        status = str(response.status_code)
        elapsed = time.perf_counter() - g.get("metrics_started", time.perf_counter())
        HTTP_REQUESTS.labels(service, request.method, route, status).inc()
        HTTP_DURATION.labels(service, request.method, route).observe(elapsed)
        if request.method in _WRITES:
            COMMANDS.labels(service, running_command.get() or "none", status).inc()
        return response

    app.before_request(started)
    app.after_request(finished)

    def metrics() -> Response:
        given = request.headers.get("Authorization", "")
        if token and not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise Unauthorized("GET /metrics needs the metrics token (ML_METRICS_TOKEN).")
        return exposition()

    app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])


def route_of(rule: str | None) -> str:
    """The label of a request's route: its URL rule without converters, or `unmatched`."""
    return _CONVERTER.sub(r"<\1>", rule) if rule else "unmatched"


def exposition() -> Response:
    """Every metric of this API in Prometheus' text format (all of gunicorn's workers)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    response = Response(body, headers={"Cache-Control": "no-store"})
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response
