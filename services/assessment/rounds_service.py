"""Use cases of feedback rounds: open, invite, remind, withdraw, submit by token, close, read.

A round is two streams: the round itself (published) and its raters' answers (RoundResponses,
never published); every read of a round takes the answers into its invitations."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping

from services.assessment import access, application
from services.assessment.domain.engagement import Engagement
from services.assessment.domain.feedback import RaterGroup
from services.assessment.domain.feedback_round import FeedbackRound, Invitation
from services.assessment.domain.feedback_round_events import RoundSettings
from services.assessment.domain.round_responses import RoundResponses
from shared.auth.tokens import Principal
from shared.clock import today
from shared.domain.errors import InvalidTransition, NotFound
from shared.events.envelope import EventContext
from shared.eventstore.port import EventStore
from shared.eventstore.repository import Repository

RATER_ACTOR = "anonymous-rater"


def rounds(store: EventStore) -> Repository[FeedbackRound]:
    """The round repository over a store."""
    return Repository(store, FeedbackRound)


def responses(store: EventStore) -> Repository[RoundResponses]:
    """The repository of rounds' answers (an unpublished stream per round)."""
    return Repository(store, RoundResponses)


def _answers_for(store: EventStore, round_: FeedbackRound) -> RoundResponses:
    """The round's answers, taken into its invitations (statuses, responses)."""
    stream_id = RoundResponses.stream_for(round_.round_id)
    answers = responses(store).get_or_new(round_.tenant, stream_id)
    round_.attach(answers.answers)
    return answers


def new_token(round_id: str) -> tuple[str, str]:
    """A single-use rater token naming its round, and the hash that is all we keep of it."""
    token = f"{round_id}.{secrets.token_urlsafe(32)}"
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """SHA-256 of a rater token."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_round(
    store: EventStore, caller: Principal, engagement_id: str, settings: RoundSettings,
    ctx: EventContext,
) -> FeedbackRound:  # fmt: skip
    """Open a round on an open engagement the caller coaches (or administers)."""
    engagement = application.engagement_to_change(store, caller, engagement_id)
    engagement.require_open()
    round_ = FeedbackRound.open(engagement_id, secrets.token_hex(12), settings)
    rounds(store).save(round_, ctx, expected_version=0)
    return round_


def round_for(
    store: EventStore, caller: Principal, engagement_id: str, round_id: str
) -> tuple[Engagement, FeedbackRound]:
    """The engagement (visible to the caller) and its round."""
    engagement = application.engagement_for(store, caller, engagement_id)
    round_ = _round_of(store, caller, engagement_id, round_id)
    _answers_for(store, round_)
    return engagement, round_


def _round_of(
    store: EventStore, caller: Principal, engagement_id: str, round_id: str
) -> FeedbackRound:
    round_ = rounds(store).get(caller.tenant, FeedbackRound.stream_for(round_id))
    if round_.engagement_id != engagement_id:
        raise NotFound(f"round {round_id} not found")
    return round_


def rounds_of(
    store: EventStore, caller: Principal, engagement_id: str
) -> tuple[Engagement, list[FeedbackRound]]:
    """An engagement the caller may see and its rounds, oldest first."""
    engagement = application.engagement_for(store, caller, engagement_id)
    ids = store.stream_ids(caller.tenant, engagement_id, prefix="round-")
    found = [rounds(store).get(caller.tenant, stream_id) for stream_id in ids]
    for round_ in found:
        _answers_for(store, round_)
    return engagement, found


def change_round(
    store: EventStore, caller: Principal, engagement_id: str, round_id: str,
    act: Callable[[FeedbackRound], None], ctx: EventContext, if_match: int | None = None,
) -> FeedbackRound:  # fmt: skip
    """Let the engagement's coach (or an admin) act on a round and save its new events."""
    application.engagement_to_change(store, caller, engagement_id)
    _, round_ = round_for(store, caller, engagement_id, round_id)
    return rounds(store).update(round_, act, ctx, if_match)


def invite(round_: FeedbackRound, group: str, rater_name: str, contact: str) -> tuple[str, str]:
    """Invite a rater; returns the invitation id and the token (shown to the coach once)."""
    token, hashed = new_token(round_.round_id)
    invitation_id = secrets.token_hex(8)
    invitation = Invitation(invitation_id, RaterGroup(group), rater_name, contact, hashed)
    round_.invite(invitation, today())
    return invitation_id, token


def rater_round(store: EventStore, token: str) -> tuple[FeedbackRound, Invitation]:
    """The round and invitation a rater's token opens (404 for any token that is not live)."""
    round_, _ = _rater_streams(store, token)
    return round_, round_.invitation_for(token_hash(token))


def _rater_streams(store: EventStore, token: str) -> tuple[FeedbackRound, RoundResponses]:
    round_id, _, secret = token.partition(".")
    if not round_id.isalnum() or not secret:
        raise NotFound("no such invitation")
    round_ = rounds(store).get_unscoped(FeedbackRound.stream_for(round_id))
    return round_, _answers_for(store, round_)


def submit_feedback(
    store: EventStore, token: str, ratings: Mapping[str, int], comments: Mapping[str, str],
    overall_comment: str, correlation_id: str,
) -> None:  # fmt: skip
    """Store one rater's answers in the round's unpublished responses stream (the actor is
    anonymous): nothing reaches a topic until the round closes."""
    round_, answers = _rater_streams(store, token)
    loaded = answers.version
    answers.submit(round_, token_hash(token), ratings, comments, overall_comment, today())
    ctx = EventContext(round_.tenant, RATER_ACTOR, correlation_id, actor_roles=("rater",))
    responses(store).save(answers, ctx, expected_version=loaded)


def close_round(
    store: EventStore, caller: Principal, engagement_id: str, round_id: str, closed_by: str,
    ctx: EventContext, if_match: int | None = None,
) -> FeedbackRound:  # fmt: skip
    """The engagement's coach (or an admin) closes a round: seal_and_close."""
    application.engagement_to_change(store, caller, engagement_id)
    return seal_and_close(store, _round_of(store, caller, engagement_id, round_id), closed_by,
                          ctx, if_match)  # fmt: skip


def seal_and_close(
    store: EventStore, round_: FeedbackRound, closed_by: str, ctx: EventContext,
    if_match: int | None = None,
) -> FeedbackRound:  # fmt: skip
    """Seal the round's answers at the version its results are computed from (an answer stored
    meanwhile is a conflict, never left out), then store the closing. A closing that then
    conflicts leaves the answers sealed: its retry finds them so and closes."""
    answers = _answers_for(store, round_)
    loaded = answers.version

    def act(round_: FeedbackRound) -> None:
        round_.close(closed_by)  # refused for a closed round before anything is stored
        answers.seal(round_)
        responses(store).save(answers, ctx, expected_version=loaded)

    return rounds(store).update(round_, act, ctx, if_match)


def results_for(
    store: EventStore, caller: Principal, engagement_id: str, round_id: str
) -> FeedbackRound:
    """A closed round for a caller allowed its results (access.require_results)."""
    engagement, round_ = round_for(store, caller, engagement_id, round_id)
    if not round_.closed:
        raise InvalidTransition("results exist once the round is closed")
    access.require_results(caller, engagement, round_.results_visible_to_manager)
    return round_


def comments_for(
    store: EventStore, caller: Principal, engagement_id: str, round_id: str
) -> FeedbackRound:
    """A closed round for a caller allowed its released comments (access.require_comments)."""
    engagement, round_ = round_for(store, caller, engagement_id, round_id)
    access.require_comments(caller, engagement, round_.results_visible_to_manager)
    if not round_.closed:
        raise InvalidTransition("comments are released once the round is closed")
    return round_
