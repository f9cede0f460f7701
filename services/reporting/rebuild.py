"""Rebuild every read model by replaying the topics from the beginning into a fresh
generation, then switch reads to it in one write: python -m services.reporting.rebuild

Queries keep answering from the active generation while the rebuild runs. The switch
records the offsets the rebuild reached; the live worker moves to the new generation and its
consumer runner rewinds it to those offsets (`shared/messaging/rewind.py`), so it re-applies
whatever it had consumed beyond them (idempotently).

The projections write behind (`projections/batch.py`): their documents are stored in bulk
every FLUSH_EVERY events and once more before the switch, not one round trip at a time.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from services.reporting.projections.batch import BufferedReadModels
from services.reporting.projections.read_models import ReadModels, pointer, switch_to
from services.reporting.projector import Projector
from shared.config import ServiceConfig
from shared.logs import configure_logging
from shared.messaging.kafka_publisher import decode
from shared.messaging.topics import CONTEXTS
from shared.observability.metrics import REBUILD_APPLIED, REBUILD_REMAINING
from shared.observability.worker_server import WorkerServer
from shared.resources import Resources

FLUSH_EVERY = 2_000  # events between bulk writes: a poll's worth (max_records below)


@dataclass
class Progress:
    """Events done out of a total, with rate and ETA, drawn at most twice a second."""

    total: int
    out: TextIO
    done: int = 0
    skipped: int = 0
    started: float = 0.0
    drawn: float = 0.0

    def step(self, count: int = 1) -> None:
        """Count events (and in the metrics) and redraw when due."""
        self.done += count
        REBUILD_APPLIED.inc(count)
        REBUILD_REMAINING.set(max(self.total - self.done, 0))
        now = time.monotonic()
        if now - self.drawn >= 0.5 or self.done >= self.total:
            self.draw(now)

    def draw(self, now: float) -> None:
        """One line: bar, done/total, rate, ETA."""
        self.drawn = now
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0.0
        filled = int(30 * self.done / self.total) if self.total else 30
        end = "\r" if self.out.isatty() else "\n"
        self.out.write(f"[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} events"
                       f"  {rate:,.0f}/s  ETA {left:,.1f}s{end}")  # fmt: skip
        self.out.flush()


def _partitions(consumer: KafkaConsumer, topics: list[str]) -> list[TopicPartition]:
    return [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t))]


def replay(
    consumer: KafkaConsumer, handle: Callable[[dict[str, Any]], None], topics: list[str],
    out: TextIO,
) -> tuple[list[dict[str, Any]], Progress]:  # fmt: skip
    """Feed every event up to the end offsets seen at the start; returns those offsets."""
    partitions = _partitions(consumer, topics)
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    ends = consumer.end_offsets(partitions)
    begins = consumer.beginning_offsets(partitions)
    progress = Progress(sum(ends[p] - begins[p] for p in partitions), out,
                        started=time.monotonic())  # fmt: skip
    pending = {p for p in partitions if ends[p] > begins[p]}
    while pending:
        for partition, records in consumer.poll(timeout_ms=500, max_records=2000).items():
            for record in records:
                if record.offset < ends[partition]:
                    _apply(handle, record.value, progress)
            if consumer.position(partition) >= ends[partition]:
                pending.discard(partition)
        progress.step(0)
    progress.draw(time.monotonic())
    offsets = [{"topic": p.topic, "partition": p.partition, "offset": ends[p]} for p in partitions]
    return offsets, progress


def _apply(handle: Callable[[dict[str, Any]], None], raw: bytes, progress: Progress) -> None:
    try:
        handle(decode(raw))
    except ValueError:
        progress.skipped += 1  # poison the live worker parked in the dead-letter topic
    progress.step()


@dataclass
class FlushEvery:
    """Applies each event, and stores the buffered writes every `every` events: memory holds
    at most that many events' insert-only documents."""

    handle: Callable[[dict[str, Any]], None]
    models: BufferedReadModels
    every: int
    applied: int = 0

    def __call__(self, envelope: dict[str, Any]) -> None:
        try:
            self.handle(envelope)
        finally:  # a refused event counts too: the interval is a bound, not an exact batch
            self.applied += 1
            if self.applied % self.every == 0:
                self.models.flush()


def rebuild(
    config: ServiceConfig, out: TextIO = sys.stderr, flush_every: int = FLUSH_EVERY
) -> dict[str, Any]:
    """Fill generation N+1 from the topics, switch reads to it; returns a report."""
    resources = Resources(config)
    database = resources.database
    old = int(pointer(database)["generation"])
    new = old + 1
    for name in ReadModels(database, new).names():  # leftovers of an interrupted rebuild
        database.drop_collection(name)
    models = BufferedReadModels(database, new)
    projector = Projector(database, models=models)
    projector.setup()
    consumer = KafkaConsumer(bootstrap_servers=config.kafka_bootstrap_servers, group_id=None,
                             enable_auto_commit=False, client_id="reporting-rebuild")  # fmt: skip
    try:
        started = time.monotonic()
        handle = FlushEvery(projector, models, flush_every)
        offsets, progress = replay(consumer, handle, [config.topic(c) for c in CONTEXTS], out)
        models.flush()  # every write stored before reads switch to the generation
        seconds = time.monotonic() - started
        switch_to(database, new, offsets)
    finally:
        consumer.close()
        resources.close()
    return {"from_generation": old, "to_generation": new, "events": progress.done,
            "skipped": progress.skipped, "seconds": round(seconds, 3),
            "rate": round(progress.done / seconds, 1) if seconds else None}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """CLI: rebuild and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics-port", type=int, default=0,
                        help="serve its progress at http://127.0.0.1:PORT/metrics")  # fmt: skip
    args = parser.parse_args(argv)
    config = ServiceConfig.from_env("reporting")
    configure_logging("WARNING")
    server = WorkerServer("127.0.0.1", args.metrics_port).start() if args.metrics_port else None
    try:
        report = rebuild(config)
    finally:
        if server is not None:
            server.close()
    print(f"rebuilt generation {report['to_generation']} from {report['events']} events"
          f" ({report['skipped']} skipped) in {report['seconds']}s"
          f" ({report['rate']} events/s); reads now use it")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
