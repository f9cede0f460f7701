"""GET /events and /events/<type>: the catalogue of published event types, for systems that
subscribe to the topics (an HR system, say). Every envelope's `dataschema` names its type's
JSON Schema; these routes serve it. No token: schemas hold no tenant data."""

from __future__ import annotations

from typing import Any

from flask import Response, json, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from shared.config import ServiceConfig
from shared.domain.errors import NotFound
from shared.events.catalogue import EventType, catalogue

SCHEMA_MEDIA_TYPE = "application/schema+json"


def event_types_blueprint(config: ServiceConfig) -> Blueprint:
    """The catalogue routes every service serves (topic names from its config)."""
    blp = Blueprint("events", __name__, url_prefix="/events",
                    description="Published event types and their JSON Schemas")  # fmt: skip

    @blp.route("")
    class EventTypes(MethodView):
        def get(self) -> dict[str, Any]:
            """Every published event type: its topic, dataschema and where its schema is."""
            return {"types": [_entry(t, config.topic(t.context)) for t in catalogue().values()]}

    @blp.route("/<string:event_type>")
    class EventTypeSchema(MethodView):
        @blp.response(200, content_type=SCHEMA_MEDIA_TYPE)
        def get(self, event_type: str) -> Response:
            """The JSON Schema (2020-12) of one event type's `data`."""
            found = catalogue().get(event_type)
            if found is None:
                raise NotFound(f"no event type {event_type}; GET /events lists them")
            return Response(json.dumps(found.schema), mimetype=SCHEMA_MEDIA_TYPE)

    return blp


def _entry(event_type: EventType, topic: str) -> dict[str, Any]:
    return {
        "type": event_type.type,
        "context": event_type.context,
        "name": event_type.name,
        "version": event_type.version,
        "topic": topic,
        "dataschema": event_type.dataschema,
        "schema": url_for("events.EventTypeSchema", event_type=event_type.type),
    }
