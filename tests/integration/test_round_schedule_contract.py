"""The round schedule contract, held by the in-memory fake and the MongoDB adapter, fed with
the events a real round publishes (its opening and its closing, from the domain)."""

from datetime import date

import pytest

from services.assessment.domain.feedback import RaterGroup, Scale
from services.assessment.domain.feedback_round import (
    FeedbackRound,
    Invitation,
    catalogue_competency,
)
from services.assessment.domain.feedback_round_events import Purpose, RoundSettings
from services.assessment.round_schedule import MemoryRoundSchedule, MongoRoundSchedule
from shared.events.envelope import EventContext
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.eventstore.repository import Repository
from tests.privacy import protection

PROTECTION = protection("assessment")


@pytest.fixture(params=["memory", "mongo"])
def schedule(request):
    if request.param == "memory":
        return MemoryRoundSchedule()
    return MongoRoundSchedule.of(request.getfixturevalue("mongo_db"))


def round_events(round_id: str, closes_on: date, close: bool = False) -> list[dict]:
    """The envelopes a round publishes: opened (and an invitation), closed if asked."""
    store = MemoryEventStore()
    settings = RoundSettings(
        Purpose.PULSE, (catalogue_competency("listening"),), Scale(-3, 3), 3, closes_on
    )
    round_ = FeedbackRound.open("e1", round_id, settings)
    round_.invite(Invitation("i1", RaterGroup.PEER, "Pat", "p@x.org", "h"), date(2026, 1, 1))
    rounds = Repository(store, FeedbackRound, PROTECTION)
    rounds.save(round_, EventContext("acme", "c1", "k"))
    if close:
        round_ = rounds.get("acme", f"round-{round_id}")
        round_.close("coach")
        rounds.save(round_, EventContext("acme", "c1", "k2"))
    return [e for c in store.unpublished(limit=100) for e in c.events]


def test_open_rounds_are_due_after_their_closing_date_closed_ones_never(schedule):
    for envelope in round_events("a", date(2026, 3, 1)) + round_events("b", date(2026, 2, 1)):
        schedule.handle(envelope)
    for envelope in round_events("c", date(2026, 1, 1), close=True):
        schedule.handle(envelope)
    assert schedule.due(date(2026, 3, 1)) == ["round-b"]
    assert schedule.due(date(2026, 3, 2)) == ["round-b", "round-a"]
    assert {e["_id"]: e["tenant"] for e in schedule.entries()} == {
        "round-a": "acme",
        "round-b": "acme",
    }


def test_applying_twice_changes_nothing_and_the_first_date_is_kept(schedule):
    opened = round_events("a", date(2026, 3, 1))
    for envelope in opened + opened:
        schedule.handle(envelope)
    schedule.add("round-a", "acme", "2027-01-01")
    assert [(e["_id"], e["closes_on"]) for e in schedule.entries()] == [("round-a", "2026-03-01")]
    schedule.forget("round-a")
    schedule.forget("round-a")
    assert schedule.entries() == []
