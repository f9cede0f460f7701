"""The kpi worker's composition root: python -m services.kpi.worker.

`bootstrap(config)` builds the adapters (lazily connected), the services the policies
use, and the loops: the outbox relay of the kpi topic; the consumer of the assessment
topic, which keeps the engagement directory and runs the policies (services/kpi/policies.py);
housekeeping; the subject keys' loop (shared/privacy/key_topic.py); and the consumer of its
own topic publishing the records of its private personal fields (a session's private notes)
on the subject-index topic, for the subject-access export (shared/privacy/private_index.py).
"""

from __future__ import annotations

from typing import Any

from services.kpi import policies
from services.kpi.domain.coaching_log import CoachingLog
from services.kpi.domain.kpi_plan import KpiPlan
from services.kpi.handlers.base import Services
from shared.clock import SYSTEM_CLOCK, Clock
from shared.config import ServiceConfig
from shared.messaging.consumer_runner import Handler
from shared.messaging.kafka_publisher import KafkaPublisher
from shared.privacy.private_index import PrivateIndex, private_personal
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


def assessment_handler(services: Services) -> Handler:
    """Keep the engagement directory, then run the policies, for each assessment event."""
    directory = services.adapters.engagement_directory

    def handle(envelope: dict[str, Any]) -> None:
        directory.handle(envelope)
        policies.react(services, envelope)

    return handle


def private_index_loop(resources: Resources) -> Loop:
    """A consumer of the kpi topic (a group of its own) publishing, for each event with
    private personal fields, their sealed records on the subject-index topic."""
    config = resources.config
    names = private_personal([*KpiPlan.EVENTS, *CoachingLog.EVENTS])
    publisher = KafkaPublisher(config.kafka_bootstrap_servers, client_id="mastery-private-index")
    index = PrivateIndex(resources.event_store, publisher, config.subject_index_topic, "kpi", names)
    return consumer_loop(resources, ["kpi"], index.handle,
                         group=f"{config.group_id}.private-index")  # fmt: skip


def bootstrap(
    config: ServiceConfig, resources: Resources | None = None, clock: Clock = SYSTEM_CLOCK
) -> Worker:
    """The kpi worker's loops over its adapters (these resources, or the configured ones)."""
    resources = resources or Resources(config)
    services = Services.configured(resources, config, clock)
    keys = key_topic(resources)
    loops = [
        leased_relay(resources, "kpi", keys),
        consumer_loop(resources, ["assessment"], assessment_handler(services)),
        housekeeping_loop(resources),
        key_loop(resources, keys),
        private_index_loop(resources),
    ]
    return Worker(loops, resources)


if __name__ == "__main__":
    run_worker("kpi", bootstrap)
