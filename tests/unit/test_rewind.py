"""The consumer's rewind after an epoch change: which partitions to seek where (a pure
decision), and the rewind's steps over a consumer double (no broker)."""

from __future__ import annotations

from kafka.structs import OffsetAndMetadata, TopicPartition

from shared.messaging.rewind import Epoch, Read, Rewind, epoch_of, metadata_for, seeks

P0, P1, P2 = (TopicPartition("t", n) for n in range(3))


def test_a_partition_read_in_an_older_epoch_past_the_new_start_is_sought_back():
    assert seeks({P0: Read(25, 0)}, Epoch(1, {P0: 10})) == {P0: 10}


def test_a_partition_read_in_the_current_epoch_stays():
    assert seeks({P0: Read(25, 1)}, Epoch(1, {P0: 10})) == {}


def test_a_partition_not_yet_read_as_far_as_the_new_start_stays():
    assert seeks({P0: Read(10, 0), P1: Read(4, 0)}, Epoch(1, {P0: 10, P1: 7})) == {}


def test_a_commit_of_unknown_epoch_counts_as_older():
    assert seeks({P0: Read(25, None)}, Epoch(1, {P0: 10})) == {P0: 10}


def test_a_partition_the_epoch_names_no_start_for_stays():
    assert seeks({P0: Read(25, 0)}, Epoch(1, {P1: 10})) == {}


def test_each_partition_is_decided_on_its_own():
    reading = {P0: Read(25, 0), P1: Read(30, 2), P2: Read(3, None)}
    assert seeks(reading, Epoch(2, {P0: 10, P1: 12, P2: 1})) == {P0: 10, P2: 1}


def test_the_commit_metadata_records_the_epoch():
    assert epoch_of(metadata_for(7)) == 7
    assert metadata_for(None) == "" and epoch_of("") is None
    assert epoch_of(None) is None and epoch_of("epoch=x") is None and epoch_of("other") is None


class Consumer:
    """The consumer calls the rewind makes, over assigned partitions held in memory."""

    def __init__(self, committed: dict[TopicPartition, OffsetAndMetadata]) -> None:
        self.positions = {p: c.offset for p, c in committed.items()}
        self.commits, self.paused, self.seeks = committed, set(), []

    def assignment(self):
        return set(self.positions)

    def position(self, partition):
        return self.positions[partition]

    def committed(self, partition, metadata=False):
        assert metadata
        return self.commits.get(partition)

    def seek(self, partition, offset):
        self.seeks.append((partition, offset))
        self.positions[partition] = offset

    def pause(self, *partitions):
        self.paused |= set(partitions)

    def resume(self, *partitions):
        self.paused -= set(partitions)


class Source:
    def __init__(self, epoch: Epoch) -> None:
        self.epoch = epoch

    def current(self) -> Epoch:
        return self.epoch


def test_assigned_partitions_are_held_until_their_commits_are_read_then_rewound():
    consumer = Consumer({P0: OffsetAndMetadata(25, "epoch=0", -1),
                         P1: OffsetAndMetadata(25, "epoch=1", -1)})  # fmt: skip
    rewind = Rewind(consumer, Source(Epoch(1, {P0: 10, P1: 10})))  # type: ignore[arg-type]
    rewind.on_partitions_assigned([P0, P1])
    assert consumer.paused == {P0, P1} and consumer.seeks == []
    rewind.follow()
    assert consumer.seeks == [(P0, 10)] and consumer.paused == set()
    assert rewind.metadata == "epoch=1"


def test_a_new_epoch_between_batches_rewinds_the_partitions_being_read():
    consumer = Consumer({P0: OffsetAndMetadata(25, "epoch=0", -1)})
    source = Source(Epoch(0))
    rewind = Rewind(consumer, source)  # type: ignore[arg-type]
    rewind.follow()
    assert consumer.seeks == [] and rewind.metadata == "epoch=0"
    source.epoch = Epoch(1, {P0: 10})
    rewind.follow()
    assert consumer.seeks == [(P0, 10)] and rewind.metadata == "epoch=1"
    rewind.follow()
    assert consumer.seeks == [(P0, 10)]  # once


def test_a_partition_revoked_before_it_was_followed_is_forgotten():
    consumer = Consumer({})
    rewind = Rewind(consumer, Source(Epoch(1, {P0: 10})))  # type: ignore[arg-type]
    rewind.on_partitions_assigned([P0])
    rewind.on_partitions_revoked([P0])
    rewind.follow()
    assert consumer.seeks == []
