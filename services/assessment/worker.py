"""Assessment worker: python -m services.assessment.worker (outbox relay, round closing,
housekeeping)."""

from services.assessment.round_scheduler import schedule_loop
from shared.clock import today
from shared.resources import Resources
from shared.worker import Loop, housekeeping_loop, main_for, relay_loop


def loops(resources: Resources) -> list[Loop]:
    """Relay the outbox; close rounds that reached their closing date."""
    every = resources.config.schedule_seconds
    return [
        relay_loop(resources, "assessment"),
        schedule_loop(resources.event_store, today, every),
        housekeeping_loop(resources),
    ]


if __name__ == "__main__":
    main_for("assessment", loops)
