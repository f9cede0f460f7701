"""Outbox relay: publishes stored, unpublished commits to Kafka, then marks them.

At-least-once: a crash after publishing and before marking publishes the same
events again; consumers drop them by event id.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from shared.eventstore.port import EventStore
from shared.messaging.doorbell import DoorbellListener

log = logging.getLogger(__name__)

# With a doorbell the relay wakes on a ring; its poll is only the net for a lost one.
RUNG_POLL_SECONDS = 1.0


class Publisher(Protocol):
    """Sends (key, envelope) pairs to a topic in order; returns once all are acknowledged."""

    def publish(self, topic: str, messages: Sequence[tuple[str, dict[str, Any]]]) -> None: ...


class OutboxRelay:
    """Moves one event store's commits onto its context's topic, in stream order."""

    def __init__(
        self,
        store: EventStore,
        publisher: Publisher,
        topic: str,
        batch_size: int = 200,
        before_batch: Callable[[], Callable[[], object]] | None = None,
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._topic = topic
        self._batch_size = batch_size
        # e.g. send the subject keys the events need: called before the batch is published,
        # and what it answers called after, before the batch is marked (to wait for them)
        self._before_batch = before_batch

    def run_once(self) -> int:
        """Publish one batch of commits and mark it; returns how many events went out."""
        commits = self._store.unpublished(self._batch_size)
        if not commits:
            return 0
        settle = self._before_batch() if self._before_batch is not None else None
        messages = [(c.subject, event) for c in commits for event in c.events]
        self._publisher.publish(self._topic, messages)
        if settle is not None:
            settle()  # a failure here leaves the batch unmarked: it goes out again
        self._store.mark_published([c.id for c in commits])
        return len(messages)

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
            except Exception:
                log.exception("outbox relay failed; retrying", extra={"topic": self._topic})
                sent, backoff = 0, min(backoff * 2 or 0.1, 5.0)
            if not sent and doorbell is not None:
                doorbell.wait(max(backoff, RUNG_POLL_SECONDS))
            elif not sent:
                stop.wait(backoff)
