"""The services-only channels of the AsyncAPI document (shared/events/asyncapi.py): the subject
keys (shared/privacy/key_topic.py) and the subject index (shared/privacy/private_index.py).

A subscriber sees them listed, with what they hold, but can open nothing on them: keys are
wrapped with the deployment's ML_SUBJECT_KEYS_KEY, and the index's values are sealed with
the people's keys. Also the Kafka binding of every topic, as shared/messaging/topics.py
creates it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.config import ServiceConfig
from shared.events.asyncapi_messages import SCHEMA_FORMAT
from shared.messaging.topics import RETAINED_FOREVER
from shared.privacy.key_topic import COMPACTED

SUBJECT_KEYS = "subject-keys"
SUBJECT_INDEX = "subject-index"


def channels(config: ServiceConfig, kafka: Mapping[str, Any]) -> dict[str, Any]:
    """The subject-keys and subject-index channels."""
    servers = [{"$ref": f"#/servers/{name}"} for name in kafka]
    return {
        SUBJECT_KEYS: {
            "address": config.subject_keys_topic,
            "title": "The subject keys (services only)",
            "description": "Compacted, keyed by key id: each service's keys of the people "
            "whose data it sealed, each wrapped with the deployment's ML_SUBJECT_KEYS_KEY "
            "(never in clear), and erasure markers, a key's last word once compacted. Every "
            "worker reads it from the beginning; a subscriber cannot open anything with it.",
            "servers": servers,
            "messages": {SUBJECT_KEYS: {"$ref": f"#/components/messages/{SUBJECT_KEYS}"}},
            "bindings": topic_binding(config, config.subject_keys_topic, COMPACTED),
        },
        SUBJECT_INDEX: {
            "address": config.subject_index_topic,
            "title": "The subject index (services only)",
            "description": "Compacted, keyed by a person's ref and an event id: where a "
            "service's private personal fields are (the kpi service's session private notes, "
            "which never reach its event topic), for the assessment service's subject-access "
            "export. Each value is sealed as stored, with the person's key: it reads as erased "
            "once they are. The kpi worker publishes, the assessment worker reads.",
            "servers": servers,
            "messages": {SUBJECT_INDEX: {"$ref": f"#/components/messages/{SUBJECT_INDEX}"}},
            "bindings": topic_binding(config, config.subject_index_topic, COMPACTED),
        },
    }


def operations() -> dict[str, Any]:
    """The services' receive operations on the two channels."""
    return {
        f"receive-{SUBJECT_KEYS}": _receive(
            SUBJECT_KEYS, "Each service's worker follows the subject keys and erasures."
        ),
        f"receive-{SUBJECT_INDEX}": _receive(
            SUBJECT_INDEX, "The assessment worker indexes the other services' private fields."
        ),
    }


def _receive(name: str, summary: str) -> dict[str, Any]:
    channel = f"#/channels/{name}"
    return {
        "action": "receive",
        "channel": {"$ref": channel},
        "summary": summary,
        "messages": [{"$ref": f"{channel}/messages/{name}"}],
    }


def messages() -> dict[str, Any]:
    """The two channels' messages."""
    sealed = {"type": "object", "required": ["sealed"], "description": "a sealed value"}
    return {
        SUBJECT_KEYS: _message(SUBJECT_KEYS, "A subject key or its erasure", {
            "type": "object",
            "required": ["kid", "state"],
            "properties": {
                "kid": {"type": "string", "description": "<service>.<subject ref>"},
                "state": {"enum": ["active", "erased"]},
                "key": {"type": "string", "description": "the key, wrapped (active only)"},
            },
            "additionalProperties": False,
        }),
        SUBJECT_INDEX: _message(SUBJECT_INDEX, "A person's private fields in one event", {
            "type": "object",
            "required": ["service", "tenant", "subject", "record"],
            "properties": {
                "service": {"type": "string", "description": "whose store holds the fields"},
                "tenant": {"type": "string"},
                "subject": {"type": "string", "description": "the person's ref"},
                "record": {
                    "type": "object",
                    "required": ["event_id", "type", "time", "fields"],
                    "properties": {
                        "event_id": {"type": "string"},
                        "type": {"type": "string"},
                        "time": {"type": "string"},
                        "engagement_id": {"type": ["string", "null"]},
                        "stream_id": {"type": ["string", "null"]},
                        "fields": {"type": "array", "items": {
                            "type": "object",
                            "required": ["path", "sealed"],
                            "properties": {"path": {"type": "string"}, "sealed": sealed},
                        }},
                    },
                },
            },
            "additionalProperties": False,
        }),
    }  # fmt: skip


def _message(name: str, title: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "title": title,
        "contentType": "application/json",
        "payload": {"schemaFormat": SCHEMA_FORMAT, "schema": schema},
    }


def topic_binding(
    config: ServiceConfig, topic: str, created: Mapping[str, str] = RETAINED_FOREVER
) -> dict[str, Any]:
    """A topic's Kafka binding, as shared/messaging/topics.py creates it."""
    settings = {
        name: value.split(",") if name == "cleanup.policy" else _number(value)
        for name, value in created.items()
    }
    return {
        "kafka": {
            "topic": topic,
            "partitions": config.topic_partitions,
            "topicConfiguration": settings,
            "bindingVersion": "0.5.0",
        }
    }


def _number(value: str) -> int | float:
    return float(value) if "." in value else int(value)
