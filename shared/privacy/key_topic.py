"""The subject-keys topic: how the services share their subject keys and their erasures.

One compacted topic, keyed by key id. A record is `{"kid", "state": "active", "key"}` (the
key sealed with the deployment's ML_SUBJECT_KEYS_KEY, never in clear) or `{"kid", "state":
"erased"}`: an erasure is a record of its own, not a tombstone, so that compaction keeps it
as the key's last word and every reader, from any offset, ends with the key erased.

Every worker runs one key loop: it reads the topic from the beginning at start (so a
database restored from a backup is caught up with every erasure since) and follows it, and
only once it has caught up does it publish its own service's key changes (a restored store
could otherwise publish a key erased since, after its erasure).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer, KafkaProducer
from kafka.structs import TopicPartition

from shared.events.envelope import canonical_json
from shared.privacy.key_store import SubjectKeys

log = logging.getLogger(__name__)

# Compaction: records of a key older than its last are removed once their segment (rolled
# hourly) is cleaned; nothing is deleted by age.
COMPACTED = {
    "cleanup.policy": "compact",
    "segment.ms": str(3600 * 1000),
    "min.cleanable.dirty.ratio": "0.01",
    "retention.ms": "-1",
}


# A key made by an API process waits in its table until it is published: the outbox relay
# publishes the queued keys before each batch of events (so a new person's key is on the topic
# before their first event), and the key loop publishes what is still queued once a second,
# for changes that no event follows at once. The loop's follow returns as soon as records
# arrive: its poll only bounds an idle wait. (Both were 50 ms: the queue's read every 50 ms per
# worker was a third of the Mongo-wire server's reads while nothing else happened.)
POLL_SECONDS = 0.5
PUBLISH_SECONDS = 1.0


class KeyTopic:
    """Follows the subject-keys topic into one service's keys, and publishes its own."""

    def __init__(self, keys: SubjectKeys, bootstrap_servers: str, topic: str) -> None:
        self._keys = keys
        self._topic = topic
        self._servers = bootstrap_servers
        self._consumer: KafkaConsumer | None = None
        self._producer: KafkaProducer | None = None
        self.caught_up = False
        self._publishing = threading.Lock()

    def run(
        self,
        stop: threading.Event,
        poll_seconds: float = POLL_SECONDS,
        publish_seconds: float = PUBLISH_SECONDS,
        on_step: Callable[[], None] | None = None,
    ) -> None:
        """Follow the topic, and publish what is queued every `publish_seconds`, until `stop`
        (calling `on_step` after each step: the worker's health)."""
        next_publish = 0.0
        try:
            while not stop.is_set():
                self.follow(poll_seconds)
                if self.caught_up and time.monotonic() >= next_publish:
                    self.publish()
                    next_publish = time.monotonic() + publish_seconds
                if on_step is not None:
                    on_step()
        finally:
            self.close()

    def step(self, poll_seconds: float = POLL_SECONDS) -> int:
        """Apply what the topic has for us, then (once caught up) publish our changes; the
        number of records applied and published."""
        applied = self.follow(poll_seconds)
        return applied + (self.publish() if self.caught_up else 0)

    def follow(self, poll_seconds: float) -> int:
        """Apply the next records of the topic; `caught_up` once at its end."""
        consumer = self._follower()
        applied = 0
        for records in consumer.poll(timeout_ms=int(poll_seconds * 1000)).values():
            for record in records:
                if record.value:
                    self._keys.learn(json.loads(record.value))
                    applied += 1
        if not self.caught_up:
            ends = consumer.end_offsets(list(consumer.assignment()))
            self.caught_up = all(consumer.position(tp) >= end for tp, end in ends.items())
        return applied

    def send_caught_up(self) -> Callable[[], int]:
        """Send the queued key changes, if the topic has been read to its end, and wait for
        the broker's acknowledgements; the answer unqueues them. The outbox relay sends them
        before each batch of events, so that a new person's key is on the topic before their
        first event (the reporting worker learns it while the event is still on its way),
        and unqueues them after the batch is published, off the events' path."""
        sent = self._acknowledged(self._send()) if self.caught_up else []
        return lambda: self._unqueue(sent)

    def publish(self) -> int:
        """Publish this service's queued key changes; each is unqueued once acknowledged."""
        return self._unqueue(self._acknowledged(self._send()))

    def _send(self) -> list[tuple[Any, str, str]]:
        # The key loop and the relay, one at a time from reading the queue to sending: each
        # record is the key's state when read, and the producer keeps the order of sends per
        # key, so an erasure read after a key's creation always lands after it.
        with self._publishing:
            changes = self._keys.changes()
            if not changes:
                return []
            producer = self._publisher()
            return [
                (producer.send(self._topic, key=record["kid"].encode(),
                               value=canonical_json(record)), record["kid"], state)
                for record, state in changes
            ]  # fmt: skip

    def _acknowledged(self, sent: list[tuple[Any, str, str]]) -> list[tuple[str, str]]:
        if sent:
            self._publisher().flush()
        for future, _kid, _state in sent:
            future.get(timeout=30)
        return [(kid, state) for _future, kid, state in sent]

    def _unqueue(self, acknowledged: list[tuple[str, str]]) -> int:
        for kid, state in acknowledged:
            self._keys.published(kid, state)
        return len(acknowledged)

    def _follower(self) -> KafkaConsumer:
        if self._consumer is None:
            consumer = KafkaConsumer(bootstrap_servers=self._servers, enable_auto_commit=False,
                                     group_id=None, client_id="mastery-subject-keys")  # fmt: skip
            partitions = consumer.partitions_for_topic(self._topic) or set()
            if not partitions:
                consumer.close()
                raise RuntimeError(f"no partitions for {self._topic}")
            assigned = [TopicPartition(self._topic, p) for p in sorted(partitions)]
            consumer.assign(assigned)
            consumer.seek_to_beginning(*assigned)
            self._consumer = consumer
        return self._consumer

    def _publisher(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = KafkaProducer(bootstrap_servers=self._servers, acks="all",
                                           enable_idempotence=True, linger_ms=2,
                                           client_id="mastery-subject-keys")  # fmt: skip
        return self._producer

    def close(self) -> None:
        """Close the clients opened."""
        if self._consumer is not None:
            self._consumer.close()
        if self._producer is not None:
            self._producer.close()
        self._consumer = self._producer = None


def record_of(raw: bytes) -> dict[str, Any]:
    """A record's value as a dict (for tools reading the topic)."""
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("not a subject-keys record")
    return value
