"""Closes feedback rounds whose closing date has passed (run by the assessment worker)."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import date

from services.assessment.domain.feedback_round import FeedbackRound
from services.assessment.domain.feedback_round_events import (
    FeedbackRoundClosed,
    FeedbackRoundOpened,
)
from shared.domain.errors import ConcurrencyConflict
from shared.events.envelope import EventContext, type_name
from shared.eventstore.port import EventStore
from shared.eventstore.repository import Repository

log = logging.getLogger(__name__)
SCHEDULER = "scheduler"


def _type(event: type[FeedbackRoundOpened] | type[FeedbackRoundClosed]) -> str:
    return type_name("assessment", event.NAME, event.VERSION)


def due_rounds(store: EventStore, today: date) -> list[str]:
    """Stream ids of open rounds whose closing date lies before today."""
    closed = {e["streamid"] for e in store.events_of_type(_type(FeedbackRoundClosed))}
    return [
        e["streamid"]
        for e in store.events_of_type(_type(FeedbackRoundOpened))
        if e["streamid"] not in closed and date.fromisoformat(e["data"]["closes_on"]) < today
    ]


def close_due_rounds(store: EventStore, today: date) -> int:
    """Close every due round with closed_by 'schedule'; returns how many were closed."""
    repo = Repository(store, FeedbackRound)
    closed = 0
    for stream_id in due_rounds(store, today):
        round_ = repo.get_unscoped(stream_id)
        loaded = round_.version
        round_.close("schedule")
        ctx = EventContext(
            round_.tenant, SCHEDULER, f"schedule-{uuid.uuid4()}", actor_roles=("system",)
        )
        try:
            repo.save(round_, ctx, expected_version=loaded)
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
