from datetime import date

import pytest

from services.assessment.domain.engagement import (
    CoachAssigned,
    Engagement,
    EngagementCancelled,
    EngagementPhaseChanged,
    OpenEngagement,
    Person,
    Phase,
    Stakeholder,
)
from shared.domain.errors import InvalidCommand, InvalidTransition, NotFound
from shared.domain.personal import is_sealed
from shared.events.envelope import EventContext
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.eventstore.repository import Repository
from tests.privacy import protection

PROTECTION = protection("assessment")

CTX = EventContext(tenant="acme", actor="c1", correlation_id="corr")


def opened() -> Engagement:
    command = OpenEngagement(
        "e1", "acme", Person("x1", "Alex"), Person("c1", "Casey"), Person("m1", "Dana"),
        "Personal mastery", date(2026, 1, 5),
    )  # fmt: skip
    engagement = Engagement.open(command)
    engagement.pending.clear()
    return engagement


def test_phases_advance_one_step_at_a_time_to_completion():
    engagement = opened()
    for phase in (Phase.KPI_ALIGNMENT, Phase.RESULTS_MANAGEMENT, Phase.COMPLETED):
        engagement.advance_to(phase)
        assert engagement.phase is phase
    assert [type(e) for e in engagement.pending] == [EngagementPhaseChanged] * 3


@pytest.mark.parametrize(
    "target", [Phase.RESULTS_MANAGEMENT, Phase.COMPLETED, Phase.NEEDS_ASSESSMENT]
)
def test_skipping_or_going_back_is_an_invalid_transition(target):
    with pytest.raises(InvalidTransition):
        opened().advance_to(target)


@pytest.mark.parametrize("setup", ["completed", "cancelled"])
def test_a_closed_engagement_refuses_every_change(setup):
    engagement = opened()
    if setup == "completed":
        for phase in (Phase.KPI_ALIGNMENT, Phase.RESULTS_MANAGEMENT, Phase.COMPLETED):
            engagement.advance_to(phase)
    else:
        engagement.cancel("executive left the company")
    with pytest.raises(InvalidTransition):
        engagement.cancel("again")
    with pytest.raises(InvalidTransition):
        engagement.add_stakeholder(Stakeholder("s1", "Pat", "peer", "pat@example.org"))
    with pytest.raises(InvalidTransition):
        engagement.assign_coach(Person("c2", "Cory"), "handover")


def test_cancellation_needs_a_reason_and_records_the_phase_it_left():
    engagement = opened()
    with pytest.raises(InvalidCommand):
        engagement.cancel("  ")
    engagement.advance_to(Phase.KPI_ALIGNMENT)
    engagement.cancel("budget frozen")
    assert engagement.pending[-1] == EngagementCancelled("e1", "kpi_alignment")
    assert engagement.phase is Phase.CANCELLED


def test_coach_and_manager_changes_need_a_reason_and_different_people():
    engagement = opened()
    with pytest.raises(InvalidCommand):
        engagement.assign_coach(Person("c2", "Cory"), "")
    with pytest.raises(InvalidTransition):
        engagement.assign_coach(Person("c1", "Casey"), "same coach")
    with pytest.raises(InvalidCommand):
        engagement.assign_manager(Person("x1", "Alex"), "self-managed")
    engagement.assign_coach(Person("c2", "Cory"), "caseload")
    assert engagement.pending[-1] == CoachAssigned(
        "e1", Person("c2", "Cory"), Person("c1", "Casey")
    )
    engagement.assign_manager(Person("m2", "Morgan"), "reorganisation")
    assert engagement.manager == Person("m2", "Morgan")


def test_stakeholders_are_added_once_with_a_known_relationship_and_removed():
    engagement = opened()
    engagement.add_stakeholder(Stakeholder("s1", "Pat", "peer", "pat@example.org"))
    with pytest.raises(InvalidTransition):
        engagement.add_stakeholder(Stakeholder("s1", "Pat", "peer", "pat@example.org"))
    with pytest.raises(InvalidCommand):
        engagement.add_stakeholder(Stakeholder("s2", "Sam", "self", "sam@example.org"))
    engagement.remove_stakeholder("s1")
    assert engagement.stakeholders == {}
    with pytest.raises(NotFound):
        engagement.remove_stakeholder("s1")


def test_a_stakeholders_contact_is_stored_privately_and_never_published():
    store = MemoryEventStore()
    repo = Repository(store, Engagement, PROTECTION)
    engagement = Engagement.open(
        OpenEngagement(
            "e1", "acme", Person("x1", "Alex"), Person("c1", "Casey"), Person("m1", "Dana"),
            "Personal mastery", date(2026, 1, 5),
        )
    )  # fmt: skip
    engagement.add_stakeholder(Stakeholder("s1", "Pat", "peer", "pat@example.org"))
    repo.save(engagement, CTX)
    published = [e for c in store.unpublished() for e in c.events]
    assert "pat@example.org" not in repr(published) and "Pat" not in repr(published)
    data = dict(published[1]["data"])
    assert is_sealed(data.pop("name"))  # the stakeholder's name, with their key
    assert data == {"engagement_id": "e1", "stakeholder_id": "s1", "relationship": "peer"}
    assert is_sealed(store.load("engagement-e1")[1]["private"]["contact"])
    reloaded = repo.get("acme", "engagement-e1")
    assert reloaded.stakeholders["s1"].contact == "pat@example.org"
