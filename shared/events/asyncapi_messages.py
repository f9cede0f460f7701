"""The messages of the AsyncAPI document: one per catalogued event type, each a CloudEvents
1.0 envelope whose `data` is that type's JSON Schema, plus the dead-letter record.

Pure: builds plain dicts. Payloads are JSON Schema 2020-12 (the catalogue's dialect) in
Multi Format Schema Objects, since AsyncAPI's default schema format is a draft-07 superset.
An AsyncAPI message trait cannot hold a payload, so the trait `cloudEvent` carries what every
event message shares (content type, correlation id, the attributes described) and each
payload lists the attributes again with the type's own constants.
"""

from __future__ import annotations

from typing import Any

from shared.events.catalogue import EventType
from shared.events.envelope import REQUIRED, SPEC_VERSION

SCHEMA_FORMAT = "application/schema+json;version=draft-2020-12"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
CLOUDEVENTS_JSON = "application/cloudevents+json"
TRAITS = ("cloudEvent", "kafkaRecord", "webhookRequest")
_TEXT = {"type": "string", "minLength": 1}
_HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$"}

# Every attribute seal() writes (shared/events/envelope.py), with what it means.
ATTRIBUTES: dict[str, tuple[dict[str, Any], str]] = {
    "specversion": ({"const": SPEC_VERSION}, "CloudEvents version"),
    "id": (_TEXT, "the event id (a UUID): drop an event already seen by its id"),
    "source": (_TEXT, "/mastery-ledger/<context>"),
    "type": (_TEXT, "mastery.<context>.<Event>.v<N>"),
    "subject": (_TEXT, "the engagement id"),
    "time": ({"type": "string", "format": "date-time"}, "when it was recorded (RFC 3339, UTC)"),
    "datacontenttype": ({"const": "application/json"}, "`data` is JSON"),
    "dataschema": (_TEXT, "names the type's JSON Schema (GET /events/<type> serves it)"),
    "tenant": (_TEXT, "the organisation whose event it is: filter on it"),
    "streamid": (_TEXT, "the aggregate's stream"),
    "streamversion": ({"type": "integer", "minimum": 1}, "1, 2, 3... within the stream"),
    "actor": (_TEXT, "who caused it: the token subject, or a fixed name (rater, system)"),
    "correlationid": (_TEXT, "the request that started the work"),
    "causationid": (_TEXT, "the correlation id, or the id of the event a service reacted to"),
    "prevhash": (_HASH, "`hash` of the stream's previous event (64 zeros for the first)"),
    "hash": (_HASH, "SHA-256 of the canonical JSON of every other attribute"),
    "reason": (_TEXT, "why, when the command gave a reason (optional)"),
    "actorroles": (_TEXT, "the actor's roles when acting, comma-separated (optional)"),
}

KEY = {
    "type": "string",
    "description": (
        "The engagement id as UTF-8 bytes: the envelope's `subject` (each published "
        "aggregate's subject is its engagement id). Every stream of an engagement shares one "
        "partition, so each stream's events arrive in `streamversion` order. The key is not "
        "qualified by tenant."
    ),
}
DEAD_LETTER_KEY = {
    "type": "string",
    "description": "The source record's key, unchanged: the engagement id, for the events "
    "this system publishes.",
}
DEAD_LETTER_HEADERS = {
    "dlt.error": "the error's type and message (at most 4,000 bytes)",
    "dlt.trace": "the end of its traceback (at most 8,000 bytes)",
    "dlt.source": "<source topic>/<partition>/<offset> of the parked record",
    "dlt.group": "the consumer group that gave up on it",
    "dlt.attempts": "how many times it was tried",
    "dlt.time": "when it was parked (ISO 8601, UTC)",
}


def attribute_schema() -> dict[str, Any]:
    """The CloudEvents attributes and extensions of every envelope, `data` left open."""
    properties = {
        name: {**schema, "description": text} for name, (schema, text) in ATTRIBUTES.items()
    }
    return {
        "$schema": DIALECT,
        "type": "object",
        "required": list(REQUIRED),
        "properties": properties | {"data": {"type": "object"}},
    }


def envelope_schema(event_type: EventType) -> dict[str, Any]:
    """The whole envelope of one type: the attributes, its constants and its `data` schema."""
    schema = attribute_schema()
    own = {
        "source": {"const": f"/mastery-ledger/{event_type.context}"},
        "type": {"const": event_type.type},
        "dataschema": {"const": event_type.dataschema},
        # an embedded resource: the catalogue schema's own "#/$defs/..." refs resolve inside it
        "data": {"$id": event_type.dataschema, **event_type.schema},
    }
    for name, extra in own.items():
        schema["properties"][name] = schema["properties"][name] | extra
    return schema | {"title": f"{event_type.type} (CloudEvent)"}


def event_message(event_type: EventType) -> dict[str, Any]:
    """The AsyncAPI message of one event type: its name is the CloudEvents type."""
    return {
        "name": event_type.type,
        "title": str(event_type.schema.get("title", event_type.type)),
        "summary": str(event_type.schema.get("description", "")),
        "contentType": CLOUDEVENTS_JSON,
        "payload": {"schemaFormat": SCHEMA_FORMAT, "schema": envelope_schema(event_type)},
        "traits": [{"$ref": f"#/components/messageTraits/{name}"} for name in TRAITS],
    }


def message_traits(webhook_headers: dict[str, Any]) -> dict[str, Any]:
    """What every event message shares, over any transport, on Kafka and on a webhook."""
    attributes = "; ".join(f"`{name}`: {text}" for name, (_, text) in ATTRIBUTES.items())
    return {
        "cloudEvent": {
            "summary": "A CloudEvents 1.0 event in structured mode (JSON).",
            "description": f"Attributes and extensions, in the payload: {attributes}.",
            "contentType": CLOUDEVENTS_JSON,
            "headers": _headers({"content-type": {"const": CLOUDEVENTS_JSON}}),
            "correlationId": {"location": "$message.payload#/correlationid"},
        },
        "kafkaRecord": {"bindings": {"kafka": {"key": KEY, "bindingVersion": "0.5.0"}}},
        "webhookRequest": {
            "bindings": {"http": {"headers": webhook_headers, "bindingVersion": "0.3.0"}}
        },
    }


def dead_letter_message() -> dict[str, Any]:
    """A record a worker of this system could not handle, parked with the error."""
    headers = {
        name: {"type": "string", "description": text} for name, text in DEAD_LETTER_HEADERS.items()
    }
    return {
        "name": "dead-letter",
        "title": "Dead letter",
        "summary": "A source topic's record that one of this system's consumers parked.",
        "description": (
            "Key, value and headers of the source record, unchanged (the value is normally "
            "the event as published, but it may be anything: it could not be handled), plus "
            "the dlt.* headers. Operators read it; subscribers need not."
        ),
        "contentType": "application/octet-stream",
        "headers": _headers(headers),
        "payload": {"schemaFormat": SCHEMA_FORMAT, "schema": {"$schema": DIALECT}},
        "bindings": {"kafka": {"key": DEAD_LETTER_KEY, "bindingVersion": "0.5.0"}},
    }


def _headers(properties: dict[str, Any]) -> dict[str, Any]:
    """Headers that each message carries, among others it may carry."""
    return {"type": "object", "required": list(properties), "properties": properties}
