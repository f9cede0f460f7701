"""The CoachingLog aggregate: sessions, commitments and their follow-ups."""

import dataclasses
from datetime import date

import pytest

from services.kpi.domain.coaching_log import (
    CoachingLog,
    Commitment,
    FollowUp,
    NewSession,
    SessionRecorded,
)
from shared.domain.errors import InvalidCommand, InvalidTransition, NotFound
from shared.domain.personal import is_sealed
from shared.events.envelope import EventContext
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.eventstore.repository import Repository
from tests.privacy import protection

PROTECTION = protection("kpi")

JAN, FEB, MAR = date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 15)
TODAY = date(2026, 4, 1)
CTX = EventContext(tenant="acme", actor="c1", correlation_id="k")


def session(held_on: date = JAN, **changes) -> NewSession:
    values = dict(
        held_on=held_on,
        duration_minutes=60,
        kind="coaching",
        capabilities=("listening", "custom:Managing up"),
        commitments=(Commitment("k1", "Hold weekly one-to-ones", "2026-02-01"),),
        follow_ups=(),
        private_notes="Seemed tired; probe workload next time.",
    )
    return NewSession(**(values | changes))


def log_with_first_session() -> CoachingLog:
    log = CoachingLog(CoachingLog.stream_for("e1"))
    log.record_session("s1", session(), TODAY)
    return log


def test_a_session_is_recorded_with_its_commitments():
    log = log_with_first_session()
    [event] = log.pending
    assert isinstance(event, SessionRecorded)
    assert event.engagement_id == "e1" and event.held_on == "2026-01-15"
    assert event.capabilities == ("listening", "custom:Managing up")
    assert [c.status for c in log.open_commitments()] == ["open"]
    assert log.commitments["k1"].made_in == "s1"
    assert log.session("s1") is event


def test_a_later_session_follows_up_a_commitment_once():
    log = log_with_first_session()
    follow = (FollowUp("k1", "partly", "Two of four held"),)
    log.record_session("s2", session(FEB, commitments=(), follow_ups=follow), TODAY)
    assert log.commitments["k1"].status == "partly"
    assert log.commitments["k1"].followed_up_in == "s2"
    assert log.open_commitments() == []
    with pytest.raises(InvalidTransition):
        log.record_session("s3", session(MAR, commitments=(), follow_ups=follow), TODAY)
    assert list(log.sessions) == ["s1", "s2"]


@pytest.mark.parametrize(
    "follow_ups",
    [
        (FollowUp("nope", "kept"),),
        (FollowUp("k1", "maybe"),),
        (FollowUp("k1", "kept", ""),),
        (FollowUp("k1", "kept", "x" * 501),),
        (FollowUp("k1", "kept"), FollowUp("k1", "not")),
    ],
    ids=["unknown", "outcome", "blank-note", "long-note", "twice"],
)
def test_bad_follow_ups_are_refused(follow_ups):
    log = log_with_first_session()
    with pytest.raises(InvalidCommand):
        log.record_session("s2", session(FEB, commitments=(), follow_ups=follow_ups), TODAY)
    assert list(log.sessions) == ["s1"]


def test_a_commitment_cannot_be_followed_up_in_the_session_that_makes_it():
    log = CoachingLog("coaching-e1")
    command = session(follow_ups=(FollowUp("k1", "kept"),))
    with pytest.raises(InvalidCommand):
        log.record_session("s1", command, TODAY)


def test_sessions_may_be_recorded_late_but_not_follow_up_later_commitments():
    log = CoachingLog("coaching-e1")
    log.record_session(
        "s2", session(FEB, commitments=(Commitment("k1", "x", "2026-03-01"),)), TODAY
    )
    late = session(JAN, commitments=(Commitment("k0", "Read the 360", "2026-01-30"),))
    log.record_session("s1", late, TODAY)
    assert [s.session_id for s in log.in_order()] == ["s1", "s2"]
    with pytest.raises(InvalidCommand, match="held after"):
        log.record_session(
            "s0", session(date(2026, 1, 10), commitments=(), follow_ups=(FollowUp("k1", "kept"),)),
            TODAY,
        )  # fmt: skip
    log.record_session(
        "s3", session(FEB, commitments=(), follow_ups=(FollowUp("k0", "kept"),)), TODAY
    )
    assert log.commitments["k0"].status == "kept"


@pytest.mark.parametrize(
    "changes",
    [
        {"held_on": date(2026, 4, 2)},
        {"held_on": "2026-01-15"},
        {"duration_minutes": 14},
        {"duration_minutes": 481},
        {"duration_minutes": 60.0},
        {"duration_minutes": True},
        {"kind": "mentoring"},
        {"capabilities": ("charisma",)},
        {"capabilities": ("custom:",)},
        {"capabilities": ("listening", "listening")},
        {"capabilities": ("integrity",) * 10},
        {"commitments": (Commitment("k1", "x", "2026-01-14"),)},
        {"commitments": (Commitment("k1", "x", "soon"),)},
        {"commitments": (Commitment("k1", " ", "2026-02-01"),)},
        {"commitments": (Commitment("k1", "x" * 501, "2026-02-01"),)},
        {"commitments": (Commitment("", "x", "2026-02-01"),)},
        {"commitments": (Commitment("k1", "x", "2026-02-01"),) * 21},
        {"private_notes": "x" * 10_001},
    ],
)
def test_malformed_sessions_are_refused(changes):
    log = CoachingLog("coaching-e1")
    with pytest.raises(InvalidCommand):
        log.record_session("s1", session(**changes), TODAY)
    assert log.pending == [] and log.sessions == {}


def test_every_catalogue_capability_fits_in_one_session():
    from shared.domain.capabilities import CATALOGUE

    log = CoachingLog("coaching-e1")
    capabilities = tuple(c.id for c in CATALOGUE)
    log.record_session("s1", session(capabilities=capabilities, commitments=()), TODAY)
    assert log.sessions["s1"].capabilities == capabilities


def test_ids_are_not_reused():
    log = log_with_first_session()
    with pytest.raises(InvalidTransition):
        log.record_session("s1", session(commitments=()), TODAY)
    with pytest.raises(InvalidTransition):
        log.record_session("s2", session(), TODAY)
    duplicate = (Commitment("k2", "a", "2026-02-01"), Commitment("k2", "b", "2026-02-01"))
    with pytest.raises(InvalidTransition):
        log.record_session("s2", session(commitments=duplicate), TODAY)


def test_an_unknown_session_is_not_found():
    with pytest.raises(NotFound):
        CoachingLog("coaching-e1").session("s9")


def test_private_notes_are_stored_but_never_published():
    store = MemoryEventStore()
    repo = Repository(store, CoachingLog, PROTECTION)
    log = log_with_first_session()
    repo.save(log, CTX)
    [commit] = store.unpublished()
    [published] = commit.events
    assert published["type"] == "mastery.kpi.SessionRecorded.v2"
    assert all(is_sealed(c["text"]) for c in published["data"]["commitments"])
    assert published["subject"] == "e1" and published["streamid"] == "coaching-e1"
    assert "private_notes" not in published["data"]
    assert "probe workload" not in repr(commit)
    reloaded = repo.get("acme", "coaching-e1")
    assert reloaded.sessions["s1"].private_notes == "Seemed tired; probe workload next time."
    assert reloaded.commitments["k1"].status == "open"


def test_the_log_replays_to_the_same_state():
    store = MemoryEventStore()
    repo = Repository(store, CoachingLog, PROTECTION)
    log = log_with_first_session()
    follow = (FollowUp("k1", "not"),)
    log.record_session("s2", session(FEB, commitments=(), follow_ups=follow), TODAY)
    repo.save(log, CTX)
    reloaded = repo.get("acme", "coaching-e1")
    assert reloaded.version == 2
    assert reloaded.sessions == log.sessions
    assert dataclasses.asdict(reloaded.commitments["k1"]) == dataclasses.asdict(
        log.commitments["k1"]
    )
