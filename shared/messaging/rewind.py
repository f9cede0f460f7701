"""The consumer's rewind: reading again from where an outside record of positions says, when
the group's committed offsets were written in an older epoch of the handler's output.

An epoch is a numbered era of what the handler writes into (the reporting read models'
generation) with the offsets from which it must be fed: a rebuild filled the new epoch up to
them. Each commit carries the epoch its batch was written in (the commit's metadata), so a
partition's epoch is known wherever it is next read, by this process or by another.

The runner follows the position source at two points, never inside a handler:
- on partition assignment: the rebalance listener pauses each newly assigned partition (the
  listener runs on the consumer's IO loop, where blocking reads must not happen), and the
  runner, before its next poll, reads the partition's commit, seeks it back if the commit is
  of an older epoch, then resumes it; nothing was fetched from it in between;
- between batches: when the source names a new epoch, each assigned partition read past the
  new epoch's start offset is sought back to it.
Rewinding too far only re-applies (handlers are idempotent); skipping would lose events, so a
commit with no epoch (made before commits carried one) counts as older.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from kafka import KafkaConsumer
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.structs import TopicPartition

PREFIX = "epoch="


@dataclass(frozen=True)
class Epoch:
    """The epoch the handler writes into now, and the offset (next to read) from which each
    partition must be fed into it; a partition not named needs no rewind."""

    number: int
    starts: Mapping[TopicPartition, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Read:
    """How far a partition was read (the next offset) and in which epoch (None: unknown)."""

    offset: int
    epoch: int | None


class PositionSource(Protocol):
    """Port: the epoch the handler writes into now. Asked by the runner between batches, in
    its own thread, before each poll; it may raise a transient error (the runner waits it
    out and asks again). It must switch its handler to the epoch it answers before it
    answers: the runner labels the next commits with it."""

    def current(self) -> Epoch: ...


def seeks(reading: Mapping[TopicPartition, Read], epoch: Epoch) -> dict[TopicPartition, int]:
    """Where to seek each partition read in an older (or unknown) epoch beyond where the
    current epoch starts; the others stay where they are."""
    return {
        partition: epoch.starts[partition]
        for partition, read in reading.items()
        if partition in epoch.starts
        and (read.epoch is None or read.epoch < epoch.number)
        and epoch.starts[partition] < read.offset
    }


def metadata_for(epoch: int | None) -> str:
    """The commit metadata that records `epoch` ("" when the runner follows no source)."""
    return "" if epoch is None else f"{PREFIX}{epoch}"


def epoch_of(metadata: str | None) -> int | None:
    """The epoch a commit's metadata records, None if it records none."""
    if not metadata or not metadata.startswith(PREFIX):
        return None
    try:
        return int(metadata[len(PREFIX) :])
    except ValueError:
        return None


class Rewind(ConsumerRebalanceListener):
    """Follows a position source for one consumer: its rebalance listener, and the step the
    runner takes between batches (`follow`)."""

    def __init__(self, consumer: KafkaConsumer, source: PositionSource) -> None:
        self._consumer = consumer
        self._source = source
        self._epoch: int | None = None  # the epoch every followed partition is read in
        self._assigned: set[TopicPartition] = set()  # assigned, paused, not yet followed

    @property
    def metadata(self) -> str:
        """The metadata of the commits of the batch polled after `follow`."""
        return metadata_for(self._epoch)

    def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        """Hold the new partitions until the runner has read their commits (no I/O here)."""
        added = set(assigned)
        self._consumer.pause(*added)
        self._assigned |= added

    def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        """Forget partitions given up before they were followed."""
        self._assigned -= set(revoked)

    def follow(self) -> None:
        """Seek what must be read again into the current epoch; resume the new partitions.
        Everything is read before anything moves, and the epoch is taken last, so a failure
        part-way leaves the same step to do again."""
        epoch = self._source.current()
        assignment = self._consumer.assignment()
        held = self._assigned & assignment
        reading = {p: self._committed(p) for p in held}
        if self._epoch is not None and epoch.number != self._epoch:
            reading |= {p: Read(self._consumer.position(p), self._epoch) for p in assignment - held}
        for partition, offset in seeks(reading, epoch).items():
            self._consumer.seek(partition, offset)
        self._epoch = epoch.number
        if held:
            self._consumer.resume(*held)
            self._assigned -= held

    def _committed(self, partition: TopicPartition) -> Read:
        committed = self._consumer.committed(partition, metadata=True)
        if committed is None:
            return Read(-1, None)  # nothing committed: read from the start, nothing to seek
        return Read(committed.offset, epoch_of(committed.metadata))
