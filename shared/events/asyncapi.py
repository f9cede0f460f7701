"""The AsyncAPI 3.0 document of the published events, built from the event catalogue.

Pure: plain dicts from the catalogue and a ServiceConfig, no Flask (shared/web/docs.py
serves it at GET /asyncapi.json). The contexts, and so the topics, are those of the
catalogue's types: a schema file added to shared/events/schemas appears here unedited.
The Kafka operations are a subscriber's (receive); the webhook one is the service's (send).
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import metadata
from typing import Any

from shared.config import ServiceConfig
from shared.events import asyncapi_internal as internal
from shared.events import asyncapi_webhooks as webhooks
from shared.events import catalogue
from shared.events.asyncapi_internal import topic_binding
from shared.events.asyncapi_messages import (
    SCHEMA_FORMAT,
    attribute_schema,
    dead_letter_message,
    event_message,
    message_traits,
)

ASYNCAPI_VERSION = "3.0.0"
DEAD_LETTER = "dead-letter"
DESCRIPTION = """Every change to every coaching engagement, as CloudEvents 1.0 events
(structured JSON, `application/cloudevents+json`) whose `data` follows the type's JSON Schema
(2020-12; `GET /events/<type>` serves it too). On Kafka: one topic per bounded context, kept
forever, so a new subscriber can read the whole history from the earliest offset; keyed by
engagement id, so each stream's events arrive in `streamversion` order. Over HTTPS: the same
events POSTed to a webhook subscription's URL, signed (Standard Webhooks). Delivery is at
least once on both: drop an event already seen by its `id`. `tenant` says whose event it is;
`hash` and `prevhash` chain each stream (SHA-256), so a subscriber can prove nothing was
altered. Events carry no contacts, rater identities, answers, comments or coach's notes, and
their personal fields (names, free texts about a person) are sealed per person: `{"sealed":
"<service>.<ref>", "as": kind, "box": "v1:..."}`, AES-256-GCM with keys only the services
hold (the subject-keys channel, services only), so they read as what the services' APIs
show, and an erased person's values can never be opened again (README, Personal data and
erasure)."""


def contexts(types: Mapping[str, catalogue.EventType]) -> list[str]:
    """The bounded contexts that have event types in the catalogue, each with its topic."""
    return sorted({t.context for t in types.values()})


def asyncapi_document(
    config: ServiceConfig, types: Mapping[str, catalogue.EventType] | None = None
) -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document: topics and webhook deliveries of the catalogue's events."""
    types = catalogue.catalogue() if types is None else types
    kafka = _kafka_servers(config)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for context in contexts(types):
        ids = [t.type for t in types.values() if t.context == context]
        channels |= _topic_channels(config, context, ids, kafka)
        operations |= _receive_operations(context, ids)
    channels |= internal.channels(config, kafka)
    operations |= internal.operations()
    channels[webhooks.CHANNEL] = webhooks.channel(list(types))
    operations[webhooks.OPERATION] = webhooks.operation(list(types))
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": _info(),
        "defaultContentType": "application/cloudevents+json",
        "servers": kafka | {webhooks.SERVER: webhooks.server()},
        "channels": channels,
        "operations": operations,
        "components": _components(types),
    }


def _info() -> dict[str, Any]:
    return {"title": "Mastery Ledger events", "version": _version(), "description": DESCRIPTION}


def _version() -> str:
    try:
        return metadata.version("mastery-ledger")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0.0.0+unknown"


def _kafka_servers(config: ServiceConfig) -> dict[str, Any]:
    hosts = [h.strip() for h in config.kafka_bootstrap_servers.split(",") if h.strip()]
    return {
        f"kafka-{n}": {
            "host": host,
            "protocol": "kafka",
            "title": "Kafka bootstrap server",
            "description": "One of the cluster's bootstrap servers (KAFKA_BOOTSTRAP_SERVERS).",
        }
        for n, host in enumerate(hosts, start=1)
    }


def _topic_channels(
    config: ServiceConfig, context: str, ids: list[str], kafka: Mapping[str, Any]
) -> dict[str, Any]:
    servers = [{"$ref": f"#/servers/{name}"} for name in kafka]
    events, dead = config.topic(context), config.dead_letter_topic(context)
    return {
        f"{context}-events": {
            "address": events,
            "title": f"The {context} events",
            "description": f"Every published event of the {context} context. Created with "
            "1 replica when the cluster has fewer than 3 brokers, else 3; kept forever.",
            "servers": servers,
            "messages": {i: {"$ref": f"#/components/messages/{i}"} for i in ids},
            "bindings": topic_binding(config, events),
        },
        f"{context}-dead-letters": {
            "address": dead,
            "title": f"The {context} dead letters",
            "description": f"Dead-letter topic: records of {events} that a consumer of this "
            "system could not handle after its attempts, parked there with the error so it "
            "could carry on. Not a feed of events.",
            "servers": servers,
            "messages": {DEAD_LETTER: {"$ref": f"#/components/messages/{DEAD_LETTER}"}},
            "bindings": topic_binding(config, dead),
        },
    }


def _receive_operations(context: str, ids: list[str]) -> dict[str, Any]:
    def receive(channel: str, messages: list[str], summary: str) -> dict[str, Any]:
        return {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel}"},
            "summary": summary,
            "messages": [{"$ref": f"#/channels/{channel}/messages/{m}"} for m in messages],
            "bindings": {"kafka": {"groupId": _GROUP, "bindingVersion": "0.5.0"}},
        }

    return {
        f"receive-{context}-events": receive(
            f"{context}-events", ids, f"A subscriber reads the {context} events."
        ),
        f"receive-{context}-dead-letters": receive(
            f"{context}-dead-letters",
            [DEAD_LETTER],
            f"An operator reads the {context} dead letters.",
        ),
    }


_GROUP = {
    "type": "string",
    "description": "A consumer group of the subscriber's own: the system's workers use "
    "<prefix>.<service> (mastery.reporting, ...), which a subscriber must not share.",
}


def _components(types: Mapping[str, catalogue.EventType]) -> dict[str, Any]:
    messages = {t.type: event_message(t) for t in types.values()}
    return {
        "schemas": {
            "cloudEventAttributes": {
                "schemaFormat": SCHEMA_FORMAT,
                "schema": attribute_schema(),
            }
        },
        "messages": messages | {DEAD_LETTER: dead_letter_message()} | internal.messages(),
        "messageTraits": message_traits(webhooks.HEADERS),
        "securitySchemes": {webhooks.SECURITY_SCHEME: webhooks.security_scheme()},
    }
