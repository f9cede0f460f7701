"""Webhook subscription routes (hr and admin of the tenant): create, list, show, change,
pause and resume, rotate the secret, delete, the attempts log and replays.

Each view parses its input into a command (services/reporting/commands.py) for the handlers
it was built with, or asks the webhook queries (services/reporting/queries/webhooks.py); the
role check and the use cases are theirs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from services.reporting.api.webhook_schemas import (
    AttemptsArgs,
    AttemptsSchema,
    ChangeSubscriptionSchema,
    CreateSubscriptionSchema,
    ReasonSchema,
    ReplayedSchema,
    ReplaySchema,
    RotateSchema,
    SubscriptionSchema,
    SubscriptionsSchema,
)
from services.reporting.commands import (
    ChangeSubscription,
    CreateSubscription,
    DeleteSubscription,
    ReplayDeliveries,
    RotateSecret,
)
from services.reporting.handlers import WebhookHandlers
from services.reporting.queries import webhooks as queries
from shared.commands import Result
from shared.web.auth import BEARER, current_principal, requires
from shared.web.commands import answer, caller, etag, if_match

# The subscription directory and the delivery store, opened on first use
Reads = Callable[[], tuple[queries.Directory, queries.Deliveries]]
ENDPOINT = "webhooks.Subscription"


def answered(result: Result) -> Any:
    """A subscription as a response body, with its ETag and Location."""
    return answer(result, url_for(ENDPOINT, subscription_id=result.body["id"]))


def webhooks_blueprint(handlers: WebhookHandlers, reads: Reads) -> Blueprint:
    """The /webhooks routes, calling these handlers and reading through `reads`."""
    blp = Blueprint("webhooks", __name__, url_prefix="/webhooks",
                    description="Webhook subscriptions of HR systems (hr, admin)")  # fmt: skip

    def types(body: dict[str, Any]) -> tuple[str, ...] | None:
        return tuple(body["event_types"]) if "event_types" in body else None

    @blp.route("")
    class Subscriptions(MethodView):
        @requires()
        @blp.arguments(CreateSubscriptionSchema)
        @blp.response(201, SubscriptionSchema)
        @blp.doc(security=BEARER)
        def post(self, body: dict[str, Any]) -> Any:
            """Subscribe an HTTPS endpoint to the tenant's events; the answer holds the signing
            secret, shown this once."""
            command = CreateSubscription(url=body["url"], event_types=tuple(body["event_types"]),
                                         description=body["description"],
                                         reason=body.get("reason", ""))  # fmt: skip
            return answered(handlers.handle(command, caller()))

        @requires()
        @blp.response(200, SubscriptionsSchema)
        @blp.doc(security=BEARER)
        def get(self) -> Any:
            """The tenant's subscriptions with their delivery statistics."""
            return queries.subscriptions(*reads(), current_principal())

    @blp.route("/<string:subscription_id>")
    class Subscription(MethodView):
        @requires()
        @blp.response(200, SubscriptionSchema)
        @blp.doc(security=BEARER)
        def get(self, subscription_id: str) -> Any:
            """One subscription with its delivery statistics (never its secret)."""
            shown, version = queries.subscription(*reads(), current_principal(), subscription_id)
            return shown, etag(version)

        @requires()
        @blp.arguments(ChangeSubscriptionSchema)
        @blp.response(200, SubscriptionSchema)
        @blp.doc(security=BEARER)
        def patch(self, body: dict[str, Any], subscription_id: str) -> Any:
            """Change the URL, event types or description; `status` paused or active pauses or
            resumes (a disabled one too)."""
            command = ChangeSubscription(
                subscription_id=subscription_id, if_match=if_match(), url=body.get("url"),
                event_types=types(body), description=body.get("description"),
                status=body.get("status"), reason=body.get("reason", ""),
            )  # fmt: skip
            return answered(handlers.handle(command, caller()))

        @requires()
        @blp.arguments(ReasonSchema, location="query")
        @blp.response(204)
        @blp.doc(security=BEARER)
        def delete(self, args: dict[str, Any], subscription_id: str) -> Any:
            """End the subscription (`?reason=` recorded); its queued deliveries are dropped."""
            command = DeleteSubscription(subscription_id=subscription_id, if_match=if_match(),
                                         reason=args.get("reason", ""))  # fmt: skip
            handlers.handle(command, caller())
            return ""

    def status_route(name: str, status: str, summary: str) -> None:
        @blp.route(f"/<string:subscription_id>/{name}", endpoint=f"{name.title()}")
        class StatusChange(MethodView):
            @requires()
            @blp.arguments(ReasonSchema)
            @blp.response(200, SubscriptionSchema)
            @blp.doc(security=BEARER, summary=summary)
            def post(self, body: dict[str, Any], subscription_id: str) -> Any:
                command = ChangeSubscription(subscription_id=subscription_id, status=status,
                                             reason=body.get("reason", ""))  # fmt: skip
                return answered(handlers.handle(command, caller()))

    status_route("pause", "paused", "Hold the deliveries (queued, nothing sent)")
    status_route("resume", "active", "Send again, the held deliveries first")

    @blp.route("/<string:subscription_id>/secret/rotate")
    class Rotation(MethodView):
        @requires()
        @blp.arguments(RotateSchema)
        @blp.response(200, SubscriptionSchema)
        @blp.doc(security=BEARER)
        def post(self, body: dict[str, Any], subscription_id: str) -> Any:
            """A new signing secret, shown this once; the previous one signs too for
            `overlap_seconds` (24 hours unless given)."""
            command = RotateSecret(subscription_id=subscription_id, reason=body.get("reason", ""),
                                   overlap_seconds=body["overlap_seconds"])  # fmt: skip
            return answered(handlers.handle(command, caller()))

    @blp.route("/<string:subscription_id>/deliveries")
    class Attempts(MethodView):
        @requires()
        @blp.arguments(AttemptsArgs, location="query")
        @blp.response(200, AttemptsSchema)
        @blp.doc(security=BEARER)
        def get(self, args: dict[str, Any], subscription_id: str) -> Any:
            """Every delivery attempt, newest first: time, event, HTTP status, latency, the
            answer's first 1 KB, outcome (delivered, retrying, failed)."""
            return queries.attempts(*reads(), current_principal(), subscription_id,
                                    args["limit"], args["offset"])  # fmt: skip

    @blp.route("/<string:subscription_id>/replay")
    class Replay(MethodView):
        @requires()
        @blp.arguments(ReplaySchema)
        @blp.response(202, ReplayedSchema)
        @blp.doc(security=BEARER)
        def post(self, body: dict[str, Any], subscription_id: str) -> Any:
            """Send failed deliveries again: one (`event_id`) or those failed from `from` to
            `to` (either may be left out); the delivery worker queues them."""
            command = ReplayDeliveries(
                subscription_id=subscription_id, event_id=body.get("event_id"),
                since=body.get("since"), until=body.get("until"), reason=body.get("reason", ""),
            )  # fmt: skip
            result = handlers.handle(command, caller())
            return {"id": result.body["id"], "status": "queued"}

    return blp
