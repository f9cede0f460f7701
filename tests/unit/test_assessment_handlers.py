"""The assessment handlers called directly (no web framework), over the in-memory store, on
a pinned clock: one behaviour of each use case at least, and the reads' access rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from services.assessment import commands, policies
from services.assessment.commands import (
    AddStakeholder,
    AdvancePhase,
    AssignCoach,
    AssignManager,
    CancelEngagement,
    CloseRound,
    EraseSubject,
    IdentifyBarrier,
    InviteRater,
    OpenEngagement,
    OpenRound,
    Rater,
    RecordProfile,
    RemindRater,
    RemoveStakeholder,
    ResolveBarrier,
    SelectDevelopmentAreas,
    SubmitFeedback,
    WithdrawInvitation,
)
from services.assessment.domain import needs_assessment as needs
from services.assessment.domain.engagement import Person, Phase
from services.assessment.handlers import COMMAND_HANDLERS, AssessmentHandlers
from services.assessment.handlers.base import Result, Services
from services.assessment.round_schedule import MemoryRoundSchedule
from shared.auth.caller import Caller
from shared.auth.tokens import Principal
from shared.clock import Clock
from shared.commands import Command, EngagementCommand
from shared.domain.errors import (
    Forbidden,
    InvalidCommand,
    InvalidTransition,
    NotFound,
    PreconditionFailed,
)
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.privacy.subject_index import MemorySubjectIndex
from tests.privacy import memory_keys

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CLOCK = Clock(lambda: NOON)
TODAY = CLOCK.today()
CLOSES_ON = TODAY + timedelta(days=14)


def caller(subject: str, *roles: str, tenant: str = "acme") -> Caller:
    return Caller(Principal(subject, tenant, frozenset(roles), subject.upper()), f"k-{subject}")


COACH, ADMIN, MANAGER = caller("c1", "coach"), caller("a1", "admin"), caller("m1", "manager")
EXECUTIVE, OTHER_COACH = caller("x1", "executive"), caller("c9", "coach")
STRANGER = caller("c1", "coach", tenant="globex")


@pytest.fixture
def store():
    return MemoryEventStore()


@pytest.fixture
def keys():
    return memory_keys("assessment")


@pytest.fixture
def handlers(store, keys):
    adapters = SimpleNamespace(
        event_store=store, subject_keys=keys, subject_index=MemorySubjectIndex()
    )
    return AssessmentHandlers(Services(adapters, CLOCK))


def open_engagement(handlers, by: Caller = COACH, coach: Person | None = None) -> str:
    command = OpenEngagement(
        executive=Person("x1", "Alex"), manager=Person("m1", "Dana"), coach=coach,
        programme="Personal mastery", start_date=date(2026, 1, 5),
    )  # fmt: skip
    result = handlers.handle(command, by)
    assert result.created_id == result.body["id"]
    return result.created_id


def add_stakeholder(handlers, e: str, relationship: str = "peer") -> Result:
    command = AddStakeholder(engagement_id=e, name="Pat", contact="pat@example.org",
                             relationship=relationship)  # fmt: skip
    return handlers.handle(command, COACH)


def open_round(handlers, e: str, purpose: str = "pulse", shared: bool = False) -> str:
    command = OpenRound(engagement_id=e, purpose=purpose, competencies=(("listening", ""),),
                        closes_on=CLOSES_ON, results_visible_to_manager=shared)  # fmt: skip
    return handlers.handle(command, COACH).created_id


def invite(handlers, e: str, r: str, group: str = "peer", n: int = 0) -> Result:
    rater = Rater(group=group, name=f"Rater {n}", contact=f"r{n}@example.org")
    return handlers.handle(InviteRater(engagement_id=e, round_id=r, rater=rater), COACH)


def submit(handlers, token: str, rating: int = 2, comment: str = "") -> Result:
    comments = {"listening": comment} if comment else {}
    command = SubmitFeedback(token=token, correlation_id="k-rater",
                             ratings={"listening": rating}, comments=comments)  # fmt: skip
    return handlers.handle(command, None)


# Engagements


def test_a_coach_opens_an_engagement_as_its_coach_and_an_admin_for_any_coach(handlers):
    e = open_engagement(handlers)
    assert handlers.read_engagement(e, COACH).body["coach"] == Person("c1", "C1")
    other = open_engagement(handlers, by=ADMIN, coach=Person("c9", "Sam"))
    assert handlers.read_engagement(other, OTHER_COACH).body["coach"].id == "c9"
    with pytest.raises(Forbidden):
        open_engagement(handlers, by=COACH, coach=Person("c9", "Sam"))


def test_an_admin_erases_the_executive_and_the_engagement_reads_them_as_erased(handlers):
    e = open_engagement(handlers)
    erase = EraseSubject(person_id="x1", reason="their request", reference="DSR-1")
    with pytest.raises(Forbidden):
        handlers.handle(erase, COACH)
    result = handlers.handle(erase, ADMIN)
    assert result.created_id == result.body["subject"] and result.body["basis"] == "request"
    executive = handlers.read_engagement(e, COACH).body["executive"]
    assert executive.id == "x1" and executive.name.startswith("Erased person ")
    assert handlers.read_engagement(e, COACH).body["manager"] == Person("m1", "Dana")
    again = handlers.handle(erase, ADMIN)
    assert again.created_id is None and again.body == result.body
    with pytest.raises(InvalidCommand):
        handlers.handle(EraseSubject(person_id=" ", reason="r", reference="x"), ADMIN)
    with pytest.raises(InvalidCommand):
        handlers.handle(EraseSubject(person_id="m1", reason="r", reference=" "), ADMIN)


def test_a_stakeholder_added_by_the_coach_shows_its_contact_to_administrators_only(handlers):
    e = open_engagement(handlers)
    added = add_stakeholder(handlers, e)
    assert added.version == 2 and added.body["stakeholders"][0]["contact"] == "pat@example.org"
    assert "contact" not in handlers.read_engagement(e, MANAGER).body["stakeholders"][0]
    with pytest.raises(Forbidden):
        handlers.handle(AddStakeholder(engagement_id=e, name="Lee", contact="lee@example.org",
                                       relationship="peer"), MANAGER)  # fmt: skip


def test_a_removed_stakeholder_is_gone_and_an_unknown_one_is_not_found(handlers):
    e = open_engagement(handlers)
    stakeholder_id = add_stakeholder(handlers, e).body["stakeholders"][0]["id"]
    removed = handlers.handle(RemoveStakeholder(engagement_id=e, stakeholder_id=stakeholder_id),
                              COACH)  # fmt: skip
    assert removed.body["stakeholders"] == []
    with pytest.raises(NotFound):
        handlers.handle(RemoveStakeholder(engagement_id=e, stakeholder_id="nobody"), COACH)


def test_a_new_coach_takes_the_engagement_and_a_stale_if_match_is_refused(handlers, store):
    e = open_engagement(handlers)
    with pytest.raises(PreconditionFailed):
        handlers.handle(AssignCoach(engagement_id=e, coach=Person("c9", "Sam"), reason="leave",
                                    if_match=0), COACH)  # fmt: skip
    command = AssignCoach(engagement_id=e, coach=Person("c9", "Sam"), reason="leave", if_match=1)
    assert handlers.handle(command, COACH).body["coach"].id == "c9"
    assert store.load(f"engagement-{e}")[-1]["reason"] == "leave"
    with pytest.raises(Forbidden):  # c1 no longer coaches it
        handlers.handle(AssignCoach(engagement_id=e, coach=Person("c1", "C1"), reason="back"),
                        COACH)  # fmt: skip


def test_a_new_manager_needs_a_reason(handlers):
    e = open_engagement(handlers)
    with pytest.raises(InvalidCommand):
        handlers.handle(AssignManager(engagement_id=e, manager=Person("m9", "Kim"), reason=" "),
                        COACH)  # fmt: skip
    command = AssignManager(engagement_id=e, manager=Person("m9", "Kim"), reason="reorg")
    assert handlers.handle(command, ADMIN).body["manager"] == Person("m9", "Kim")


def test_the_phase_moves_only_to_the_next_one(handlers):
    e = open_engagement(handlers)
    with pytest.raises(InvalidTransition):
        handlers.handle(AdvancePhase(engagement_id=e, phase=Phase.COMPLETED), COACH)
    moved = handlers.handle(AdvancePhase(engagement_id=e, phase=Phase.KPI_ALIGNMENT), COACH)
    assert moved.body["phase"] == "kpi_alignment"


def test_a_cancelled_engagement_takes_no_round(handlers):
    e = open_engagement(handlers)
    cancelled = handlers.handle(CancelEngagement(engagement_id=e, reason="left"), COACH)
    assert cancelled.body["phase"] == "cancelled"
    with pytest.raises(InvalidTransition):
        open_round(handlers, e)


def test_another_tenants_engagement_is_not_found_whoever_asks(handlers):
    e = open_engagement(handlers)
    with pytest.raises(NotFound):
        handlers.read_engagement(e, STRANGER)
    with pytest.raises(Forbidden):
        handlers.read_engagement(e, OTHER_COACH)


# Rounds


def test_a_pulse_round_opens_on_its_default_scale_with_no_invitations(handlers):
    e = open_engagement(handlers)
    r = open_round(handlers, e)
    read = handlers.read_round(e, r, COACH)
    assert read.body["scale"].minimum == -3 and read.body["invitations"] == []
    assert "invitations" not in handlers.read_round(e, r, MANAGER).body
    assert [x["id"] for x in handlers.read_rounds(e, EXECUTIVE).body["rounds"]] == [r]


def test_a_stakeholder_is_invited_with_their_relationship_as_the_group(handlers):
    e = open_engagement(handlers)
    stakeholder_id = add_stakeholder(handlers, e, "direct_report").body["stakeholders"][0]["id"]
    r = open_round(handlers, e)
    command = InviteRater(engagement_id=e, round_id=r, rater=Rater(stakeholder_id=stakeholder_id))
    invited = handlers.handle(command, COACH)
    assert invited.body["group"] == "direct_report" and invited.body["token"].startswith(r)
    assert invited.created_id == invited.body["invitation_id"]
    with pytest.raises(InvalidCommand):
        handlers.handle(InviteRater(engagement_id=e, round_id=r,
                                    rater=Rater(stakeholder_id="nobody")), COACH)  # fmt: skip


def test_a_reminder_issues_a_new_token_and_the_old_one_stops_working(handlers):
    e = open_engagement(handlers)
    r = open_round(handlers, e)
    first = invite(handlers, e, r).body
    command = RemindRater(engagement_id=e, round_id=r, invitation_id=first["invitation_id"])
    reminded = handlers.handle(command, COACH).body
    assert reminded["token"] != first["token"] and reminded["group"] == "peer"
    with pytest.raises(NotFound):
        handlers.read_invitation(first["token"])
    assert handlers.read_invitation(reminded["token"]).body["status"] == "invited"


def test_a_withdrawn_invitation_leaves_the_round(handlers):
    e = open_engagement(handlers)
    r = open_round(handlers, e)
    invitation_id = invite(handlers, e, r).body["invitation_id"]
    command = WithdrawInvitation(engagement_id=e, round_id=r, invitation_id=invitation_id)
    withdrawn = handlers.handle(command, COACH)
    assert withdrawn.body["invitations"][0]["status"] == "withdrawn"
    with pytest.raises(Forbidden):
        handlers.handle(command, MANAGER)


def test_a_rater_submits_once_by_token_and_nothing_is_published(handlers, store):
    e = open_engagement(handlers)
    r = open_round(handlers, e)
    token = invite(handlers, e, r).body["token"]
    assert handlers.read_invitation(token).body["executive"] == "Alex"
    assert submit(handlers, token).body == {"status": "submitted"}
    with pytest.raises(InvalidTransition):
        submit(handlers, token)
    with pytest.raises(NotFound):
        submit(handlers, "not-a-token")
    assert store.load(f"responses-{r}")[-1]["actor"] == "anonymous-rater"


def test_closing_a_round_releases_results_to_those_it_is_shared_with(handlers):
    e = open_engagement(handlers)
    r = open_round(handlers, e)
    for n in range(3):
        submit(handlers, invite(handlers, e, r, n=n).body["token"], comment="listens well")
    with pytest.raises(InvalidTransition):
        handlers.read_results(e, r, COACH)
    closed = handlers.handle(CloseRound(engagement_id=e, round_id=r), ADMIN)
    assert closed.body["responses"] == [{"group": "peer", "count": 3}]
    assert handlers.read_results(e, r, EXECUTIVE).body == closed.body
    assert handlers.read_comments(e, r, COACH).body["comments"][0]["text"] == "listens well"
    with pytest.raises(Forbidden):
        handlers.read_results(e, r, MANAGER)  # not shared with the manager
    with pytest.raises(InvalidTransition):
        handlers.handle(CloseRound(engagement_id=e, round_id=r), COACH)


def test_the_schedule_closes_a_round_after_its_closing_date(handlers, store, keys):
    e = open_engagement(handlers)
    r = open_round(handlers, e)
    adapters = SimpleNamespace(
        event_store=store, subject_keys=keys, subject_index=MemorySubjectIndex()
    )
    later = Services(adapters, Clock(lambda: NOON + timedelta(days=15)))
    schedule = MemoryRoundSchedule()
    for commit in store.unpublished(limit=10_000):
        for envelope in commit.events:
            schedule.handle(envelope)
    assert policies.close_due_rounds(handlers.services, schedule) == 0
    assert policies.close_due_rounds(later, schedule) == 1
    assert store.load(f"round-{r}")[-1]["data"]["closed_by"] == "schedule"


# Needs assessment


def profile(administered_on: date) -> needs.RecordProfile:
    scales = (needs.ScaleScore("Ambition", 41),)
    return needs.RecordProfile(
        instrument="Hogan HPI", scales=scales, administered_on=administered_on, administered_by="C"
    )


def test_a_profile_may_be_dated_up_to_the_latest_date_on_earth(handlers):
    e = open_engagement(handlers)
    latest = CLOCK.latest_date()
    with pytest.raises(InvalidCommand):
        handlers.handle(RecordProfile(engagement_id=e, profile=profile(latest + timedelta(1))),
                        COACH)  # fmt: skip
    recorded = handlers.handle(RecordProfile(engagement_id=e, profile=profile(latest)), COACH)
    assert recorded.body["profiles"][0]["id"] == recorded.created_id
    assert "profiles" not in handlers.read_needs_assessment(e, MANAGER).body
    assert handlers.read_needs_assessment(e, EXECUTIVE).body["profiles"]


def test_a_barrier_is_identified_then_resolved_once(handlers):
    e = open_engagement(handlers)
    barrier = needs.IdentifyBarrier(description="Avoids conflict", source="peer", impact="high",
                                    capability="listening")  # fmt: skip
    identified = handlers.handle(IdentifyBarrier(engagement_id=e, barrier=barrier), COACH)
    command = ResolveBarrier(engagement_id=e, barrier_id=identified.created_id, note="better")
    resolved = handlers.handle(command, COACH)
    assert resolved.body["barriers"][0]["status"] == "resolved"
    with pytest.raises(InvalidTransition):
        handlers.handle(command, COACH)


def test_development_areas_are_selected_while_the_engagement_is_open(handlers):
    e = open_engagement(handlers)
    areas = (needs.DevelopmentArea("listening", "peers say so"),)
    selected = handlers.handle(SelectDevelopmentAreas(engagement_id=e, areas=areas), COACH)
    assert selected.version == 1 and len(selected.body["development_areas"]) == 1
    with pytest.raises(Forbidden):
        handlers.handle(SelectDevelopmentAreas(engagement_id=e, areas=areas), EXECUTIVE)
    handlers.handle(CancelEngagement(engagement_id=e, reason="left"), COACH)
    with pytest.raises(InvalidTransition):
        handlers.handle(SelectDevelopmentAreas(engagement_id=e, areas=areas, if_match=1), COACH)


def test_every_command_is_dispatched_to_its_handler():
    found = {c for c in vars(commands).values()
             if isinstance(c, type) and issubclass(c, Command)
             and c not in (Command, EngagementCommand)}  # fmt: skip
    assert set(COMMAND_HANDLERS) == found
