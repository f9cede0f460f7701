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


# A key made by an API process waits in its table for the worker's next step to publish it,
# and the reporting worker holds back each event until the keys it needs have arrived: the
# step's idle poll bounds how late a new person's events reach the read models.
POLL_SECONDS = 0.05


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

    def run(self, stop: threading.Event, poll_seconds: float = POLL_SECONDS) -> None:
        """Follow and publish until `stop` is set."""
        try:
            while not stop.is_set():
                self.step(poll_seconds)
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

    def publish_caught_up(self) -> int:
        """Publish the queued key changes if the topic has been read to its end (the outbox
        relay calls this before each batch of events, so that a new person's key is on the
        topic before their first event: the reporting worker need not wait for it)."""
        return self.publish() if self.caught_up else 0

    def publish(self) -> int:
        """Publish this service's queued key changes; each is unqueued once acknowledged."""
        with self._publishing:  # the key loop and the relay, one at a time
            return self._publish()

    def _publish(self) -> int:
        changes = self._keys.changes()
        if not changes:
            return 0
        producer = self._publisher()
        sent = [
            (producer.send(self._topic, key=record["kid"].encode(), value=canonical_json(record)),
             record["kid"], state)
            for record, state in changes
        ]  # fmt: skip
        producer.flush()
        for future, kid, state in sent:
            future.get(timeout=30)
            self._keys.published(kid, state)
        return len(sent)

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
