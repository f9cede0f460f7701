"""The assessment service's policies: its scheduled decisions, run by its worker
(services/assessment/worker.py, whose loop calls `close_due_rounds` every
`schedule_seconds`).

`close_due_rounds`: a round still open after its closing date is closed by the schedule
(closed_by 'schedule', actor 'scheduler'), as its coach would close it (round_results
seal_and_close); a round that changed meanwhile is left for the next pass. The rounds due
come from the round schedule (round_schedule.py), which holds only the rounds open now.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date

from services.assessment.handlers.base import Services
from services.assessment.handlers.round_results import seal_and_close
from services.assessment.round_schedule import RoundSchedule
from shared.domain.errors import ConcurrencyConflict, NotFound
from shared.events.envelope import EventContext

log = logging.getLogger(__name__)
SCHEDULER = "scheduler"


def due_rounds(schedule: RoundSchedule, today: date) -> list[str]:
    """Stream ids of open rounds whose closing date lies before today."""
    return schedule.due(today)


def close_due_rounds(services: Services, schedule: RoundSchedule) -> int:
    """Close every round the schedule has due on the services' clock's today; returns how
    many were closed. A round found closed already (by its coach, its closing not applied to
    the schedule yet) is forgotten."""
    closed = 0
    for stream_id in due_rounds(schedule, services.clock.today()):
        try:
            round_ = services.rounds().get_unscoped(stream_id)
        except NotFound:
            round_ = None  # not in this store (its database was reset, not its topic)
        if round_ is None or round_.closed:
            schedule.forget(stream_id)
            continue
        ctx = EventContext(
            round_.tenant, SCHEDULER, f"schedule-{uuid.uuid4()}", actor_roles=("system",)
        )
        try:
            seal_and_close(services, round_, "schedule", ctx)
            schedule.forget(stream_id)
            closed += 1
        except ConcurrencyConflict:
            log.info("round changed while closing; next pass retries", extra={"stream": stream_id})
    return closed
