"""Consumer runner: poll -> handle -> write -> commit, with retries and a dead-letter topic.

Offsets are committed only after the handler's write, so a crash redelivers;
handlers are idempotent, so redelivery changes nothing. A message that still
fails after `max_attempts` goes to `<topic>.dlt` with the error, and the
consumer carries on. Transient infrastructure errors (the database is down)
are retried without limit instead: such a message is not poison.

A runner given a position source (`rewind.py`) also rewinds its consumer when the source
says the committed offsets belong to an older epoch of the handler's output: on partition
assignment and between batches, in this loop, before the poll; each commit records its epoch.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from kafka import KafkaConsumer, KafkaProducer
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition

from shared.messaging.dead_letters import REPLAY_OF, dead_letter_topic_of
from shared.messaging.kafka_publisher import decode
from shared.messaging.rewind import PositionSource, Rewind
from shared.observability.health import Health
from shared.observability.metrics import (
    CONSUMER_FAILURES,
    CONSUMER_HANDLED,
    CONSUMER_LAG,
    CONSUMER_LAST_POLL,
    DEAD_LETTERED,
)

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
MAX_BACKOFF_SECONDS = 5.0


class DeadLetters(Protocol):
    """Parks a message that cannot be handled, with the error; returns once stored."""

    def park(self, record: Any, error: BaseException, attempts: int) -> None: ...

    def close(self) -> None: ...


class KafkaDeadLetters:
    """Writes parked messages to `<source topic>.dlt`, keeping key, value and headers."""

    def __init__(self, bootstrap_servers: str, group_id: str) -> None:
        self._group = group_id
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers, acks="all", client_id=f"{group_id}.dlt"
        )

    def park(self, record: Any, error: BaseException, attempts: int) -> None:
        headers = [
            *(record.headers or []),
            ("dlt.error", f"{type(error).__name__}: {error}".encode()[:4000]),
            ("dlt.trace", "".join(traceback.format_exception(error)).encode()[-8000:]),
            ("dlt.source", f"{record.topic}/{record.partition}/{record.offset}".encode()),
            ("dlt.group", self._group.encode()),
            ("dlt.attempts", str(attempts).encode()),
            ("dlt.time", datetime.now(UTC).isoformat().encode()),
        ]
        future = self._producer.send(
            parked_on(record), key=record.key, value=record.value, headers=headers
        )
        future.get(timeout=30)

    def close(self) -> None:
        """Flush and close the producer."""
        self._producer.close()


def parked_on(record: Any) -> str:
    """The dead-letter topic of a record: its topic's, or for a replayed dead letter (read from
    its group's replay topic) the topic it was parked on first."""
    replayed = next((v for k, v in record.headers or () if k == REPLAY_OF), None)
    try:
        first = dead_letter_topic_of(replayed.decode()) if replayed else ""
    except (UnicodeDecodeError, ValueError):  # not an id this CLI wrote
        first = ""
    return first if first.endswith(".dlt") else f"{record.topic}.dlt"


class ConsumerRunner:
    """Runs one handler over a consumer (subscribed through `subscribe`) until stopped."""

    def __init__(
        self,
        consumer: KafkaConsumer,
        handler: Handler,
        dead_letters: DeadLetters,
        *,
        max_attempts: int = 3,
        is_transient: Callable[[BaseException], bool] = lambda _: False,
        retry_seconds: float = 0.2,
        positions: PositionSource | None = None,
        health: Health | None = None,
    ) -> None:
        self._consumer = consumer
        self._group = str(consumer.config.get("group_id") or "")
        self._health = health
        self._assignment = _Assignment(None)
        self._lagging: set[TopicPartition] = set()
        self._handler = handler
        self._dead_letters = dead_letters
        self._max_attempts = max_attempts
        self._is_transient = is_transient
        self._retry_seconds = retry_seconds
        self._rewind = Rewind(consumer, positions) if positions is not None else None

    def subscribe(self, topics: Sequence[str]) -> None:
        """Subscribe the consumer to `topics`, with the rewind's listener when there is one."""
        self._assignment = _Assignment(self._rewind)
        self._consumer.subscribe(list(topics), listener=self._assignment)

    def run(self, stop: threading.Event) -> None:
        """Poll and handle until `stop` is set, then commit what was handled and close.
        An outage between batches (the database behind the position source, the broker
        refusing a commit) is waited out with backoff: the worker must outlive it, not crash."""
        backoff = self._retry_seconds
        try:
            while not stop.is_set():
                try:
                    self.poll_once(stop)
                    backoff = self._retry_seconds
                except Exception as exc:
                    if not (self._is_transient(exc) or isinstance(exc, KafkaError)):
                        raise
                    log.warning("consumer paused by an outage; retrying",
                                extra={"error": f"{type(exc).__name__}: {exc}"[:300]})  # fmt: skip
                    stop.wait(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        finally:
            self._consumer.close(autocommit=False)
            self._dead_letters.close()

    def poll_once(self, stop: threading.Event) -> int:
        """Follow the position source, handle one polled batch and commit its offsets (the
        last step); returns messages handled."""
        if self._rewind is not None:
            self._rewind.follow()
        metadata = self._rewind.metadata if self._rewind is not None else ""
        batch = self._consumer.poll(timeout_ms=200)
        done: dict[TopicPartition, OffsetAndMetadata] = {}
        handled = 0
        try:
            for partition, records in batch.items():
                for record in records:
                    if not self._handle(record, stop):
                        raise _Stopping
                    done[partition] = OffsetAndMetadata(record.offset + 1, metadata, -1)
                    handled += 1
        except _Stopping:
            pass  # what was not handled is redelivered after the restart
        except Exception:
            log.exception("consumer batch failed; rewinding to redeliver")
            self._redeliver(batch, done)
        if done:
            self._consumer.commit(done)
        self._observe()
        return handled

    def _observe(self) -> None:
        """After a poll: the metrics' last poll and lag, and the worker's health."""
        CONSUMER_LAST_POLL.labels(self._group).set_to_current_time()
        assigned = set(self._consumer.assignment())
        for partition in self._lagging - assigned:  # moved to another member
            CONSUMER_LAG.remove(self._group, partition.topic, str(partition.partition))
        self._lagging = set()
        for partition in assigned:
            highwater = self._consumer.highwater(partition)
            if highwater is None:  # not fetched yet: no position to compare without a request
                continue
            lag = max(highwater - self._consumer.position(partition), 0)
            CONSUMER_LAG.labels(self._group, partition.topic, str(partition.partition)).set(lag)
            self._lagging.add(partition)
        if self._health is not None:
            self._health.beat(f"consumer:{self._group}", ready=self._assignment.joined,
                              waiting_for="partitions from the consumer group")  # fmt: skip

    def _handle(self, record: Any, stop: threading.Event) -> bool:
        attempts = 0
        while True:
            try:
                self._handler(decode(record.value))
                CONSUMER_HANDLED.labels(self._group, record.topic).inc()
                return True
            except Exception as exc:
                CONSUMER_FAILURES.labels(self._group, record.topic).inc()
                if self._is_transient(exc):
                    log.warning("transient failure; retrying", extra={"error": str(exc)})
                    if stop.wait(self._retry_seconds):
                        return False
                    continue
                attempts += 1
                if attempts >= self._max_attempts:
                    self._park(record, exc, attempts)
                    return True

    def _park(self, record: Any, error: BaseException, attempts: int) -> None:
        log.error(
            "message dead-lettered",
            extra={"topic": record.topic, "offset": record.offset, "error": str(error)},
        )
        self._dead_letters.park(record, error, attempts)
        DEAD_LETTERED.labels(self._group, record.topic).inc()

    def _redeliver(self, batch: dict[TopicPartition, list[Any]], done: dict[Any, Any]) -> None:
        for partition, records in batch.items():
            committed = done.get(partition)
            self._consumer.seek(partition, committed.offset if committed else records[0].offset)


class _Assignment(ConsumerRebalanceListener):
    """The runner's rebalance listener: notes that the group has answered (an assignment,
    maybe of no partition: more members than partitions), after the rewind's own step."""

    def __init__(self, rewind: Rewind | None) -> None:
        self._rewind = rewind
        self.joined = False

    def on_partitions_revoked(self, revoked: Any) -> None:
        if self._rewind is not None:
            self._rewind.on_partitions_revoked(revoked)

    def on_partitions_assigned(self, assigned: Any) -> None:
        if self._rewind is not None:
            self._rewind.on_partitions_assigned(assigned)
        self.joined = True


class _Stopping(Exception):
    """Raised inside a batch when a stop request interrupts a retry."""
