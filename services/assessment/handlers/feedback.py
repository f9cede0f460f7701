"""Handlers of the rater's side: no account, only the invitation token, which names its round
(any token that is not live is a 404). The answers go to the round's unpublished responses
stream, under an anonymous actor: nothing reaches a topic until the round closes."""

from __future__ import annotations

from services.assessment.commands import SubmitFeedback
from services.assessment.domain.engagement import Engagement
from services.assessment.domain.feedback_round import FeedbackRound
from services.assessment.domain.round_responses import RoundResponses
from services.assessment.handlers.base import Result, Services
from services.assessment.handlers.rounds import answers_for, token_hash
from shared.domain.errors import NotFound
from shared.events.envelope import EventContext

RATER_ACTOR = "anonymous-rater"


def rater_streams(services: Services, token: str) -> tuple[FeedbackRound, RoundResponses]:
    """The round a token names, and its answers (404 for a token naming no round)."""
    round_id, _, secret = token.partition(".")
    if not round_id.isalnum() or not secret:
        raise NotFound("no such invitation")
    round_ = services.rounds().get_unscoped(FeedbackRound.stream_for(round_id))
    return round_, answers_for(services, round_)


def read_invitation(services: Services, token: str) -> Result:
    """What the rater is asked: competencies, scale, closing date, and whether it is done."""
    round_, _ = rater_streams(services, token)
    invitation = round_.invitation_for(token_hash(token))
    engagement = services.engagements().get(
        round_.tenant, Engagement.stream_for(round_.engagement_id)
    )
    return Result({
        "round_id": round_.round_id,
        "purpose": round_.purpose.value,
        "executive": engagement.executive.name,
        "competencies": round_.competencies,
        "scale": round_.scale,
        "closes_on": round_.closes_on.isoformat(),
        "status": invitation.status,
    })  # fmt: skip


def submit_feedback(services: Services, command: SubmitFeedback, caller: None = None) -> Result:
    """Store one rater's answers, once (every competency, on the scale): the rater is no
    caller, the command's token is all they have."""
    round_, answers = rater_streams(services, command.token)
    loaded = answers.version
    answers.submit(
        round_, token_hash(command.token), command.ratings, command.comments,
        command.overall_comment, services.clock.today(),
    )  # fmt: skip
    ctx = EventContext(round_.tenant, RATER_ACTOR, command.correlation_id, actor_roles=("rater",))
    services.responses().save(answers, ctx, expected_version=loaded)
    return Result({"status": "submitted"})
