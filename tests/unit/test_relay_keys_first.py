"""The outbox relay publishes the subject keys a batch needs before the batch (no I/O: the
in-memory store, a list for Kafka): a new person's key is on the keys topic before their
first event, so the reporting worker need not wait for it; an idle relay publishes nothing."""

from __future__ import annotations

from shared.eventstore.memory_event_store import MemoryEventStore
from shared.eventstore.port import Commit
from shared.messaging.outbox_relay import OutboxRelay


class Log:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def publish(self, topic: str, messages) -> None:
        self.calls.extend(f"{topic}:{key}" for key, _ in messages)

    def keys(self) -> int:
        self.calls.append("keys")
        return 1


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
    assert log.calls == ["keys", "t:e-1", "t:e-2"]
    assert relay.run_once() == 0 and log.calls == ["keys", "t:e-1", "t:e-2"]
