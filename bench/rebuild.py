"""Rebuild rate vs raw read-and-bulk-write: python -m bench.rebuild [--events 5000]

Seeding: the demo seeder (`deploy.demo.seed`, over HTTP, explicit URLs) tells its six-month
engagement twice, for two tenants, through the real services. Their envelopes are then read
back from the topics and republished, as copies, until the topics hold at least --events:
each copy gets fresh ids (every UUID in it is replaced, consistently within the copy), a
tenant of its own, and its hash chain recomputed, so every copy is a valid, distinct
history that the projections treat as new. (Seeding thousands of events over HTTP is not
practical on FerretDB: see the README's Performance section.)

Then, with the services stopped (an idle outbox relay scans every commit on FerretDB and
would compete for the server), both measured on the same topics and database:
- raw: kafka-python reads every topic from the beginning (no group) and pymongo bulk-writes
  the decoded envelopes to a scratch collection with insert_many by 1,000;
- rebuild: `services.reporting.rebuild.rebuild(config)`, its own events/s.
Each is measured --trials times (2), interleaved (raw, rebuild, raw, rebuild, ...); each
trial's rates are printed, and the ratio is of the faster trial of each: a run of a few
seconds is easily slowed by something else on the machine, never sped up.
Target: rebuild at least half the raw rate.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaConsumer
from kafka.structs import TopicPartition
from pymongo import monitoring

from bench.common import Bench, System, bench, listening, ratio, say, table, verdict
from deploy.demo import seed
from services.reporting.projections.read_models import ReadModels
from services.reporting.projections.timeline import timeline
from services.reporting.rebuild import rebuild
from shared.events.envelope import compute_hash
from shared.messaging.kafka_publisher import KafkaPublisher, decode
from shared.messaging.topics import CONTEXTS
from shared.resources import mongo_client

GENERATION = re.compile(r"^g\d+_")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SEED_RUNS = 2
TRIALS = 2
BATCH = 1_000
TARGET_RATIO = 0.5


@dataclass
class Commands(monitoring.CommandListener):
    """Count and time every MongoDB command by name (client-side round trips)."""

    count: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    _names: dict[int, str] = field(default_factory=dict)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        target = event.command.get(event.command_name)
        collection = GENERATION.sub("", target) if isinstance(target, str) else ""
        self._names[event.request_id] = f"{event.command_name} {collection}".strip()

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        name = self._names.pop(event.request_id, event.command_name)
        self.count[name] += 1
        self.seconds[name] = self.seconds.get(name, 0.0) + event.duration_micros / 1e6

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        name = self._names.pop(event.request_id, event.command_name)
        self.count[f"{name} (failed)"] += 1
        self.seconds[f"{name} (failed)"] = (
            self.seconds.get(f"{name} (failed)", 0.0) + event.duration_micros / 1e6
        )


def seed_real_events(system: System) -> None:
    """The demo story, told SEED_RUNS times over HTTP with tenants of their own."""
    urls = [f"--{service}={url}" for service, url in system.urls.items()]
    for run in range(SEED_RUNS):
        printed = io.StringIO()
        began = time.monotonic()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            code = seed.main(["--profile", "test", "--tenant", f"seed{run}", "--wait", "120",
                              *urls], env=system.env)  # fmt: skip
        if code != 0:
            raise RuntimeError(f"the demo seeder failed:\n{printed.getvalue()}")
        say(f"  demo seeder run {run + 1}/{SEED_RUNS}: {time.monotonic() - began:.1f} s")


def topic_records(bootstrap: str, topics: list[str]) -> list[Any]:
    """Every record of the topics, partition by partition in offset order."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                             enable_auto_commit=False)  # fmt: skip
    try:
        partitions = [TopicPartition(t, p) for t in topics
                      for p in sorted(consumer.partitions_for_topic(t) or ())]  # fmt: skip
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        found: dict[TopicPartition, list[Any]] = {p: [] for p in partitions}
        while any(consumer.position(p) < ends[p] for p in partitions):
            for partition, records in consumer.poll(timeout_ms=500).items():
                found[partition].extend(r for r in records if r.offset < ends[partition])
        return [record for p in partitions for record in found[p]]
    finally:
        consumer.close()


def copies_of(records: list[Any], copy: int) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """One copy of the history, by topic: fresh UUIDs, its own tenant, a recomputed chain."""
    fresh: dict[str, str] = {}
    hashes: dict[str, str] = {}
    by_topic: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for record in records:  # per partition in order, so each stream in order
        text = UUID.sub(lambda m: fresh.setdefault(m.group(0), str(uuid.uuid4())),
                        record.value.decode())  # fmt: skip
        envelope = json.loads(text)
        envelope["tenant"] = f"{envelope['tenant']}c{copy}"
        envelope["prevhash"] = hashes.get(envelope["prevhash"], envelope["prevhash"])
        old_hash = envelope["hash"]
        envelope["hash"] = compute_hash(envelope)
        hashes[old_hash] = envelope["hash"]
        by_topic.setdefault(record.topic, []).append((envelope["subject"], envelope))
    return by_topic


def publish_copies(system: System, records: list[Any], wanted: int) -> int:
    """Republish copies until the topics hold at least `wanted` events; the total."""
    copies = max(math.ceil((wanted - len(records)) / len(records)), 0)
    publisher = KafkaPublisher(system.config("reporting").kafka_bootstrap_servers,
                               client_id="bench-seeder")  # fmt: skip
    try:
        for copy in range(1, copies + 1):
            for topic, messages in copies_of(records, copy).items():
                publisher.publish(topic, messages)
    finally:
        publisher.close()
    return len(records) * (copies + 1)


def raw_rate(system: System, topics: list[str]) -> tuple[int, float, Commands]:
    """Read every topic from the beginning, bulk-write the envelopes; events and seconds."""
    config = system.config("reporting")
    listener = Commands()
    with listening(listener):
        client = mongo_client(config.mongo_uri)
    scratch = client[config.database]["bench_raw_replay"]
    scratch.drop()
    consumer = KafkaConsumer(bootstrap_servers=config.kafka_bootstrap_servers, group_id=None,
                             enable_auto_commit=False, client_id="bench-raw")  # fmt: skip
    events = 0
    try:
        began = time.monotonic()
        partitions = [TopicPartition(t, p) for t in topics
                      for p in sorted(consumer.partitions_for_topic(t) or ())]  # fmt: skip
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        pending = {p for p in partitions if ends[p] > 0}
        batch: list[dict[str, Any]] = []
        while pending:
            for partition, records in consumer.poll(timeout_ms=500, max_records=2000).items():
                batch.extend(decode(r.value) for r in records if r.offset < ends[partition])
                if consumer.position(partition) >= ends[partition]:
                    pending.discard(partition)
            while len(batch) >= BATCH or (batch and not pending):
                scratch.insert_many(batch[:BATCH], ordered=False)
                events += len(batch[:BATCH])
                batch = batch[BATCH:]
        seconds = time.monotonic() - began
    finally:
        consumer.close()
        scratch.drop()
        client.close()
    return events, seconds, listener


@dataclass
class Trial:
    """One measurement of each: the raw path's events and seconds, the rebuild's report."""

    raw_events: int
    raw_seconds: float
    raw_commands: Commands
    report: dict[str, Any]
    commands: Commands

    @property
    def raw_rate(self) -> float:
        return self.raw_events / self.raw_seconds

    @property
    def rate(self) -> float:
        return float(self.report["rate"] or math.nan)


def run(bench: Bench, events: int = 5_000, trials: int = TRIALS) -> None:
    """Seed, stop the services, measure raw and rebuild on the same topics."""
    say(f"\n=== rebuild vs raw read + bulk write (at least {events:,} events) ===")
    system = bench.start_system("rebuild")
    config = system.config("reporting")
    topics = [config.topic(c) for c in CONTEXTS]
    say("seeding over HTTP with the demo seeder ...")
    seed_real_events(system)
    bench.stop_system()  # nothing else uses the server from here on
    real = topic_records(config.kafka_bootstrap_servers, topics)
    total = publish_copies(system, real, events)
    say(f"topics hold {total:,} events: {len(real)} from the seeder over HTTP, the rest "
        f"copies of them with fresh ids and tenants")  # fmt: skip

    done: list[Trial] = []
    for n in range(trials):
        say(f"trial {n + 1}/{trials}: raw (every topic from the beginning + insert_many by "
            f"1,000), then rebuild(config) ...")  # fmt: skip
        raw_events, raw_seconds, raw_commands = raw_rate(system, topics)
        listener = Commands()
        with listening(listener):  # the rebuild's own client is created inside
            report = rebuild(config, out=io.StringIO())
        done.append(Trial(raw_events, raw_seconds, raw_commands, report, listener))
        say(f"  raw {done[-1].raw_rate:,.0f} events/s, rebuild {done[-1].rate:,.0f} events/s: "
            f"{ratio(done[-1].rate, done[-1].raw_rate):.2f}")  # fmt: skip
    rebuilt = ReadModels(system.database("reporting"), int(done[-1].report["to_generation"]))
    timeline_rows = timeline(rebuilt).held()

    fastest_raw = max(done, key=lambda t: t.raw_rate)
    fastest = max(done, key=lambda t: t.rate)
    raw_events, raw_seconds = fastest_raw.raw_events, fastest_raw.raw_seconds
    raw_commands, report, listener = fastest_raw.raw_commands, fastest.report, fastest.commands
    raw, rate = fastest_raw.raw_rate, fastest.rate
    table(
        f"rates, the faster of {trials} trials each (same topics, same database, services "
        "stopped)",
        ["", "events", "seconds", "events/s", "Mongo commands", "in Mongo round trips"],
        [
            ["raw: kafka-python + insert_many", f"{raw_events:,}", f"{raw_seconds:,.1f}",
             f"{raw:,.0f}", f"{sum(raw_commands.count.values()):,}",
             f"{sum(raw_commands.seconds.values()):,.1f} s"],
            ["rebuild(config)", f"{report['events']:,}", f"{report['seconds']:,.1f}",
             f"{rate:,.0f}", f"{sum(listener.count.values()):,}",
             f"{sum(listener.seconds.values()):,.1f} s"],
        ],
    )  # fmt: skip
    share = ratio(rate, raw)
    table(
        "ratio",
        ["", "rebuild / raw", "target", ""],
        [["rate", f"{share:.2f}", f">= {TARGET_RATIO:g}", verdict(share >= TARGET_RATIO)]],
    )
    per_event = sum(listener.count.values()) / max(int(report["events"]), 1)
    say(f"\nrebuild: {report['skipped']} skipped, {timeline_rows:,} timeline rows written; "
        f"{per_event:.1f} Mongo commands per event (setup included)")  # fmt: skip
    rows = [
        [name, f"{count:,}", f"{listener.seconds[name]:,.2f}",
         f"{listener.seconds[name] / count * 1000:,.2f}"]
        for name, count in listener.count.most_common()
        if not name.startswith("endSessions")  # FerretDB refuses it as the client closes
    ]  # fmt: skip
    table("the rebuild's MongoDB commands", ["command collection", "count", "s", "ms each"], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000, help="at least this many events")
    parser.add_argument("--trials", type=int, default=TRIALS, help="measurements of each")
    args = parser.parse_args(argv)
    if args.trials < 1:
        parser.error("give one trial or more")
    with bench() as running:
        run(running, args.events, args.trials)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
