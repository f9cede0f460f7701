"""The one app factory core: every service's create_app(config) builds on it."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, g, request
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from werkzeug.exceptions import UnsupportedMediaType

from shared.auth.tokens import HS256Verifier, JwksVerifier, TokenVerifier
from shared.config import ServiceConfig
from shared.logs import configure_logging, correlation_id
from shared.observability import http_metrics
from shared.resources import Resources
from shared.web import auth, docs, idempotency, input_limits, problems
from shared.web.event_types import event_types_blueprint

log = logging.getLogger("mastery.http")
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_BODY_METHODS = {"POST", "PUT", "PATCH"}


def verifier_for(config: ServiceConfig) -> TokenVerifier:
    """RS256 via JWKS when a JWKS URL is configured, else the HS256 shared secret."""
    if config.jwks_url:
        return JwksVerifier(config.jwks_url, config.jwt_issuer, config.jwt_audience)
    return HS256Verifier(config.jwt_secret, config.jwt_issuer, config.jwt_audience)


def create_service_app(
    config: ServiceConfig,
    title: str,
    blueprints: Iterable[Blueprint],
    resources: Resources | None = None,
    security_schemes: dict[str, dict[str, str]] | None = None,
) -> Flask:
    """A Flask app with OpenAPI, problem+json errors, auth, health, metrics and request
    logging."""
    configure_logging(config.log_level)
    app = Flask(config.service)
    app.config.update(
        API_TITLE=title,
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=config.max_body_bytes,
        MAX_JSON_DEPTH=config.max_json_depth,
        JSON_SORT_KEYS=False,
    )
    resources = resources or Resources(config)
    app.extensions[auth.EXTENSION] = verifier_for(config)
    api = Api(app, spec_kwargs={"extra_plugins": [idempotency.SpecPlugin()]})
    schemes = {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
    for name, scheme in (schemes | (security_schemes or {})).items():
        api.spec.components.security_scheme(name, scheme)
    api.register_blueprint(_health_blueprint(resources))
    api.register_blueprint(event_types_blueprint(config))
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.extensions[docs.API_EXTENSION] = api
    app.register_blueprint(docs.docs_blueprint())
    app.register_blueprint(docs.asyncapi_blueprint(config))
    problems.register(app)  # after Api(), which registers its own HTTP error handler
    http_metrics.install(app, config.service, config.metrics_token)  # first: it times the rest
    app.before_request(_start_request)
    app.before_request(input_limits.check_request)  # before the first write (a key's claim)
    idempotency.Idempotency(resources).install(app)
    app.after_request(_finish_request)
    return app


def _start_request() -> None:
    given = request.headers.get("X-Correlation-ID", "")
    g.correlation_id = given if _CORRELATION_ID.match(given) else str(uuid.uuid4())
    g.started = time.perf_counter()
    correlation_id.set(g.correlation_id)
    has_body = request.method in _BODY_METHODS and (request.content_length or 0) > 0
    if has_body and not request.is_json:
        raise UnsupportedMediaType("Send the body as application/json.")


def _finish_request(response: Response) -> Response:
    response.headers["X-Correlation-ID"] = g.get("correlation_id", "")
    elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    log.info(
        "request",
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "ms": round(elapsed, 2),
        },
    )
    return response


def _health_blueprint(resources: Resources) -> Blueprint:
    blp = Blueprint("health", __name__, description="Liveness and readiness")

    @blp.route("/healthz")
    class Health(MethodView):
        def get(self) -> dict[str, Any]:
            """The process is alive."""
            return {"status": "ok"}

    @blp.route("/readyz")
    class Ready(MethodView):
        def get(self) -> tuple[dict[str, Any], int]:
            """MongoDB and Kafka are reachable."""
            checks = {
                "mongodb": _check(resources.ping_mongo),
                "kafka": _check(resources.ping_kafka),
            }
            ready = all(v == "ok" for v in checks.values())
            return {"status": "ready" if ready else "unavailable", "checks": checks}, (
                200 if ready else 503
            )

    return blp


def _check(probe: Any) -> str:
    try:
        probe()
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"
