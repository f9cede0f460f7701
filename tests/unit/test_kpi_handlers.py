"""The kpi handlers called directly (no web framework), over the in-memory store and
directory, on a pinned clock: one behaviour of each use case at least."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from services.kpi import policies
from services.kpi.commands import (
    ApproveKpi,
    ChangeKpi,
    ProposeKpi,
    RecordReview,
    RecordSession,
    RetireKpi,
    ReviewMeasurement,
    ReweightKpis,
    SendBackKpi,
)
from services.kpi.domain.coaching_log import Commitment, NewSession
from services.kpi.domain.kpi_events import KpiDefinition, Person
from services.kpi.domain.status import StatusThresholds
from services.kpi.handlers import COMMAND_HANDLERS, KpiHandlers
from services.kpi.handlers.base import Services
from shared.auth.caller import Caller
from shared.auth.tokens import Principal
from shared.clock import Clock
from shared.domain.errors import (
    Forbidden,
    InvalidCommand,
    InvalidTransition,
    NotFound,
    PreconditionFailed,
)
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.projections.engagement_directory import MemoryEngagementDirectory
from tests.privacy import memory_keys
from tests.unit.api_helpers import engagement_opened

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CLOCK = Clock(lambda: NOON)
TODAY = CLOCK.today()
DUE = (TODAY + timedelta(days=180)).isoformat()
E = "e1"


def caller(subject: str, *roles: str, tenant: str = "acme") -> Caller:
    return Caller(Principal(subject, tenant, frozenset(roles)), f"corr-{subject}")


COACH, MANAGER = caller("c1", "coach"), caller("m1", "manager")
EXECUTIVE, OTHER_COACH = caller("x1", "executive"), caller("c9", "coach")


def definition(name: str, weight: int, **changes) -> KpiDefinition:
    values = dict(name=name, description="", kind="performance", capability=None, unit="%",
                  baseline=90.0, target=96.0, direction="increase", tolerance=0.0,
                  weight=weight, cadence="monthly", due_on=DUE)  # fmt: skip
    return KpiDefinition(**(values | changes))


@pytest.fixture
def store():
    return MemoryEventStore()


@pytest.fixture
def directory():
    directory = MemoryEngagementDirectory()
    directory.handle(engagement_opened(E))  # coach c1, manager m1, executive x1 of acme
    return directory


@pytest.fixture
def handlers(store, directory) -> KpiHandlers:
    adapters = SimpleNamespace(
        event_store=store, engagement_directory=directory, subject_keys=memory_keys("kpi")
    )
    return KpiHandlers(Services(adapters, CLOCK, StatusThresholds()))


def events(store) -> list[dict]:
    return [e for c in store.unpublished(limit=10_000) for e in c.events]


def propose(handlers, name: str = "NRR", weight: int = 100, by: Caller = COACH, **changes):
    command = ProposeKpi(engagement_id=E, definition=definition(name, weight, **changes))
    return handlers.handle(command, by).created_id


def aligned(handlers, *weights: int) -> list[str]:
    ids = [propose(handlers, f"KPI {n}", w) for n, w in enumerate(weights)]
    for kpi_id in ids:
        handlers.handle(ApproveKpi(engagement_id=E, kpi_id=kpi_id), MANAGER)
    return ids


def test_every_command_has_its_handler_in_the_registry():
    assert len(set(COMMAND_HANDLERS.values())) == len(COMMAND_HANDLERS) == 8


def test_propose_kpi_stores_a_proposal_under_a_generated_id_as_the_callers_event(handlers, store):
    result = handlers.handle(ProposeKpi(engagement_id=E, definition=definition("NRR", 100)), COACH)
    assert result.created_id and result.body["id"] == result.created_id
    assert (result.body["state"], result.version) == ("proposed", 1)
    [event] = events(store)
    assert event["type"] == "mastery.kpi.KpiProposed.v1"
    assert (event["actor"], event["correlationid"]) == ("c1", "corr-c1")


def test_propose_kpi_refuses_a_caller_who_only_reads_the_engagement(handlers, store):
    with pytest.raises(Forbidden):
        propose(handlers, by=EXECUTIVE)
    assert events(store) == []


def test_send_back_kpi_is_the_managers_and_records_the_comment_as_the_reason(handlers, store):
    kpi_id = propose(handlers)
    with pytest.raises(Forbidden):
        handlers.handle(SendBackKpi(engagement_id=E, kpi_id=kpi_id, comment="No"), COACH)
    sent = handlers.handle(SendBackKpi(engagement_id=E, kpi_id=kpi_id, comment="No"), MANAGER)
    assert (sent.body["state"], sent.body["sent_back_comment"]) == ("sent_back", "No")
    assert events(store)[-1]["reason"] == "No"


def test_change_kpi_revises_a_sent_back_kpi_for_the_coach_and_proposes_it_again(handlers):
    kpi_id = propose(handlers)
    handlers.handle(SendBackKpi(engagement_id=E, kpi_id=kpi_id, comment="Too soft"), MANAGER)
    changed = handlers.handle(ChangeKpi(engagement_id=E, kpi_id=kpi_id, changes={"target": 98}),
                              COACH)  # fmt: skip
    assert (changed.body["state"], changed.body["target"]) == ("proposed", 98)


def test_change_kpi_on_an_aligned_kpi_is_the_managers_at_a_review_or_outside_one(handlers):
    [kpi_id] = aligned(handlers, 100)
    change = ChangeKpi(engagement_id=E, kpi_id=kpi_id, changes={"target": 95}, reason="market")
    with pytest.raises(Forbidden):
        handlers.handle(change, COACH)
    with pytest.raises(InvalidCommand):
        handlers.handle(change, MANAGER)
    outside = ChangeKpi(engagement_id=E, kpi_id=kpi_id, changes={"target": 95}, reason="market",
                        outside_review=True)  # fmt: skip
    assert handlers.handle(outside, MANAGER).body["target"] == 95


def test_approve_kpi_fixes_the_baseline_on_the_clocks_today_unless_recorded_late(handlers):
    first, second = propose(handlers, "A", 50), propose(handlers, "B", 50)
    approved = handlers.handle(ApproveKpi(engagement_id=E, kpi_id=first), MANAGER)
    assert approved.body["baseline_on"] == TODAY.isoformat()
    late = TODAY - timedelta(days=3)
    approved = handlers.handle(ApproveKpi(engagement_id=E, kpi_id=second, aligned_on=late),
                               MANAGER)  # fmt: skip
    assert approved.body["baseline_on"] == late.isoformat()


def test_retire_kpi_reweights_the_rest_in_the_same_change(handlers):
    first, second = aligned(handlers, 50, 50)
    retire = RetireKpi(engagement_id=E, kpi_id=second, reason="merged", weights={first: 100})
    assert handlers.handle(retire, MANAGER).body["state"] == "retired"
    assert handlers.read_plan(E, MANAGER).body["weights_total"] == 100


def test_reweight_kpis_with_a_stale_if_match_is_refused_before_anything_is_decided(handlers, store):
    first, second = aligned(handlers, 50, 50)
    before = len(events(store))
    stale = ReweightKpis(engagement_id=E, weights={first: 60, second: 40}, reason="r", if_match=1)
    with pytest.raises(PreconditionFailed):
        handlers.handle(stale, MANAGER)
    current = ReweightKpis(engagement_id=E, weights={first: 60, second: 40}, reason="r",
                           if_match=len(events(store)))  # fmt: skip
    assert handlers.handle(current, MANAGER).body["weights_total"] == 100
    assert len(events(store)) == before + 2


def test_record_review_grades_its_measurements_and_is_never_dated_after_utc_today(handlers):
    [kpi_id] = aligned(handlers, 100)
    attendees = (Person("m1", "Dana"),)
    tomorrow = RecordReview(engagement_id=E, held_on=TODAY + timedelta(days=1), attendees=attendees)
    with pytest.raises(InvalidCommand):
        handlers.handle(tomorrow, MANAGER)
    measured = (ReviewMeasurement(kpi_id, 90.0, TODAY, "CRM"),)
    review = RecordReview(engagement_id=E, held_on=TODAY, attendees=attendees,
                          measurements=measured)  # fmt: skip
    result = handlers.handle(review, MANAGER)
    assert result.created_id == result.body["review_id"]
    assert [m.status for m in result.body["measurements"]] == ["on_track"]
    assert handlers.read_reviews(E, EXECUTIVE).body["reviews"][0]["review_id"] == result.created_id


def session(held_on: date) -> NewSession:
    return NewSession(held_on, 60, "coaching", commitments=(Commitment("", "Ask", DUE),),
                      private_notes="Tired.")  # fmt: skip


def test_record_session_generates_its_ids_and_accepts_todays_date_anywhere_on_earth(handlers):
    latest = CLOCK.latest_date()
    assert latest == TODAY + timedelta(days=1)  # noon UTC: already tomorrow at UTC+14
    result = handlers.handle(RecordSession(engagement_id=E, session=session(latest)), COACH)
    assert result.created_id == result.body["session_id"]
    assert result.body["commitments"][0]["commitment_id"]
    later = RecordSession(engagement_id=E, session=session(latest + timedelta(days=1)))
    with pytest.raises(InvalidCommand):
        handlers.handle(later, COACH)


def test_read_sessions_answers_private_notes_to_their_recording_coach_only(handlers, directory):
    recorded = handlers.handle(RecordSession(engagement_id=E, session=session(TODAY)), COACH)
    session_id = recorded.created_id
    assert handlers.read_session(E, session_id, COACH).body["private_notes"] == "Tired."
    assert "private_notes" not in handlers.read_session(E, session_id, MANAGER).body
    assert (
        "private_notes" not in handlers.read_sessions(E, caller("a1", "admin")).body["sessions"][0]
    )
    with pytest.raises(NotFound):
        handlers.read_session(E, "nope", COACH)


def test_read_plan_withholds_measurements_of_rounds_not_shared_from_the_manager(handlers, store):
    listening = dict(kind="behavioural", capability="listening", unit="score", baseline=2.5,
                     target=4.0, measured_by="feedback_rounds")  # fmt: skip
    kpi_id = propose(handlers, "Listening", 100, **listening)
    handlers.handle(ApproveKpi(engagement_id=E, kpi_id=kpi_id), MANAGER)
    policies.react(handlers.services, round_closed(shared=False))
    assert len(handlers.read_kpi(E, kpi_id, COACH).body["measurements"]) == 1
    assert handlers.read_kpi(E, kpi_id, MANAGER).body["measurements"] == []
    assert handlers.read_plan(E, MANAGER).body["kpis"][0]["latest"] is None
    change = ChangeKpi(engagement_id=E, kpi_id=kpi_id, changes={"description": "In 1:1s"},
                       reason="clarity", outside_review=True)  # fmt: skip
    assert handlers.handle(change, MANAGER).body["measurements"] == []  # a write's answer too
    assert len(handlers.read_kpi(E, kpi_id, COACH).body["measurements"]) == 1


def round_closed(shared: bool) -> dict:
    others = {"count": 6, "mean": 3.2, "distribution": []}
    return {
        "id": "evt-1", "type": "mastery.assessment.FeedbackRoundClosed.v2", "tenant": "acme",
        "time": NOON.isoformat(), "correlationid": "corr-r",
        "data": {"engagement_id": E, "round_id": "r7", "results_visible_to_manager": shared,
                 "results": {"scale": {"minimum": 1, "maximum": 5}, "competencies": [
                     {"competency": "listening", "others": others}]}},
    }  # fmt: skip


def test_an_engagement_unknown_to_the_tenant_is_not_found_and_a_closed_one_refuses_changes(
    handlers, directory, store
):
    with pytest.raises(NotFound):
        handlers.read_plan(E, caller("c1", "coach", "admin", tenant="globex"))
    with pytest.raises(Forbidden):
        handlers.read_plan(E, OTHER_COACH)
    directory.handle({**engagement_opened(E), "type": "mastery.assessment.EngagementCancelled.v1",
                      "streamversion": 2, "data": {"engagement_id": E,
                                                   "from_phase": "needs_assessment"}})  # fmt: skip
    with pytest.raises(InvalidTransition):
        propose(handlers)
    assert events(store) == []
