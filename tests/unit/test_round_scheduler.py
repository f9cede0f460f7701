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
from services.assessment.round_schedule import MemoryRoundSchedule
from shared.clock import Clock
from shared.events.envelope import EventContext
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.eventstore.repository import Repository
from shared.privacy.subject_index import MemorySubjectIndex
from tests.privacy import protection

PROTECTION = protection("assessment")
KEYS = PROTECTION.keys


def on(store, day: date) -> Services:
    """The assessment services over the store, on a clock pinned to the day (noon UTC)."""
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return Services(
        SimpleNamespace(event_store=store, subject_keys=KEYS, subject_index=MemorySubjectIndex()),
        Clock(lambda: noon),
    )


def open_round(store, round_id: str, closes_on: date, tenant: str = "acme") -> None:
    settings = RoundSettings(
        Purpose.PULSE, (catalogue_competency("listening"),), Scale(-3, 3), 3, closes_on
    )
    round_ = FeedbackRound.open("e1", round_id, settings)
    round_.invite(Invitation("i1", RaterGroup.PEER, "Pat", "p@x.org", "h"), date(2026, 1, 1))
    Repository(store, FeedbackRound, PROTECTION).save(round_, EventContext(tenant, "c1", "k"))


def published(store, schedule) -> None:
    """What the worker's consumer does: every event published so far, applied once more."""
    for commit in store.unpublished(limit=10_000):
        for envelope in commit.events:
            schedule.handle(envelope)


def test_rounds_past_their_closing_date_are_closed_by_the_schedule_once():
    store, schedule = MemoryEventStore(), MemoryRoundSchedule()
    open_round(store, "due", date(2026, 3, 1))
    open_round(store, "other-tenant", date(2026, 3, 1), tenant="globex")
    open_round(store, "today", date(2026, 3, 2))
    published(store, schedule)
    assert due_rounds(schedule, date(2026, 3, 2)) == ["round-due", "round-other-tenant"]
    assert close_due_rounds(on(store, date(2026, 3, 2)), schedule) == 2
    closed = Repository(store, FeedbackRound, PROTECTION).get("globex", "round-other-tenant")
    assert closed.closed and store.load("round-due")[-1]["actor"] == "scheduler"
    assert store.load("round-due")[-1]["data"]["closed_by"] == "schedule"
    assert close_due_rounds(on(store, date(2026, 3, 2)), schedule) == 0
    assert not Repository(store, FeedbackRound, PROTECTION).get("acme", "round-today").closed
    assert [e["_id"] for e in schedule.entries()] == ["round-today"]


def test_the_schedule_holds_only_open_rounds_whatever_is_redelivered():
    store, schedule = MemoryEventStore(), MemoryRoundSchedule()
    open_round(store, "early", date(2026, 3, 1))
    open_round(store, "late", date(2026, 4, 1))
    published(store, schedule)
    published(store, schedule)  # redelivered: nothing doubles
    assert due_rounds(schedule, date(2026, 3, 2)) == ["round-early"]
    assert due_rounds(schedule, date(2026, 4, 2)) == ["round-early", "round-late"]
    assert close_due_rounds(on(store, date(2026, 3, 2)), schedule) == 1
    published(store, schedule)  # the opening again, then the closing: still closed
    assert due_rounds(schedule, date(2026, 4, 2)) == ["round-late"]


def test_a_round_closed_already_or_unknown_is_forgotten_not_closed_again():
    store, schedule = MemoryEventStore(), MemoryRoundSchedule()
    open_round(store, "due", date(2026, 3, 1))
    schedule.add("round-due", "acme", "2026-03-01")
    schedule.add("round-unknown", "acme", "2026-02-01")  # no such stream in this store
    assert close_due_rounds(on(store, date(2026, 3, 2)), schedule) == 1
    closed_once = len(store.load("round-due"))
    schedule.add("round-due", "acme", "2026-03-01")  # its opening redelivered after
    assert close_due_rounds(on(store, date(2026, 3, 2)), schedule) == 0
    assert len(store.load("round-due")) == closed_once and schedule.entries() == []
