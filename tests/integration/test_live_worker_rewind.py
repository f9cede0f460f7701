"""After a rebuild switches generations, the live reporting worker re-applies into the new
generation whatever it had consumed beyond the offsets the rebuild reached."""

from __future__ import annotations

import threading

import pytest
from kafka import KafkaConsumer
from kafka.structs import TopicPartition
from pymongo.errors import AutoReconnect

from services.reporting.projections.read_models import ReadModels, switch_to
from services.reporting.projector import Projector
from services.reporting.worker import LiveProjector
from shared.messaging.consumer_runner import ConsumerRunner, KafkaDeadLetters
from shared.messaging.kafka_publisher import decode
from shared.worker import await_partitions
from tests.integration.story import publish_story, reader


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
    return {n.split("_", 1)[1]: list(models.database[n].find().sort("_id", 1))
            for n in models.names()}  # fmt: skip


def test_the_live_worker_reapplies_what_came_after_the_rebuilds_offsets(config, database):
    sent = publish_story(config)
    offsets = rebuild_up_to_half(config, database)
    live = LiveProjector(database)
    consumer = KafkaConsumer(bootstrap_servers=config.kafka_bootstrap_servers,
                             group_id=config.group_id, enable_auto_commit=False,
                             auto_offset_reset="earliest")  # fmt: skip
    topics = [config.topic("assessment"), config.topic("kpi")]
    await_partitions(consumer, topics)
    consumer.subscribe(topics)
    dead_letters = KafkaDeadLetters(config.kafka_bootstrap_servers, config.group_id)
    runner = ConsumerRunner(consumer, live, dead_letters, before_poll=live.before_poll)
    stop = threading.Event()
    try:
        handled = 0
        for _ in range(200):  # the live worker consumes everything into generation 0
            handled += runner.poll_once(stop)
            if handled >= sent:
                break
        assert handled == sent
        live_models, rebuilt = ReadModels(database, 0), ReadModels(database, 1)
        assert documents(rebuilt) != documents(live_models)  # the rebuild stopped halfway

        switch_to(database, 1, offsets)
        for _ in range(200):  # sees the switch, rewinds, re-applies the second halves
            runner.poll_once(stop)
            if documents(rebuilt) == documents(live_models):
                break
        assert documents(rebuilt) == documents(live_models)
    finally:
        consumer.close()
        dead_letters.close()


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
    switch_to(database, 1, [{"topic": topic, "partition": 0, "offset": 10}])
    real_setup, failures = Projector.setup, [AutoReconnect("database stalled")]

    def flaky_setup(self):
        if failures:
            raise failures.pop()
        real_setup(self)

    monkeypatch.setattr(Projector, "setup", flaky_setup)
    live, consumer = LiveProjector(database), Assigned(topic)
    with pytest.raises(AutoReconnect):
        live.before_poll(consumer)  # the runner waits this out and calls again
    live.before_poll(consumer)
    assert consumer.seeks == [10]
