"""The assessment worker's composition root: python -m services.assessment.worker.

`bootstrap(config)` builds the adapters (lazily connected), the services the policies use,
and the loops: the outbox relay of the assessment topic; the consumer of that same topic,
which keeps the round schedule (the rounds open now: services/assessment/round_schedule.py);
the schedule, which runs the `close_due_rounds` and `erase_expired` policies
(services/assessment/policies.py) every `schedule_seconds`; the consumer keeping the
retention list (the closed engagements not erased yet: services/assessment/retention_due.py);
housekeeping; the subject keys' loop (shared/privacy/key_topic.py); and the subject index's
consumer of the kpi topic, for the subject-access export.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from services.assessment import policies
from services.assessment.handlers.base import Services
from services.assessment.retention_due import MongoRetentionDue, RetentionDue
from services.assessment.round_schedule import MongoRoundSchedule, RoundSchedule
from shared.clock import SYSTEM_CLOCK, Clock
from shared.config import ServiceConfig
from shared.resources import Resources
from shared.worker import (
    Loop,
    Worker,
    consumer_loop,
    housekeeping_loop,
    key_loop,
    key_topic,
    leased_relay,
    run_worker,
)

log = logging.getLogger(__name__)


def schedule_loop(
    services: Services, schedule: RoundSchedule, due: RetentionDue, every_seconds: float
) -> Loop:
    """A worker loop closing due rounds and erasing expired engagements' people every
    `every_seconds` (a failed pass is retried)."""

    def run(stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                if count := policies.close_due_rounds(services, schedule):
                    log.info("closed rounds at their closing date", extra={"count": count})
            except Exception:
                log.exception("closing due rounds failed; retrying next pass")
            try:
                if count := policies.erase_expired(services, due):
                    log.info("erased people at the end of retention", extra={"count": count})
            except Exception:
                log.exception("erasing expired engagements failed; retrying next pass")
            stop.wait(every_seconds)

    return Loop("schedule", run)


def subject_index_loop(resources: Resources) -> Loop:
    """A consumer of the kpi topic and of the subject-index topic (a group of its own)
    indexing, for the subject-access export, each kpi event holding a person's sealed values
    and each record of the kpi service's private fields (shared/privacy/subject_index.py)."""
    index = resources.subject_index
    config = resources.config

    def handle(message: dict[str, Any]) -> None:
        if "record" in message and "type" not in message:  # a subject-index record
            index.add_private(message)
        else:
            index.add_records(message, "kpi")

    return consumer_loop(resources, ["kpi"], handle, group=f"{config.group_id}.subjects",
                         extra_topics=[config.subject_index_topic])  # fmt: skip


def bootstrap(
    config: ServiceConfig, resources: Resources | None = None, clock: Clock = SYSTEM_CLOCK
) -> Worker:
    """The assessment worker's loops over its adapters (these resources, or the configured)."""
    resources = resources or Resources(config)
    services = Services(resources, clock)
    schedule = MongoRoundSchedule.of(resources.database)
    due = MongoRetentionDue.of(resources.database)
    keys = key_topic(resources)
    loops = [
        leased_relay(resources, "assessment", keys),
        consumer_loop(resources, ["assessment"], schedule.handle),
        consumer_loop(resources, ["assessment"], due.handle, group=f"{config.group_id}.retention"),
        schedule_loop(services, schedule, due, config.schedule_seconds),
        housekeeping_loop(resources),
        key_loop(resources, keys),
        subject_index_loop(resources),
    ]
    return Worker(loops, resources)


if __name__ == "__main__":
    run_worker("assessment", bootstrap)
