"""Reporting worker: python -m services.reporting.worker (projections from both topics);
`bootstrap(config)` is its composition root.

It writes to the active generation of read models. When a rebuild switches generations,
it moves to the new one and rewinds to the offsets the rebuild reached, so what it had
consumed beyond them reaches the new generation too (projections are idempotent).
"""

from __future__ import annotations

from typing import Any

from kafka import KafkaConsumer
from kafka.structs import TopicPartition
from pymongo.database import Database

from services.reporting.projections.read_models import pointer
from services.reporting.projector import Projector
from shared.config import ServiceConfig
from shared.resources import Resources
from shared.worker import Worker, consumer_loop, run_worker

MARKER = "worker_generation"


class LiveProjector:
    """The projector of the active generation, following rebuild switches."""

    def __init__(self, database: Database[Any]) -> None:
        self._database = database
        self._generation = -1
        self._projector: Projector | None = None
        self._rewind_to: dict[tuple[str, int], int] = {}

    def before_poll(self, consumer: KafkaConsumer) -> None:
        """Follow the pointer; after a switch, rewind assigned partitions once they exist."""
        current = pointer(self._database)
        generation = int(current["generation"])
        if generation != self._generation:
            # Everything first, the generation last: an outage part-way (retried by the
            # runner) must find the switch still to do, rewind included.
            projector = Projector(self._database, generation)
            projector.setup()
            marker = self._database[MARKER].find_one({"_id": "reporting"}) or {}
            if marker.get("generation", 0) != generation:
                self._rewind_to = {
                    (o["topic"], o["partition"]): o["offset"] for o in current.get("offsets") or []
                }
            self._projector, self._generation = projector, generation
        if self._rewind_to and consumer.assignment():
            self._rewind(consumer)

    def _rewind(self, consumer: KafkaConsumer) -> None:
        for partition in consumer.assignment():
            offset = self._rewind_to.get((partition.topic, partition.partition))
            if offset is not None and offset < consumer.position(partition):
                consumer.seek(TopicPartition(partition.topic, partition.partition), offset)
        self._rewind_to = {}
        self._database[MARKER].replace_one(
            {"_id": "reporting"}, {"_id": "reporting", "generation": self._generation}, upsert=True
        )

    def __call__(self, envelope: dict[str, Any]) -> None:
        assert self._projector is not None, "before_poll sets the projector"
        self._projector(envelope)


def bootstrap(config: ServiceConfig, resources: Resources | None = None) -> Worker:
    """The reporting worker's composition root: one consumer of both topics feeding every
    projection of the active generation (these resources, or the configured ones)."""
    resources = resources or Resources(config)
    live = LiveProjector(resources.database)
    loop = consumer_loop(resources, ["assessment", "kpi"], live, before_poll=live.before_poll)
    return Worker([loop], resources)


if __name__ == "__main__":
    run_worker("reporting", bootstrap)
