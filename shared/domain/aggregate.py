"""Event-sourced aggregates: state changes only by applying past-tense events."""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Self

from shared.domain.personal import Personal
from shared.events.envelope import GENESIS_HASH


@dataclasses.dataclass(frozen=True)
class DomainEvent:
    """A fact, named in the past tense; subclasses are frozen dataclasses."""

    NAME: ClassVar[str]
    VERSION: ClassVar[int] = 1
    # Fields kept in the owning service's store only: never published, outside the hash chain.
    PRIVATE: ClassVar[tuple[str, ...]] = ()
    # Personal fields (published or private), sealed with their person's key on save and
    # opened on load (shared/privacy/sealing.py): erasing the person destroys the key.
    PERSONAL: ClassVar[tuple[Personal, ...]] = ()

    def to_data(self) -> dict[str, Any]:
        """The event's payload as JSON-ready data (private fields included)."""
        return _to_data(self)

    def split_data(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(published data, private data) of the event."""
        data = self.to_data()
        private = {k: data.pop(k) for k in self.PRIVATE}
        return data, private

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild the event from its payload (nested dataclasses included)."""
        return typing.cast(Self, _from_data(cls, data))


def _to_data(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_to_data(v) for v in value]
    return value


def _from_data(kind: Any, value: Any) -> Any:
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        hints, fields = _shape(kind)
        return kind(**{k: _from_data(hints[k], v) for k, v in value.items() if k in fields})
    origin = typing.get_origin(kind)
    if origin is tuple and isinstance(value, list):
        item = typing.get_args(kind)[0]
        return tuple(_from_data(item, v) for v in value)
    if origin in (typing.Union, types.UnionType) and value is not None:
        candidates = [a for a in typing.get_args(kind) if a is not type(None)]
        return _from_data(candidates[0], value) if len(candidates) == 1 else value
    return value


@functools.cache
def _shape(kind: type) -> tuple[dict[str, Any], frozenset[str]]:
    """A dataclass's resolved type hints and init fields, worked out once per class (resolving
    string annotations is most of the cost of replaying a stream otherwise)."""
    fields = frozenset(f.name for f in dataclasses.fields(kind) if f.init)
    return typing.get_type_hints(kind), fields


Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def sealed_since(*names: str) -> dict[tuple[str, int], Upcaster]:
    """Upcasters of events whose v2 only seals their personal fields: a v1 payload, stored
    before sealing, reads as it is (README, Privacy: what stays readable of it)."""
    return {(name, 1): dict for name in names}


class Aggregate:
    """Base of every aggregate: a stream of events, a version, the last event's hash."""

    CONTEXT: ClassVar[str]
    EVENTS: ClassVar[tuple[type[DomainEvent], ...]] = ()
    # (name, old version) -> function lifting the payload one version up
    UPCASTERS: ClassVar[Mapping[tuple[str, int], Upcaster]] = {}
    # False: the stream stays in its service's store, no event of it reaches a topic (the
    # repository stores its commits with no outbox entry); its types are in no catalogue.
    PUBLISHED: ClassVar[bool] = True

    def __init__(self, stream_id: str) -> None:
        self.stream_id = stream_id
        self.version = 0
        self.tenant = ""
        self.last_hash = GENESIS_HASH
        self.pending: list[DomainEvent] = []

    @property
    def subject(self) -> str:
        """The engagement id that keys this aggregate's events on Kafka."""
        raise NotImplementedError

    def record(self, event: DomainEvent) -> None:
        """Apply a new event and keep it to be stored."""
        self.apply(event)
        self.pending.append(event)

    def apply(self, event: DomainEvent) -> None:
        """Change state by one event: dispatches to `on_<EventName>`."""
        getattr(self, f"on_{event.NAME}")(event)

    @classmethod
    def replay(cls, stream_id: str, envelopes: Iterable[Mapping[str, Any]]) -> Self:
        """Rebuild the aggregate from its stored envelopes, in version order."""
        aggregate = cls(stream_id)
        for envelope in envelopes:
            aggregate.apply(cls.event_from(envelope))
            aggregate.version = int(envelope["streamversion"])
            aggregate.tenant = str(envelope["tenant"])
            aggregate.last_hash = str(envelope["hash"])
        return aggregate

    @classmethod
    def event_from(cls, envelope: Mapping[str, Any]) -> DomainEvent:
        """Decode an envelope into this aggregate's event class, upcasting old versions."""
        name, version = _name_and_version(str(envelope["type"]))
        data = dict(envelope["data"]) | dict(envelope.get("private") or {})
        by_name = {e.NAME: e for e in cls.EVENTS}
        while version < by_name[name].VERSION:
            data = cls.UPCASTERS[(name, version)](data)
            version += 1
        return by_name[name].from_data(data)


def _name_and_version(event_type: str) -> tuple[str, int]:
    *_, name, version = event_type.split(".")
    return name, int(version.removeprefix("v"))
