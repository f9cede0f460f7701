import hashlib
from datetime import date
from weakref import WeakKeyDictionary

import pytest

from services.assessment.domain.feedback import RaterGroup, Scale
from services.assessment.domain.feedback_round import (
    FeedbackRound,
    Invitation,
    catalogue_competency,
)
from services.assessment.domain.feedback_round_events import Purpose, RoundSettings
from services.assessment.domain.round_responses import RoundResponses
from shared.domain.errors import InvalidCommand, InvalidTransition, NotFound
from shared.events.envelope import EventContext
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.eventstore.repository import Repository
from tests.privacy import protection

PROTECTION = protection("assessment")

TODAY = date(2026, 2, 1)
COMPETENCIES = (
    catalogue_competency("listening"),
    catalogue_competency("custom:strategy", "Strategy"),
)


def settings(**changes) -> RoundSettings:
    values = dict(
        purpose=Purpose.BASELINE,
        competencies=COMPETENCIES,
        scale=Scale(1, 5),
        anonymity_threshold=3,
        closes_on=date(2026, 2, 28),
    )
    return RoundSettings(**(values | changes))


def token_hash(n: int) -> str:
    return hashlib.sha256(f"token-{n}".encode()).hexdigest()


def opened() -> FeedbackRound:
    return FeedbackRound.open("e1", "r1", settings())


def invite(round_: FeedbackRound, n: int, group: RaterGroup) -> None:
    invitation = Invitation(f"i{n}", group, f"Rater {n}", f"rater{n}@example.org", token_hash(n))
    round_.invite(invitation, TODAY)


ANSWERS: WeakKeyDictionary[FeedbackRound, RoundResponses] = WeakKeyDictionary()


def answers_of(round_: FeedbackRound) -> RoundResponses:
    """The round's responses stream, kept beside it for the test (the service loads both)."""
    return ANSWERS.setdefault(round_, RoundResponses(RoundResponses.stream_for(round_.round_id)))


def submit(round_: FeedbackRound, n: int, ratings: dict, today: date = TODAY, **kw) -> None:
    answers = answers_of(round_)
    answers.submit(round_, token_hash(n), ratings, kw.get("comments", {}), "", today)
    round_.attach(answers.answers)


def rate(round_: FeedbackRound, n: int, value: int, comment: str = "") -> None:
    comments = {"listening": comment} if comment else {}
    submit(round_, n, {"listening": value, "custom:strategy": value}, comments=comments)


def full_round() -> FeedbackRound:
    round_ = opened()
    groups = [RaterGroup.SELF, RaterGroup.MANAGER] + [RaterGroup.PEER] * 3
    groups += [RaterGroup.DIRECT_REPORT] * 2
    for n, group in enumerate(groups):
        invite(round_, n, group)
    for n in range(len(groups)):
        rate(round_, n, 5 if n == 0 else 3, comment=f"peer remark {n}" if n >= 2 else "")
    return round_


@pytest.mark.parametrize(
    "changes",
    [
        {"competencies": ()},
        {"competencies": (catalogue_competency("listening"),) * 2},
        {"competencies": (catalogue_competency("charisma"),)},
        {"anonymity_threshold": 2},
    ],
    ids=["none", "duplicate", "unknown", "threshold-2"],
)
def test_opening_refuses_bad_settings(changes):
    with pytest.raises(InvalidCommand):
        FeedbackRound.open("e1", "r1", settings(**changes))


def test_catalogue_competencies_take_the_catalogues_wording():
    assert COMPETENCIES[0].name == "Listening with real interest, empathy and intent"
    assert COMPETENCIES[1].name == "Strategy"


def test_invitations_and_submissions_are_counted_per_group():
    round_ = full_round()
    assert round_.counts("invited") == {"self": 1, "manager": 1, "peer": 3, "direct_report": 2}
    assert round_.counts("submitted") == round_.counts("invited")


def test_a_second_self_rater_is_refused():
    round_ = opened()
    invite(round_, 1, RaterGroup.SELF)
    with pytest.raises(InvalidTransition):
        invite(round_, 2, RaterGroup.SELF)


def test_a_token_submits_once():
    round_ = opened()
    invite(round_, 1, RaterGroup.PEER)
    rate(round_, 1, 4)
    with pytest.raises(InvalidTransition):
        rate(round_, 1, 4)


def test_forged_withdrawn_and_replaced_tokens_are_refused():
    round_ = opened()
    invite(round_, 1, RaterGroup.PEER)
    invite(round_, 2, RaterGroup.PEER)
    with pytest.raises(NotFound):
        rate(round_, 99, 4)
    round_.withdraw("i2", TODAY)
    with pytest.raises(NotFound):
        rate(round_, 2, 4)
    round_.remind("i1", token_hash(11), TODAY)
    with pytest.raises(NotFound):
        rate(round_, 1, 4)
    rate(round_, 11, 4)
    assert round_.counts("submitted") == {"peer": 1}


@pytest.mark.parametrize(
    "ratings",
    [
        {"listening": 6, "custom:strategy": 3},
        {"listening": 3},
        {"listening": 3, "custom:strategy": 3, "charisma": 2},
        {"listening": "3", "custom:strategy": 3},
    ],
    ids=["off-scale", "missing", "unknown", "string"],
)
def test_submissions_must_fit_the_rounds_scale_and_competencies(ratings):
    round_ = opened()
    invite(round_, 1, RaterGroup.PEER)
    with pytest.raises(InvalidCommand):
        submit(round_, 1, ratings)


def test_after_the_closing_date_or_closing_nothing_more_is_accepted():
    round_ = opened()
    invite(round_, 1, RaterGroup.PEER)
    with pytest.raises(InvalidTransition):
        submit(round_, 1, {"listening": 3, "custom:strategy": 3}, date(2026, 3, 1))
    round_.close("coach")
    with pytest.raises(InvalidTransition):
        rate(round_, 1, 3)
    with pytest.raises(InvalidTransition):
        invite(round_, 2, RaterGroup.PEER)
    with pytest.raises(InvalidTransition):
        round_.close("coach")


def test_closing_publishes_aggregates_with_the_direct_reports_suppressed():
    round_ = full_round()
    round_.close("coach", shuffle=lambda items: items.reverse())
    results = round_.results
    assert results["suppressed_groups"] == ["direct_report"]
    listening = results["competencies"][0]
    assert [g["group"] for g in listening["groups"]] == ["self", "manager", "peer"]
    assert listening["others"]["count"] == 4  # manager and three peers, no direct reports
    assert listening["gap"]["flag"] == "blind_spot"
    assert "comments" not in results  # aggregates only
    assert sorted(c.text for c in round_.comments) == [
        "peer remark 2", "peer remark 3", "peer remark 4"
    ]  # fmt: skip


def test_published_events_hold_counts_and_aggregates_never_raters_or_answers():
    store = MemoryEventStore()
    repo = Repository(store, FeedbackRound, PROTECTION)
    round_ = full_round()
    round_.close("coach")
    repo.save(round_, EventContext("acme", "c1", "corr"))
    Repository(store, RoundResponses, PROTECTION).save(
        answers_of(round_), EventContext("acme", "r", "k")
    )
    published = repr([e for c in store.unpublished() for e in c.events])
    for n in range(7):
        for secret in (f"Rater {n}", f"rater{n}@example.org", token_hash(n), f"i{n}'"):
            assert secret not in published
    assert "peer remark" not in published and "ResponseRecorded" not in published
    closing = next(c for c in store.unpublished() if c.stream_id == "round-r1").events[-1]
    assert closing["type"] == "mastery.assessment.FeedbackRoundClosed.v2"
    assert closing["data"]["results_visible_to_manager"] is False
    reloaded = repo.get("acme", "round-r1")
    assert reloaded.closed and reloaded.invitations["i3"].contact == "rater3@example.org"
    assert reloaded.results == round_.results and reloaded.comments == round_.comments


def test_a_round_closed_in_v1_replays_with_its_comments_moved_out_of_the_results():
    round_ = full_round()
    round_.close("coach")
    closed = round_.pending[-1]
    old = closed.results | {"comments": [{"competency": None, "text": "old"}]}
    v1 = {"type": "mastery.assessment.FeedbackRoundClosed.v1", "data": {
        "engagement_id": "e1", "round_id": "r1", "closed_by": "coach", "responses": [],
        "results": old}}  # fmt: skip
    upcast = FeedbackRound.event_from(v1)
    assert upcast.results == closed.results and "comments" not in upcast.results
    assert [(c.competency, c.text) for c in upcast.comments] == [(None, "old")]


def test_sealed_answers_take_no_more_feedback():
    round_ = opened()
    invite(round_, 1, RaterGroup.PEER)
    answers_of(round_).seal(round_)
    answers_of(round_).seal(round_)  # once
    assert [e.NAME for e in answers_of(round_).pending] == ["ResponsesSealed"]
    with pytest.raises(InvalidTransition, match="closed"):
        rate(round_, 1, 3)


def test_an_answer_wins_over_a_withdrawal_that_raced_it():
    round_ = opened()
    invite(round_, 1, RaterGroup.PEER)
    answers = answers_of(round_)
    answers.submit(round_, token_hash(1), {"listening": 3, "custom:strategy": 3}, {}, "", TODAY)
    round_.withdraw("i1", TODAY)  # decided on the round before it took the answer in
    round_.attach(answers.answers)
    assert round_.counts("submitted") == {"peer": 1} == round_.counts("invited")
