from datetime import UTC, date, datetime
from types import SimpleNamespace

from services.assessment.domain.feedback import RaterGroup, Scale
from services.assessment.domain.feedback_round import (
    FeedbackRound,
    Invitation,
    catalogue_competency,
)
from services.assessment.domain.feedback_round_events import Purpose, RoundSettings
from services.assessment.handlers.base import Services
from services.assessment.policies import close_due_rounds, due_rounds
from shared.clock import Clock
from shared.events.envelope import EventContext
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.eventstore.repository import Repository


def on(store, day: date) -> Services:
    """The assessment services over the store, on a clock pinned to the day (noon UTC)."""
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return Services(SimpleNamespace(event_store=store), Clock(lambda: noon))


def open_round(store, round_id: str, closes_on: date, tenant: str = "acme") -> None:
    settings = RoundSettings(
        Purpose.PULSE, (catalogue_competency("listening"),), Scale(-3, 3), 3, closes_on
    )
    round_ = FeedbackRound.open("e1", round_id, settings)
    round_.invite(Invitation("i1", RaterGroup.PEER, "Pat", "p@x.org", "h"), date(2026, 1, 1))
    Repository(store, FeedbackRound).save(round_, EventContext(tenant, "c1", "k"))


def test_rounds_past_their_closing_date_are_closed_by_the_schedule_once():
    store = MemoryEventStore()
    open_round(store, "due", date(2026, 3, 1))
    open_round(store, "other-tenant", date(2026, 3, 1), tenant="globex")
    open_round(store, "today", date(2026, 3, 2))
    assert sorted(due_rounds(on(store, date(2026, 3, 2)), date(2026, 3, 2))) == [
        "round-due",
        "round-other-tenant",
    ]
    assert close_due_rounds(on(store, date(2026, 3, 2))) == 2
    closed = Repository(store, FeedbackRound).get("globex", "round-other-tenant")
    assert closed.closed and store.load("round-due")[-1]["actor"] == "scheduler"
    assert store.load("round-due")[-1]["data"]["closed_by"] == "schedule"
    assert close_due_rounds(on(store, date(2026, 3, 2))) == 0
    assert not Repository(store, FeedbackRound).get("acme", "round-today").closed
