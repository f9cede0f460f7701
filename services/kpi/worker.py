"""The kpi worker's composition root: python -m services.kpi.worker.

`bootstrap(config)` builds the adapters (lazily connected), the services the policies
use, and the loops: the outbox relay of the kpi topic; the consumer of the assessment
topic, which keeps the engagement directory and runs the policies (services/kpi/policies.py);
housekeeping; the subject keys' loop (shared/privacy/key_topic.py).
"""

from __future__ import annotations

from typing import Any

from services.kpi import policies
from services.kpi.handlers.base import Services
from shared.clock import SYSTEM_CLOCK, Clock
from shared.config import ServiceConfig
from shared.messaging.consumer_runner import Handler
from shared.resources import Resources
from shared.worker import (
    Worker,
    consumer_loop,
    housekeeping_loop,
    key_loop,
    relay_loop,
    run_worker,
)


def assessment_handler(services: Services) -> Handler:
    """Keep the engagement directory, then run the policies, for each assessment event."""
    directory = services.adapters.engagement_directory

    def handle(envelope: dict[str, Any]) -> None:
        directory.handle(envelope)
        policies.react(services, envelope)

    return handle


def bootstrap(
    config: ServiceConfig, resources: Resources | None = None, clock: Clock = SYSTEM_CLOCK
) -> Worker:
    """The kpi worker's loops over its adapters (these resources, or the configured ones)."""
    resources = resources or Resources(config)
    services = Services.configured(resources, config, clock)
    loops = [
        relay_loop(resources, "kpi"),
        consumer_loop(resources, ["assessment"], assessment_handler(services)),
        housekeeping_loop(resources),
        key_loop(resources),
    ]
    return Worker(loops, resources)


if __name__ == "__main__":
    run_worker("kpi", bootstrap)
