"""The private part of a service's events, indexed for the subject-access export.

A write service's private fields (the kpi service's session private notes) stay in its own
store: they never reach its event topic, so the assessment service, which answers the export,
cannot find them there. The service's worker follows its own topic and, for each event of a
type with private personal fields, loads the stored event with its private part and publishes
one record per person on the services' subject-index topic (`mastery.subject-index`,
compacted, keyed by the person's ref and the event id): the event's coordinates and the
person's private values, sealed exactly as stored (shared/privacy/subject_index.py
private_records). Nothing is opened on the way: the values read as the person's key allows,
so an erased person's records open to nothing, as their stored events do. Redelivery
publishes the same keys again, which the index adds once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from shared.domain.aggregate import DomainEvent
from shared.events.envelope import event_name
from shared.eventstore.port import EventStore
from shared.messaging.outbox_relay import Publisher
from shared.privacy.subject_index import private_records


def private_personal(events: Iterable[type[DomainEvent]]) -> frozenset[str]:
    """The names of the event types with a private field that is personal."""
    return frozenset(
        e.NAME for e in events
        if {p.path.split(".")[0].removesuffix("[]") for p in e.PERSONAL} & set(e.PRIVATE)
    )  # fmt: skip


class PrivateIndex:
    """Publishes the private records of one service's events (a consumer's handler)."""

    def __init__(
        self,
        store: EventStore,
        publisher: Publisher,
        topic: str,
        service: str,
        names: Sequence[str] | frozenset[str],
    ) -> None:
        self._store, self._publisher, self._topic = store, publisher, topic
        self._service, self._names = service, frozenset(names)

    def handle(self, envelope: dict[str, Any]) -> None:
        """Publish the records of one event of the service's topic (a consumer's handler)."""
        self.publish(envelope)

    def publish(self, envelope: Mapping[str, Any]) -> int:
        """Publish the records of one event of the service's topic; how many."""
        if event_name(str(envelope["type"])) not in self._names:
            return 0
        stored = [e for e in self._store.load(str(envelope["streamid"]))
                  if e["id"] == envelope["id"]]  # fmt: skip
        if not stored:  # not in this store (its database was reset, not its topic)
            return 0
        messages = private_records(stored[0], self._service)
        if messages:
            self._publisher.publish(self._topic, messages)
        return len(messages)
