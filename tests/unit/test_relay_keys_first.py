"""The outbox relay sends the subject keys a batch needs before the batch, and waits for
them after publishing it and before marking it (no I/O: the in-memory store, a list for
Kafka): a new person's key goes out no later than their first event, a batch whose keys
failed is not marked (it goes out again), and an idle relay sends nothing."""

from __future__ import annotations

import pytest

from shared.eventstore.memory_event_store import MemoryEventStore
from shared.eventstore.port import Commit
from shared.messaging.outbox_relay import OutboxRelay


class Log:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def publish(self, topic: str, messages) -> None:
        self.calls.extend(f"{topic}:{key}" for key, _ in messages)

    def keys(self):
        self.calls.append("keys")
        return lambda: self.calls.append("settled")


def commit(stream: str) -> Commit:
    event = {"id": f"{stream}-1", "type": "mastery.assessment.EngagementOpened.v2",
             "subject": stream, "streamversion": 1}  # fmt: skip
    return Commit(stream, "acme", stream, 0, (event,))


def test_the_keys_go_out_before_each_batch_and_not_when_there_is_nothing_to_send():
    store, log = MemoryEventStore(), Log()
    relay = OutboxRelay(store, log, "t", before_batch=log.keys)
    assert relay.run_once() == 0 and log.calls == []
    store.append(commit("e-1"))
    store.append(commit("e-2"))
    assert relay.run_once() == 2
    assert log.calls == ["keys", "t:e-1", "t:e-2", "settled"]
    assert store.unpublished(10) == []
    assert relay.run_once() == 0 and log.calls == ["keys", "t:e-1", "t:e-2", "settled"]


def test_a_batch_whose_keys_were_not_acknowledged_is_not_marked():
    store, log = MemoryEventStore(), Log()

    def refused():
        raise TimeoutError("the keys topic did not acknowledge")

    relay = OutboxRelay(store, log, "t", before_batch=lambda: refused)
    store.append(commit("e-1"))
    with pytest.raises(TimeoutError):
        relay.run_once()
    assert [c.stream_id for c in store.unpublished(10)] == ["e-1"]
