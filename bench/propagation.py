"""Command-to-read-model propagation: python -m bench.propagation [--rate 5] [--seconds 60]

With the whole system running, a steady load of commands (a stakeholder added to one of
20 engagements, round-robin, on the assessment service) is sent on a fixed schedule; for
each, the time from its HTTP 201 to its event's entry in the reporting service's timeline
read model (found by the event's id: one thread polls the read-model collection, one
find at a time with 2 ms pauses, BENCH_WATCH_SECONDS; that detection delay is in the figure).
The event id comes from the assessment service's commit, which the 201 says is stored.
Baseline, measured in the same run and on the same infrastructure: a raw kafka-python
produce (acks=all) and consume round trip on a scratch topic plus one pymongo insert_one.
Target: propagation p50 within 3x of the baseline p50.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.structs import TopicPartition
from pymongo.collection import Collection

from bench.common import (
    LATENCY_HEADERS,
    Bench,
    Latency,
    System,
    bench,
    ms,
    ratio,
    say,
    table,
    verdict,
)
from services.reporting.projections.read_models import ReadModels
from services.reporting.projections.timeline import timeline
from shared.eventstore.mongo_event_store import COLLECTION, MongoEventStore
from shared.eventstore.port import commit_id
from shared.messaging.kafka_publisher import decode

ENGAGEMENT = {"executive": {"id": "exec-1", "name": "Alex Executive"},
              "manager": {"id": "mgr-1", "name": "Dana Manager"},
              "programme": "Propagation bench", "start_date": "2026-01-05"}  # fmt: skip
POLL_SECONDS = float(os.environ.get("BENCH_WATCH_SECONDS", "0.002"))
VISIBLE_TIMEOUT = 30.0
TARGET_P50_RATIO = 3.0
CONSUMER_POLL_MS = 200  # ConsumerRunner.poll_once: consumer.poll(timeout_ms=200)


@dataclass
class Sample:
    """One command: when its 201 came (monotonic and wall clock), when its event was seen."""

    sent: float
    engagement: str = ""
    answered: float = 0.0
    answered_wall: float = 0.0
    seen: float | None = None
    commit_id: str = ""
    event_id: str = ""
    published_wall: float | None = None
    status: int = 0


class Pipeline:
    """Sends the commands; one watcher thread polls the read model for their events.

    One watcher, one query at a time: polling must not load the server it measures.
    """

    def __init__(self, system: System, engagements: list[str]) -> None:
        self.system = system
        self.engagements = engagements
        self.coach = system.headers("coach-1", "coach")
        self.commits: Collection[Any] = system.database("assessment")["commits"]
        reporting = system.database("reporting")
        self.timeline = timeline(ReadModels.active(reporting))
        self._pending: dict[str, Sample] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="watcher", daemon=True)
        self._watcher.start()

    def command(self, n: int) -> Sample:
        """Add a stakeholder; on 201 find its event id and hand it to the watcher."""
        engagement = self.engagements[n % len(self.engagements)]
        sample = Sample(sent=time.monotonic(), engagement=engagement)
        body = {"name": f"Stakeholder {n}", "contact": f"s{n}@example.org",
                "relationship": "peer"}  # fmt: skip
        response = self.system.http.post(
            f"{self.system.urls['assessment']}/engagements/{engagement}/stakeholders",
            json=body, headers=self.coach, timeout=30,
        )  # fmt: skip
        sample.answered, sample.answered_wall = time.monotonic(), time.time()
        sample.status = response.status_code
        if response.status_code != 201:
            return sample
        version = int(response.json()["version"])
        sample.commit_id = commit_id(f"engagement-{engagement}", version - 1)
        commit = self.commits.find_one({"_id": sample.commit_id}, {"events.id": 1})
        if commit is not None:
            sample.event_id = commit["events"][0]["id"]
            with self._lock:
                self._pending[commit["events"][0]["id"]] = sample
        return sample

    def _watch(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                pending = list(self._pending.items())
            for event_id, sample in pending:
                newest, _ = self.timeline.newest(sample.engagement, "acme", "all", 20)
                if any(row["_id"] == event_id for row in newest):
                    sample.seen = time.monotonic()
                    with self._lock:
                        del self._pending[event_id]
                elif time.monotonic() - sample.answered > VISIBLE_TIMEOUT:
                    with self._lock:
                        del self._pending[event_id]
            self._stop.wait(POLL_SECONDS)

    def drain(self) -> None:
        """Wait until every event was seen or timed out, then stop the watcher."""
        while True:
            with self._lock:
                if not self._pending:
                    break
            time.sleep(0.05)
        self._stop.set()
        self._watcher.join()

    def poll_cost(self) -> float:
        """What one read-model poll costs (median of 21 reads of an engagement's newest
        timeline rows, as the watcher makes them, seconds)."""
        times = []
        for n in range(21):
            began = time.perf_counter()
            self.timeline.newest(self.engagements[n % len(self.engagements)], "acme", "all", 20)
            times.append(time.perf_counter() - began)
        return sorted(times)[10]

    def sent_by_relay(self, samples: list[Sample]) -> None:
        """When the relay sent each sample's event: its Kafka record's timestamp (CreateTime,
        set by the relay's producer at send; the same machine's clock as the 201's)."""
        wanted = {s.event_id: s for s in samples if s.event_id}
        topic = self.system.config("assessment").topic("assessment")
        consumer = KafkaConsumer(bootstrap_servers=self.system.config("assessment")
                                 .kafka_bootstrap_servers, group_id=None,
                                 enable_auto_commit=False, consumer_timeout_ms=3000)  # fmt: skip
        try:
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            for record in consumer:
                sample = wanted.pop(decode(record.value)["id"], None)
                if sample is not None:
                    sample.published_wall = record.timestamp / 1000
                if not wanted:
                    break
        finally:
            consumer.close()


def open_engagements(system: System, count: int) -> list[str]:
    """Open engagements and wait until the reporting directory knows each."""
    coach = system.headers("coach-1", "coach")
    ids = []
    for _ in range(count):
        response = system.http.post(f"{system.urls['assessment']}/engagements",
                                    json=ENGAGEMENT, headers=coach, timeout=30)  # fmt: skip
        response.raise_for_status()
        ids.append(response.json()["id"])
    directory = ReadModels.active(system.database("reporting"))["engagements"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if all(directory.find_one({"_id": i}, {"_id": 1}) for i in ids):
            return ids
        time.sleep(0.2)
    raise RuntimeError("the reporting worker did not learn the engagements within 60 s")


def steady_load(pipeline: Pipeline, rate: float, seconds: float) -> tuple[list[Sample], float]:
    """Send rate*seconds commands on a fixed schedule; the samples and the achieved rate."""
    total = int(rate * seconds)
    # a thread per command in flight: bounded by rate x 12 s
    with ThreadPoolExecutor(max_workers=max(int(rate * 12), 8), thread_name_prefix="cmd") as pool:
        futures = []
        started = time.monotonic()
        for n in range(total):
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(pipeline.command, n))
            if (n + 1) % max(total // 6, 1) == 0:
                say(f"  {n + 1}/{total} commands sent")
        samples = [f.result() for f in futures]
    pipeline.drain()
    sent = [s.sent for s in samples]
    spread = max(sent) - min(sent)
    return samples, (len(sent) - 1) / spread if spread else float("nan")


def raw_round_trips(system: System, count: int) -> list[float]:
    """kafka-python produce (acks=all) -> consume on a scratch topic, then one insert_one."""
    config = system.config("reporting")
    topic = f"{config.topic_prefix}.bench.scratch"
    admin = KafkaAdminClient(bootstrap_servers=config.kafka_bootstrap_servers)
    try:
        admin.create_topics([NewTopic(topic, 1, 1)], validate_only=False)
    finally:
        admin.close()
    producer = KafkaProducer(bootstrap_servers=config.kafka_bootstrap_servers, acks="all",
                             linger_ms=0)  # fmt: skip
    consumer = KafkaConsumer(bootstrap_servers=config.kafka_bootstrap_servers, group_id=None,
                             enable_auto_commit=False)  # fmt: skip
    partition = TopicPartition(topic, 0)
    consumer.assign([partition])
    consumer.seek_to_end(partition)
    consumer.position(partition)
    scratch = system.database("reporting")["bench_scratch"]
    durations = []
    try:
        for n in range(count + 10):  # the first ten warm up
            value = uuid.uuid4().hex.encode()
            began = time.perf_counter()
            producer.send(topic, value=value).get(timeout=10)
            found = None
            while found is None:
                for records in consumer.poll(timeout_ms=1000).values():
                    found = next((r for r in records if r.value == value), found)
            scratch.insert_one({"_id": value.decode(), "offset": found.offset, "n": n})
            if n >= 10:
                durations.append(time.perf_counter() - began)
            time.sleep(0.02)
    finally:
        producer.close()
        consumer.close()
        scratch.drop()
    return durations


def by_window(samples: list[Sample], seconds: float) -> list[list[str]]:
    """Per window of send time: commands, HTTP p50, propagation p50, relay p50."""
    first = min(s.sent for s in samples)
    rows = []
    for start in range(0, int(max(s.sent for s in samples) - first) + 1, int(seconds)):
        inside = [s for s in samples if start <= s.sent - first < start + seconds]
        seen = [s.seen - s.answered for s in inside if s.seen is not None]
        relay = [s.published_wall - s.answered_wall for s in inside if s.published_wall]
        rows.append([f"{start:>3}-{start + seconds:g} s", str(len(inside)),
                     ms(Latency.of([s.answered - s.sent for s in inside]).p50),
                     ms(Latency.of(seen).p50), ms(Latency.of(relay).p50)])  # fmt: skip
    return rows


def outbox_query(system: System) -> tuple[float, int]:
    """The relay's read of the outbox (`MongoEventStore.unpublished`), timed (median of 5);
    and how many commits the store holds."""
    store = MongoEventStore(system.database("assessment"))
    times = []
    for _ in range(5):
        began = time.perf_counter()
        store.unpublished(200)
        times.append(time.perf_counter() - began)
    return sorted(times)[2], system.database("assessment")[COLLECTION].count_documents({})


def run(
    bench: Bench, rate: float = 5.0, seconds: float = 60.0, engagements: int = 20,
    baseline: int = 300,
) -> None:  # fmt: skip
    """Start the system, measure the baseline, then the pipeline under load."""
    say(f"\n=== propagation: HTTP 201 -> reporting read model ({rate:g} commands/s "
        f"for {seconds:g} s) ===")  # fmt: skip
    system = bench.start_system("prop")
    relay_poll = system.config("assessment").relay_poll_seconds
    ids = open_engagements(system, engagements)
    say(f"opened {len(ids)} engagements; the reporting directory knows them")
    pipeline = Pipeline(system, ids)
    for n in range(5):  # warm up every process and connection
        pipeline.command(10_000 + n)
        time.sleep(0.5)

    say(f"raw baseline: {baseline} produce/consume round trips + insert_one ...")
    raw = Latency.of(raw_round_trips(system, baseline))
    say(f"steady load: {int(rate * seconds)} stakeholder additions ...")
    samples, achieved = steady_load(pipeline, rate, seconds)
    pipeline.sent_by_relay(samples)
    outbox_seconds, commits = outbox_query(system)
    poll_seconds = pipeline.poll_cost()
    bench.stop_system()

    created = [s for s in samples if s.status == 201]
    seen = [s for s in created if s.seen is not None]
    propagation = Latency.of([s.seen - s.answered for s in seen if s.seen is not None])
    http = Latency.of([s.answered - s.sent for s in samples])
    timed_parts = [s for s in seen if s.published_wall is not None and s.seen is not None]
    relay = Latency.of([s.published_wall - s.answered_wall for s in timed_parts
                        if s.published_wall is not None])  # fmt: skip
    consume = Latency.of([(s.seen - s.answered) - (s.published_wall - s.answered_wall)
                          for s in timed_parts
                          if s.seen is not None and s.published_wall is not None])  # fmt: skip
    windows = by_window(samples, 10.0)
    others = {s.status for s in samples if s.status != 201}
    say(f"\nsent {len(samples)} commands at {achieved:.2f}/s: {len(created)} answered 201"
        f"{f' (others: {sorted(others)})' if others else ''}, {len(seen)} seen in the read "
        f"model within {VISIBLE_TIMEOUT:g} s")  # fmt: skip
    fetch_wait = KafkaConsumer.DEFAULT_CONFIG["fetch_max_wait_ms"]
    say("pipeline settings (part of what is measured):")
    say(f"  outbox relay poll (ML_RELAY_POLL_SECONDS): {relay_poll * 1000:g} ms when idle")
    say("  relay producer (KafkaPublisher): acks=all, idempotent, linger_ms=2")
    say(f"  reporting consumer: poll timeout {CONSUMER_POLL_MS} ms, fetch_max_wait_ms "
        f"{fetch_wait} (a fetch returns as soon as a record arrives)")  # fmt: skip
    say(f"  this benchmark: one thread polls the read model, one find_one by _id at a time, "
        f"every {POLL_SECONDS * 1000:g} ms; each costs {poll_seconds * 1000:.1f} ms")  # fmt: skip
    table(
        "latency",
        LATENCY_HEADERS,
        [
            propagation.row("201 -> visible in the read model"),
            relay.row("  201 -> sent by the relay"),
            consume.row("  sent -> visible (Kafka, consumer)"),
            raw.row("baseline: produce+consume+insert"),
            http.row("(HTTP command, send -> 201)"),
        ],
    )
    p50_ratio = ratio(propagation.p50, raw.p50)
    table(
        "ratio against the baseline",
        ["", "p50 ratio", "p99 ratio", "target (p50)", ""],
        [["propagation", f"{p50_ratio:,.1f}x", f"{ratio(propagation.p99, raw.p99):,.1f}x",
          f"<= {TARGET_P50_RATIO:g}x", verdict(p50_ratio <= TARGET_P50_RATIO)]],
    )  # fmt: skip
    table("over time (10 s windows of the load)", ["window", "commands", "HTTP p50 ms",
          "201 -> visible p50 ms", "of which relay p50 ms"], windows)  # fmt: skip
    say(f"\nthe relay's outbox read took {outbox_seconds * 1000:,.1f} ms with "
        f"{commits:,} commits stored, at the end of the run (it runs every "
        f"{relay_poll * 1000:g} ms when idle)")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=5.0, help="commands per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the load lasts")
    parser.add_argument("--baseline", type=int, default=300, help="raw round trips")
    args = parser.parse_args(argv)
    if not (0 < args.rate <= 50 and 0 < args.seconds <= 600):
        parser.error("keep the load bounded: 0 < rate <= 50, 0 < seconds <= 600")
    with bench() as running:
        run(running, args.rate, args.seconds, baseline=args.baseline)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
