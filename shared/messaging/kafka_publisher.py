"""Publishes event envelopes to Kafka: idempotent producer, acks=all, keyed by engagement."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from kafka import KafkaProducer

from shared.events.envelope import canonical_json


def encode(envelope: dict[str, Any]) -> bytes:
    """The wire form of an envelope: CloudEvents structured-mode JSON."""
    return canonical_json(envelope)


def decode(raw: bytes) -> dict[str, Any]:
    """Parse a message value back into an envelope (raises ValueError if not JSON)."""
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("message value is not a JSON object")
    return value


class KafkaPublisher:
    """Sends batches and returns only when the broker has acknowledged every message."""

    def __init__(self, bootstrap_servers: str, **overrides: Any) -> None:
        settings: dict[str, Any] = {
            "bootstrap_servers": bootstrap_servers,
            "acks": "all",
            "enable_idempotence": True,
            "max_in_flight_requests_per_connection": 5,
            "linger_ms": 2,
            "client_id": "mastery-outbox-relay",
        }
        self._producer = KafkaProducer(**(settings | overrides))

    def publish(self, topic: str, messages: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Send (key, envelope) pairs in order; return once every one is acknowledged."""
        headers = [("content-type", b"application/cloudevents+json")]
        futures = [
            self._producer.send(topic, key=key.encode(), value=encode(envelope), headers=headers)
            for key, envelope in messages
        ]
        self._producer.flush()
        for future in futures:
            future.get(timeout=30)

    def close(self) -> None:
        """Flush and close the producer."""
        self._producer.close()
