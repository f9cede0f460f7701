"""After a rebuild switches generations, the live reporting worker re-applies into the new
generation whatever it had consumed beyond the offsets the rebuild reached: between batches
when the switch comes while it runs, on assignment when a worker is assigned partitions whose
commits are of the old generation."""

from __future__ import annotations

import threading
import time

import pytest
from kafka import KafkaConsumer
from kafka.structs import TopicPartition
from pymongo.errors import AutoReconnect

from services.reporting.projections.read_models import ReadModels, switch_to
from services.reporting.projector import Projector
from services.reporting.worker import LiveProjector
from shared.messaging.consumer_runner import ConsumerRunner, KafkaDeadLetters
from shared.messaging.kafka_publisher import decode
from shared.messaging.rewind import Rewind
from shared.worker import await_partitions
from tests.integration.kafka_helpers import wait_until
from tests.integration.story import publish_story, reader
from tests.read_models import everything


def rebuild_up_to_half(config, database) -> list[dict]:
    """A rebuild that stopped halfway through each partition: generation 1 holds the first
    half; returns the offsets it reached (as the switch records them)."""
    projector = Projector(database, generation=1)
    projector.setup()
    consumer, partitions = reader(config)
    try:
        cut = {p: end // 2 for p, end in consumer.end_offsets(partitions).items()}
        while any(consumer.position(p) < cut[p] for p in partitions):
            for partition, records in consumer.poll(timeout_ms=500).items():
                for record in records:
                    if record.offset < cut[partition]:
                        projector(decode(record.value))
        return [{"topic": p.topic, "partition": p.partition, "offset": cut[p]} for p in cut]
    finally:
        consumer.close()


def documents(models: ReadModels) -> dict[str, list]:
    return everything(models)


def group_consumer(config) -> tuple[KafkaConsumer, list[str]]:
    """A consumer in the test's group, as the worker makes it, and the topics it reads."""
    consumer = KafkaConsumer(bootstrap_servers=config.kafka_bootstrap_servers,
                             group_id=config.group_id, enable_auto_commit=False,
                             auto_offset_reset="earliest")  # fmt: skip
    topics = [config.topic("assessment"), config.topic("kpi")]
    await_partitions(consumer, topics)
    return consumer, topics


class Worker:
    """A live reporting worker's consumer runner, in the test's group, polled by the test."""

    def __init__(self, config, database) -> None:
        self.consumer, topics = group_consumer(config)
        self.dead_letters = KafkaDeadLetters(config.kafka_bootstrap_servers, config.group_id)
        live = LiveProjector(database)
        self.runner = ConsumerRunner(self.consumer, live, self.dead_letters, positions=live)
        self.runner.subscribe(topics)
        self.stop = threading.Event()

    def poll_until(self, done, seconds: float = 90.0) -> int:
        """Poll until `done(handled so far)` or the deadline (a group join under load can
        take several polls); returns how many messages were handled."""
        handled, deadline = 0, time.monotonic() + seconds
        while time.monotonic() < deadline:
            handled += self.runner.poll_once(self.stop)
            if done(handled):
                break
        return handled

    def close(self) -> None:
        self.consumer.close(autocommit=False)
        self.dead_letters.close()


def test_the_live_worker_reapplies_what_came_after_the_rebuilds_offsets(config, database):
    sent = publish_story(config)
    offsets = rebuild_up_to_half(config, database)
    worker = Worker(config, database)
    live_models, rebuilt = ReadModels(database, 0), ReadModels(database, 1)
    try:  # the live worker consumes everything into generation 0
        assert worker.poll_until(lambda handled: handled >= sent) == sent
        assert documents(rebuilt) != documents(live_models)  # the rebuild stopped halfway

        switch_to(database, 1, offsets)  # seen between batches: rewinds, re-applies
        worker.poll_until(lambda _: documents(rebuilt) == documents(live_models))
        assert documents(rebuilt) == documents(live_models)
    finally:
        worker.close()


def test_a_worker_assigned_partitions_after_a_switch_rewinds_them_before_reading(config, database):
    sent = publish_story(config)
    offsets = rebuild_up_to_half(config, database)
    first = Worker(config, database)
    try:  # everything consumed into generation 0 and committed, then the worker stops
        assert first.poll_until(lambda handled: handled >= sent) == sent
    finally:
        first.close()
    live_models, rebuilt = ReadModels(database, 0), ReadModels(database, 1)
    assert documents(rebuilt) != documents(live_models)

    switch_to(database, 1, offsets)
    second = Worker(config, database)  # its partitions come with generation 0's commits
    try:
        handled = second.poll_until(lambda _: documents(rebuilt) == documents(live_models))
        assert documents(rebuilt) == documents(live_models)
        assert handled == sent - sum(o["offset"] for o in offsets)  # from the rebuild's offsets
    finally:
        second.close()


class Assigned:
    """A consumer with one assigned partition at offset 25 (the worker read past the rebuild)."""

    def __init__(self, topic: str) -> None:
        self.partition = TopicPartition(topic, 0)
        self.at, self.seeks = 25, []

    def assignment(self):
        return {self.partition}

    def position(self, _partition):
        return self.at

    def seek(self, _partition, offset):
        self.seeks.append(offset)
        self.at = offset


def test_an_outage_during_the_switch_does_not_skip_the_rewind(config, database, monkeypatch):
    topic = config.topic("kpi")
    live, consumer = LiveProjector(database), Assigned(topic)
    rewind = Rewind(consumer, live)  # type: ignore[arg-type]
    rewind.follow()  # the worker reads generation 0
    switch_to(database, 1, [{"topic": topic, "partition": 0, "offset": 10}])
    real_setup, failures = Projector.setup, [AutoReconnect("database stalled")]

    def flaky_setup(self):
        if failures:
            raise failures.pop()
        real_setup(self)

    monkeypatch.setattr(Projector, "setup", flaky_setup)
    with pytest.raises(AutoReconnect):
        rewind.follow()  # the runner waits this out and calls again
    assert rewind.metadata == "epoch=0"  # commits still say the old generation
    rewind.follow()
    assert consumer.seeks == [10] and rewind.metadata == "epoch=1"


class Running:
    """A live reporting worker running its loop in a thread, as the worker process does,
    counting what it handled."""

    def __init__(self, config, database) -> None:
        self.consumer, topics = group_consumer(config)
        live, self.handled = LiveProjector(database), 0

        def counted(envelope):
            live(envelope)
            self.handled += 1

        dead_letters = KafkaDeadLetters(config.kafka_bootstrap_servers, config.group_id)
        transient = lambda exc: isinstance(exc, AutoReconnect)  # noqa: E731
        self.runner = ConsumerRunner(self.consumer, counted, dead_letters, positions=live,
                                     is_transient=transient)  # fmt: skip
        self.runner.subscribe(topics)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.runner.run, args=(self.stop,), daemon=True)
        self.thread.start()

    def assignment(self) -> set:
        return set(self.consumer.assignment()) if self.thread.is_alive() else set()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=60)


def test_two_workers_each_rewind_their_own_partitions_after_a_switch(config, database):
    sent = publish_story(config)
    offsets = rebuild_up_to_half(config, database)
    live_models, rebuilt = ReadModels(database, 0), ReadModels(database, 1)
    workers = [Running(config, database), Running(config, database)]
    try:  # the group shares the partitions, and both consume their share into generation 0
        assert wait_until(lambda: all(w.assignment() for w in workers)
                          and sum(w.handled for w in workers) >= sent, 90)  # fmt: skip
        assert documents(rebuilt) != documents(live_models)

        switch_to(database, 1, offsets)  # each worker rewinds what it reads, not the first only
        assert wait_until(lambda: documents(rebuilt) == documents(live_models), 90)
    finally:
        for w in workers:
            w.close()


def test_partitions_moving_to_a_worker_that_joins_after_a_switch_are_rewound(config, database):
    """A rebalance between running workers: the first consumed everything into generation 0
    and committed it; the switch comes; a second joins at once and takes some of the partitions,
    before or after the first has sought them back. Wherever a partition lands, it is rewound."""
    sent = publish_story(config)
    offsets = rebuild_up_to_half(config, database)
    live_models, rebuilt = ReadModels(database, 0), ReadModels(database, 1)
    first = Running(config, database)
    workers = [first]
    try:
        assert wait_until(lambda: first.handled >= sent, 90)
        switch_to(database, 1, offsets)
        workers.append(Running(config, database))
        assert wait_until(lambda: all(w.assignment() for w in workers), 90)
        assert wait_until(lambda: documents(rebuilt) == documents(live_models), 90)
        assert sum(w.handled for w in workers) >= sent + sent - sum(o["offset"] for o in offsets)
    finally:
        for w in workers:
            w.close()
