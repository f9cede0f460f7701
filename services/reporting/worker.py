"""Reporting worker: python -m services.reporting.worker (projections from both topics);
`bootstrap(config)` is its composition root.

It writes to the active generation of read models. The consumer runner rewinds it after a
rebuild switches generations (`shared/messaging/rewind.py`): the live projector is its
position source, the generation its epoch and the rebuild's end offsets the epoch's start,
so what the worker had consumed beyond them reaches the new generation too (projections are
idempotent), whether the switch comes while it runs or before a partition is assigned to it.
"""

from __future__ import annotations

from typing import Any

from kafka.structs import TopicPartition
from pymongo.database import Database

from services.reporting.projections.read_models import pointer
from services.reporting.projector import Projector
from shared.config import ServiceConfig
from shared.messaging.rewind import Epoch
from shared.resources import Resources
from shared.worker import Worker, consumer_loop, run_worker


class LiveProjector:
    """The projector of the active generation, following rebuild switches; the runner's
    position source."""

    def __init__(self, database: Database[Any]) -> None:
        self._database = database
        self._generation = -1
        self._projector: Projector | None = None

    def current(self) -> Epoch:
        """The active generation, and the offsets the rebuild that filled it reached; the
        projector moves to it first (an outage part-way leaves the move to do again)."""
        current = pointer(self._database)
        generation = int(current["generation"])
        if generation != self._generation:
            projector = Projector(self._database, generation)
            projector.setup()
            self._projector, self._generation = projector, generation
        starts = {TopicPartition(o["topic"], o["partition"]): o["offset"]
                  for o in current.get("offsets") or []}  # fmt: skip
        return Epoch(generation, starts)

    def __call__(self, envelope: dict[str, Any]) -> None:
        assert self._projector is not None, "the runner asks current() before each batch"
        self._projector(envelope)


def bootstrap(config: ServiceConfig, resources: Resources | None = None) -> Worker:
    """The reporting worker's composition root: one consumer of both topics feeding every
    projection of the active generation (these resources, or the configured ones)."""
    resources = resources or Resources(config)
    live = LiveProjector(resources.database)
    loop = consumer_loop(resources, ["assessment", "kpi"], live, positions=live)
    return Worker([loop], resources)


if __name__ == "__main__":
    run_worker("reporting", bootstrap)
