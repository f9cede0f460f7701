"""KPI worker: python -m services.kpi.worker (outbox relay; engagements and closed rounds
from the assessment topic)."""

from __future__ import annotations

from typing import Any

from services.kpi.domain.status import StatusThresholds
from services.kpi.round_measurements import measure_from_round
from shared.clock import today
from shared.resources import Resources
from shared.worker import Loop, consumer_loop, housekeeping_loop, main_for, relay_loop


def assessment_handler(resources: Resources) -> Any:
    """Keep the engagement directory; measure behavioural KPIs from closed rounds."""
    config = resources.config
    thresholds = StatusThresholds(config.on_track_below, config.at_risk_up_to)
    directory, store = resources.engagement_directory, resources.event_store

    def handle(envelope: dict[str, Any]) -> None:
        directory.handle(envelope)
        measure_from_round(store, envelope, today, thresholds)

    return handle


def loops(resources: Resources) -> list[Loop]:
    """The relay of the kpi topic, the consumer of the assessment topic, housekeeping."""
    return [
        relay_loop(resources, "kpi"),
        consumer_loop(resources, ["assessment"], assessment_handler(resources)),
        housekeeping_loop(resources),
    ]


if __name__ == "__main__":
    main_for("kpi", loops)
