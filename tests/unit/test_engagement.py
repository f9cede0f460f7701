from datetime import date

import pytest

from services.assessment.domain.engagement import (
    Engagement,
    EngagementOpened,
    OpenEngagement,
    Person,
    Phase,
)
from shared.domain.errors import (
    ConcurrencyConflict,
    InvalidCommand,
    NotFound,
    PreconditionFailed,
)
from shared.events.envelope import EventContext, verify_chain
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.eventstore.repository import Repository
from tests.privacy import protection

PROTECTION = protection("assessment")

CTX = EventContext(tenant="acme", actor="c1", correlation_id="corr")


def command(**changes) -> OpenEngagement:
    values = dict(
        engagement_id="e1",
        organisation="acme",
        executive=Person("x1", "Alex"),
        coach=Person("c1", "Casey"),
        manager=Person("m1", "Dana"),
        programme="Personal mastery",
        start_date=date(2026, 1, 5),
    )
    return OpenEngagement(**(values | changes))


def test_opening_records_engagement_opened_in_needs_assessment():
    engagement = Engagement.open(command())
    assert [type(e) for e in engagement.pending] == [EngagementOpened]
    assert engagement.phase is Phase.NEEDS_ASSESSMENT
    assert engagement.manager == Person("m1", "Dana")
    assert engagement.stream_id == "engagement-e1"


@pytest.mark.parametrize(
    "changes",
    [
        {"manager": Person("x1", "Alex")},
        {"coach": Person("x1", "Alex")},
        {"coach": Person("m1", "Dana")},
    ],
)
def test_participants_must_be_different_people(changes):
    with pytest.raises(InvalidCommand):
        Engagement.open(command(**changes))


def test_saved_engagement_replays_to_the_same_state():
    store = MemoryEventStore()
    repo = Repository(store, Engagement, PROTECTION)
    opened = Engagement.open(command())
    repo.save(opened, CTX, expected_version=0)
    loaded = repo.get("acme", "engagement-e1")
    assert (loaded.version, loaded.executive, loaded.start_date) == (
        1,
        opened.executive,
        "2026-01-05",
    )
    assert loaded.last_hash == store.load("engagement-e1")[0]["hash"]
    assert verify_chain(store.load("engagement-e1")) is None


def test_another_tenant_cannot_load_the_engagement():
    store = MemoryEventStore()
    Repository(store, Engagement, PROTECTION).save(Engagement.open(command()), CTX)
    with pytest.raises(NotFound):
        Repository(store, Engagement, PROTECTION).get("globex", "engagement-e1")


def test_opening_the_same_engagement_twice_conflicts():
    store = MemoryEventStore()
    repo = Repository(store, Engagement, PROTECTION)
    repo.save(Engagement.open(command()), CTX, expected_version=0)
    with pytest.raises(ConcurrencyConflict):
        repo.save(Engagement.open(command()), CTX, expected_version=0)
    assert len(store.load("engagement-e1")) == 1


def test_stale_expected_version_is_a_conflict_and_stores_nothing():
    store = MemoryEventStore()
    repo = Repository(store, Engagement, PROTECTION)
    repo.save(Engagement.open(command()), CTX)
    loaded = repo.get("acme", "engagement-e1")
    loaded.record(EngagementOpened.from_data(store.load("engagement-e1")[0]["data"]))
    with pytest.raises(ConcurrencyConflict):
        repo.save(loaded, CTX, expected_version=0)
    assert len(store.load("engagement-e1")) == 1


def overtaking(repo: Repository) -> object:
    """An act that lets another writer store an event before the first one saves."""

    def act(engagement: Engagement) -> None:
        other = repo.get("acme", "engagement-e1")
        repo.update(other, lambda e: e.cancel("the other writer"), CTX)
        engagement.advance_to(Phase.KPI_ALIGNMENT)

    return act


@pytest.mark.parametrize(
    ("if_match", "error"), [(1, PreconditionFailed), (None, ConcurrencyConflict)]
)
def test_a_writer_overtaken_after_its_if_match_check_gets_412(if_match, error):
    store = MemoryEventStore()
    repo = Repository(store, Engagement, PROTECTION)
    repo.save(Engagement.open(command()), CTX)
    mine = repo.get("acme", "engagement-e1")
    with pytest.raises(error):
        repo.update(mine, overtaking(repo), CTX, if_match=if_match)
    assert [e["type"].split(".")[2] for e in store.load("engagement-e1")] == [
        "EngagementOpened", "EngagementCancelled"
    ]  # fmt: skip
