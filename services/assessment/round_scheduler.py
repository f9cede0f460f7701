"""Closes feedback rounds whose closing date has passed (run by the assessment worker)."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from services.assessment.domain.feedback_round import FeedbackRound
from services.assessment.domain.feedback_round_events import (
    FeedbackRoundClosed,
    FeedbackRoundOpened,
)
from services.assessment.rounds_service import seal_and_close
from shared.domain.aggregate import DomainEvent
from shared.domain.errors import ConcurrencyConflict
from shared.events.envelope import EventContext, type_name
from shared.eventstore.port import EventStore
from shared.eventstore.repository import Repository

log = logging.getLogger(__name__)
SCHEDULER = "scheduler"


def _events(store: EventStore, event: type[DomainEvent]) -> list[dict[str, Any]]:
    """The stored events of a type, every version of it (a round closed before v2 is closed)."""
    types = [type_name("assessment", event.NAME, v) for v in range(1, event.VERSION + 1)]
    return [e for t in types for e in store.events_of_type(t)]


def due_rounds(store: EventStore, today: date) -> list[str]:
    """Stream ids of open rounds whose closing date lies before today."""
    closed = {e["streamid"] for e in _events(store, FeedbackRoundClosed)}
    return [
        e["streamid"]
        for e in _events(store, FeedbackRoundOpened)
        if e["streamid"] not in closed and date.fromisoformat(e["data"]["closes_on"]) < today
    ]


def close_due_rounds(store: EventStore, today: date) -> int:
    """Close every due round with closed_by 'schedule'; returns how many were closed."""
    repo = Repository(store, FeedbackRound)
    closed = 0
    for stream_id in due_rounds(store, today):
        round_ = repo.get_unscoped(stream_id)
        ctx = EventContext(
            round_.tenant, SCHEDULER, f"schedule-{uuid.uuid4()}", actor_roles=("system",)
        )
        try:
            seal_and_close(store, round_, "schedule", ctx)
            closed += 1
        except ConcurrencyConflict:
            log.info("round changed while closing; next pass retries", extra={"stream": stream_id})
    return closed


def schedule_loop(
    store: EventStore, today: Callable[[], date], every_seconds: float
) -> Callable[[threading.Event], None]:
    """A worker loop closing due rounds every `every_seconds`."""

    def run(stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                if count := close_due_rounds(store, today()):
                    log.info("closed rounds at their closing date", extra={"count": count})
            except Exception:
                log.exception("closing due rounds failed; retrying next pass")
            stop.wait(every_seconds)

    return run
