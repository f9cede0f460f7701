"""Outbox relay: publishes stored, unpublished commits to Kafka, then marks them.

At-least-once: a crash after publishing and before marking publishes the same
events again; consumers drop them by event id.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from shared.eventstore.port import EventStore
from shared.messaging.doorbell import DoorbellListener
from shared.observability.metrics import (
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_AGE,
    RELAY_EVENTS,
    RELAY_PUBLISH,
)

log = logging.getLogger(__name__)

# With a doorbell the relay wakes on a ring; its poll is only the net for a lost one.
RUNG_POLL_SECONDS = 1.0


class Publisher(Protocol):
    """Sends (key, envelope) pairs to a topic in order; returns once all are acknowledged."""

    def publish(self, topic: str, messages: Sequence[tuple[str, dict[str, Any]]]) -> None: ...


class Fenced(Exception):
    """The relay's lease was taken over: it must stop publishing."""


class OutboxRelay:
    """Moves one event store's commits onto its context's topic, in stream order."""

    def __init__(
        self,
        store: EventStore,
        publisher: Publisher,
        topic: str,
        batch_size: int = 200,
        before_batch: Callable[[], Callable[[], object]] | None = None,
        service: str = "",
        on_pass: Callable[[], None] | None = None,
        fence: Callable[[], bool] | None = None,
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._topic = topic
        self._batch_size = batch_size
        # e.g. send the subject keys the events need: called before the batch is published,
        # and what it answers called after, before the batch is marked (to wait for them)
        self._before_batch = before_batch
        self._service = service or topic  # the metrics' service label
        self._on_pass = on_pass  # e.g. the worker's health: the relay is making progress
        # e.g. its lease still held (shared/messaging/lease.py), checked before publishing
        self._fence = fence

    def run_once(self) -> int:
        """Publish one batch of commits and mark it; returns how many events went out."""
        commits = self._store.unpublished(self._batch_size)
        if not commits:
            self._observe_backlog()
            return 0
        if self._fence is not None and not self._fence():
            raise Fenced(f"the relay of {self._topic} lost its lease: another relay publishes")
        settle = self._before_batch() if self._before_batch is not None else None
        messages = [(c.subject, event) for c in commits for event in c.events]
        began = time.perf_counter()
        self._publisher.publish(self._topic, messages)
        if settle is not None:
            settle()  # a failure here leaves the batch unmarked: it goes out again
        RELAY_PUBLISH.labels(self._service, self._topic).observe(time.perf_counter() - began)
        RELAY_EVENTS.labels(self._service, self._topic).inc(len(messages))
        self._store.mark_published([c.id for c in commits])
        self._observe_backlog()
        return len(messages)

    def _observe_backlog(self) -> None:
        backlog = self._store.backlog()
        if backlog is not None:
            OUTBOX_BACKLOG.labels(self._service).set(backlog.commits)
            age = (datetime.now(UTC) - backlog.oldest).total_seconds() if backlog.oldest else 0
            OUTBOX_OLDEST_AGE.labels(self._service).set(max(age, 0.0))

    def run(
        self,
        stop: threading.Event,
        poll_seconds: float = 0.05,
        doorbell: DoorbellListener | None = None,
    ) -> None:
        """Relay until `stop` is set; errors are logged and retried with backoff. With a
        doorbell an idle relay wakes as soon as a writer rings, and polls only every
        RUNG_POLL_SECONDS (for a lost ring); without one it polls every `poll_seconds`."""
        backoff = poll_seconds
        while not stop.is_set():
            try:
                sent = self.run_once()
                backoff = poll_seconds
                if self._on_pass is not None:
                    self._on_pass()
            except Fenced:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying", extra={"topic": self._topic})
                sent, backoff = 0, min(backoff * 2 or 0.1, 5.0)
            if not sent and doorbell is not None:
                doorbell.wait(max(backoff, RUNG_POLL_SECONDS))
            elif not sent:
                stop.wait(backoff)
