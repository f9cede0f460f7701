"""Outbox relay and consumer runner on the real broker and the real MongoDB-wire server."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from kafka import KafkaConsumer, KafkaProducer
from pymongo.errors import AutoReconnect, ConnectionFailure

from services.assessment.domain.engagement import Engagement, OpenEngagement, Person
from services.reporting.projections.paged_rows import PagedRows
from services.reporting.projector import Projector
from shared.events.envelope import EventContext
from shared.eventstore.mongo_event_store import MongoEventStore
from shared.eventstore.port import EventStore
from shared.eventstore.repository import Repository
from shared.messaging.consumer_runner import ConsumerRunner, KafkaDeadLetters
from shared.messaging.doorbell import Doorbell, DoorbellListener
from shared.messaging.kafka_publisher import KafkaPublisher, decode
from shared.messaging.outbox_relay import OutboxRelay
from shared.messaging.rewind import Epoch
from shared.messaging.topics import all_topics
from shared.worker import await_partitions
from tests.integration.kafka_helpers import read_topic, wait_until
from tests.privacy import protection

PROTECTION = protection("assessment")


def open_engagements(store: EventStore, count: int) -> list[str]:
    repo = Repository(store, Engagement, PROTECTION)
    ids = []
    for n in range(count):
        command = OpenEngagement(
            engagement_id=f"eng-{n}",
            organisation="acme",
            executive=Person(f"x{n}", "Alex"),
            coach=Person("c1", "Casey"),
            manager=Person("m1", "Dana"),
            programme="Personal mastery",
            start_date=date(2026, 1, 5),
        )
        repo.save(Engagement.open(command), EventContext("acme", "c1", f"corr-{n}"))
        ids.append(command.engagement_id)
    return ids


@pytest.fixture
def store(mongo_db) -> MongoEventStore:
    store = MongoEventStore(mongo_db)
    store.setup()
    return store


@pytest.fixture
def publisher(config):
    publisher = KafkaPublisher(config.kafka_bootstrap_servers)
    yield publisher
    publisher.close()


def test_topics_are_created_with_partitions_and_kept_forever(config):
    consumer = KafkaConsumer(bootstrap_servers=config.kafka_bootstrap_servers)
    try:
        for topic in all_topics(config):
            assert len(consumer.partitions_for_topic(topic) or ()) == config.topic_partitions
    finally:
        consumer.close()


def test_relay_publishes_exactly_the_stored_events_in_stream_order(config, store, publisher):
    ids = open_engagements(store, 5)
    stored = [e for i in ids for e in store.load(Engagement.stream_for(i))]
    relay = OutboxRelay(store, publisher, config.topic("assessment"), batch_size=2)
    while relay.run_once():
        pass
    assert store.unpublished() == []
    records = read_topic(config.kafka_bootstrap_servers, config.topic("assessment"), len(stored))
    assert sorted(decode(r.value)["id"] for r in records) == sorted(e["id"] for e in stored)
    assert {r.key.decode() for r in records} == set(ids)
    assert all(
        decode(r.value) == next(e for e in stored if e["id"] == decode(r.value)["id"])
        for r in records
    )


def test_relay_keeps_each_streams_order_on_its_partition(config, store, publisher):
    [engagement_id] = open_engagements(store, 1)
    repo = Repository(store, Engagement, PROTECTION)
    engagement = repo.get("acme", Engagement.stream_for(engagement_id))
    for _ in range(4):  # more events on the same stream, each its own commit
        engagement.record(Engagement.event_from(store.load(engagement.stream_id)[0]))
        repo.save(engagement, EventContext("acme", "c1", "again"))
    OutboxRelay(store, publisher, config.topic("assessment")).run_once()
    records = read_topic(config.kafka_bootstrap_servers, config.topic("assessment"), 5)
    assert len({r.partition for r in records}) == 1
    assert [decode(r.value)["streamversion"] for r in records] == [1, 2, 3, 4, 5]


class CrashBeforeMark(MongoEventStore):
    """The relay's process dies after the broker acknowledged and before the mark."""

    def mark_published(self, commit_ids):
        raise RuntimeError("relay crashed before marking")


def run_projector(config, mongo_db, stop: threading.Event, positions=None) -> threading.Thread:
    consumer = KafkaConsumer(
        bootstrap_servers=config.kafka_bootstrap_servers, group_id=config.group_id,
        enable_auto_commit=False, auto_offset_reset="earliest",
    )  # fmt: skip
    await_partitions(consumer, [config.topic("assessment")])
    projector = Projector(mongo_db)
    projector.setup()
    runner = ConsumerRunner(
        consumer, projector, KafkaDeadLetters(config.kafka_bootstrap_servers, config.group_id),
        is_transient=lambda exc: isinstance(exc, ConnectionFailure), retry_seconds=0.01,
        positions=positions,
    )  # fmt: skip
    runner.subscribe([config.topic("assessment")])
    thread = threading.Thread(target=runner.run, args=(stop,))
    thread.start()
    return thread


class Outage:
    """A position source whose database is down for its first `calls` calls."""

    def __init__(self, calls: int, error: Exception) -> None:
        self.left, self.error = calls, error

    def current(self) -> Epoch:
        if self.left > 0:
            self.left -= 1
            raise self.error
        return Epoch(0)


def test_a_consumer_waits_out_a_database_outage_between_batches(config, store, publisher, mongo_db):
    [engagement_id] = open_engagements(store, 1)
    OutboxRelay(store, publisher, config.topic("assessment")).run_once()
    outage = Outage(4, AutoReconnect("connection closed"))
    stop = threading.Event()
    thread = run_projector(config, mongo_db, stop, outage)
    try:
        assert wait_until(lambda: mongo_db.g0_engagements.find_one({"_id": engagement_id}))
        assert outage.left == 0 and thread.is_alive()
    finally:
        stop.set()
        thread.join(timeout=15)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_consumer_still_stops_on_an_error_that_is_not_an_outage(config, mongo_db):
    stop = threading.Event()
    thread = run_projector(config, mongo_db, stop, Outage(1, KeyError("a bug")))
    thread.join(timeout=15)
    assert not thread.is_alive()  # the worker's guard reports it and stops the process


def test_republished_events_after_a_relay_crash_are_projected_once(
    config, store, publisher, mongo_db
):
    ids = open_engagements(store, 3)
    crashing = OutboxRelay(
        CrashBeforeMark(store._commits.database), publisher, config.topic("assessment")
    )
    with pytest.raises(RuntimeError):
        crashing.run_once()
    assert len(store.unpublished()) == 3  # published, but not marked
    OutboxRelay(store, publisher, config.topic("assessment")).run_once()  # the restarted relay
    assert store.unpublished() == []
    records = read_topic(config.kafka_bootstrap_servers, config.topic("assessment"), 6)
    assert len(records) == 6  # every event went out twice

    stop = threading.Event()
    thread = run_projector(config, mongo_db, stop)
    try:
        assert wait_until(lambda: timeline_rows(mongo_db) >= 3)
        assert wait_until(lambda: _committed(config) == 6)
    finally:
        stop.set()
        thread.join(timeout=15)
    assert timeline_rows(mongo_db) == 3
    assert sorted(d["_id"] for d in mongo_db.g0_engagements.find()) == ids


def timeline_rows(database) -> int:
    """How many rows every engagement's timeline holds (the heads' directories count them)."""
    return PagedRows(database.g0_timeline_pages, {}).held()


def _committed(config) -> int:
    consumer = KafkaConsumer(
        bootstrap_servers=config.kafka_bootstrap_servers, group_id=config.group_id
    )
    try:
        partitions = consumer.partitions_for_topic(config.topic("assessment")) or set()
        from kafka.structs import TopicPartition

        return sum(
            consumer.committed(TopicPartition(config.topic("assessment"), p)) or 0
            for p in partitions
        )
    finally:
        consumer.close()


def test_a_poison_message_goes_to_the_dead_letter_topic_and_the_consumer_goes_on(
    config, store, publisher, mongo_db
):
    producer = KafkaProducer(bootstrap_servers=config.kafka_bootstrap_servers)
    producer.send(config.topic("assessment"), key=b"eng-0", value=b"{not json", partition=0)
    producer.send(config.topic("assessment"), key=b"eng-0", value=b'{"id": "x"}', partition=0)
    producer.flush()
    producer.close()
    [engagement_id] = open_engagements(store, 1)
    OutboxRelay(store, publisher, config.topic("assessment")).run_once()

    stop = threading.Event()
    thread = run_projector(config, mongo_db, stop)
    try:
        assert wait_until(lambda: timeline_rows(mongo_db) == 1)
    finally:
        stop.set()
        thread.join(timeout=15)
    parked = read_topic(config.kafka_bootstrap_servers, config.dead_letter_topic("assessment"), 2)
    assert sorted(r.value for r in parked) == [b'{"id": "x"}', b"{not json"]
    for record in parked:
        headers = dict(record.headers)
        assert headers["dlt.group"] == config.group_id.encode()
        assert headers["dlt.attempts"] == b"3"
        assert headers["dlt.source"].startswith(config.topic("assessment").encode())
    errors = {dict(r.headers)["dlt.error"].split(b":")[0] for r in parked}
    assert errors == {b"JSONDecodeError", b"ValueError"}
    assert mongo_db.g0_engagements.find_one({"_id": engagement_id}) is not None


def test_a_ring_wakes_an_idle_relay_long_before_its_next_poll(config, mongo_db, publisher):
    listener = DoorbellListener(("127.0.0.1", 0))
    bell = Doorbell(listener.address)
    store = MongoEventStore(mongo_db, on_append=bell.ring)
    store.setup()
    relay = OutboxRelay(store, publisher, config.topic("assessment"))
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop, 60.0, listener))
    thread.start()
    try:
        time.sleep(0.5)  # the relay found nothing and sleeps for up to a minute
        open_engagements(store, 1)
        # without the ring the event would wait for the next poll, a minute away
        records = read_topic(config.kafka_bootstrap_servers, config.topic("assessment"), 1)
        assert [decode(r.value)["subject"] for r in records] == ["eng-0"]
    finally:
        stop.set()
        bell.ring()  # wake it to see the stop
        thread.join(timeout=10)
        listener.close()
        bell.close()
    assert not thread.is_alive()
