"""The assessment service's policies: its scheduled decisions, run by its worker
(services/assessment/worker.py, whose loop calls `close_due_rounds` every
`schedule_seconds`).

`close_due_rounds`: a round still open after its closing date is closed by the schedule
(closed_by 'schedule', actor 'scheduler'), as its coach would close it (round_results
seal_and_close); a round that changed meanwhile is left for the next pass.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date
from typing import Any

from services.assessment.domain.feedback_round_events import (
    FeedbackRoundClosed,
    FeedbackRoundOpened,
)
from services.assessment.handlers.base import Services
from services.assessment.handlers.round_results import seal_and_close
from shared.domain.aggregate import DomainEvent
from shared.domain.errors import ConcurrencyConflict
from shared.events.envelope import EventContext, type_name

log = logging.getLogger(__name__)
SCHEDULER = "scheduler"


def _events(services: Services, event: type[DomainEvent]) -> list[dict[str, Any]]:
    """The stored events of a type, every version of it (a round closed before v2 is closed)."""
    types = [type_name("assessment", event.NAME, v) for v in range(1, event.VERSION + 1)]
    return [e for t in types for e in services.store.events_of_type(t)]


def due_rounds(services: Services, today: date) -> list[str]:
    """Stream ids of open rounds whose closing date lies before today."""
    closed = {e["streamid"] for e in _events(services, FeedbackRoundClosed)}
    return [
        e["streamid"]
        for e in _events(services, FeedbackRoundOpened)
        if e["streamid"] not in closed and date.fromisoformat(e["data"]["closes_on"]) < today
    ]


def close_due_rounds(services: Services) -> int:
    """Close every round due on the services' clock's today; returns how many were closed."""
    closed = 0
    for stream_id in due_rounds(services, services.clock.today()):
        round_ = services.rounds().get_unscoped(stream_id)
        ctx = EventContext(
            round_.tenant, SCHEDULER, f"schedule-{uuid.uuid4()}", actor_roles=("system",)
        )
        try:
            seal_and_close(services, round_, "schedule", ctx)
            closed += 1
        except ConcurrencyConflict:
            log.info("round changed while closing; next pass retries", extra={"stream": stream_id})
    return closed
