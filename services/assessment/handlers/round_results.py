"""Handlers of a round's closing and what it released: the aggregates (as published) and the
comments (answered here only, never published)."""

from __future__ import annotations

from services.assessment import access
from services.assessment.commands import CloseRound
from services.assessment.domain.feedback_round import FeedbackRound
from services.assessment.handlers.answers import comments_answer, results_answer
from services.assessment.handlers.base import Result, Services, engagement_to_change
from services.assessment.handlers.rounds import answers_for, round_for, round_of
from shared.auth.caller import Caller
from shared.domain.errors import InvalidTransition
from shared.events.envelope import EventContext


def close_round(services: Services, command: CloseRound, caller: Caller) -> Result:
    """The engagement's coach (or an admin: closed_by says which) closes a round."""
    engagement_to_change(services, caller, command.engagement_id)
    round_ = round_of(services, caller, command.engagement_id, command.round_id)
    closed_by = "admin" if caller.principal.has_any("admin") else "coach"
    closed = seal_and_close(services, round_, closed_by, caller.context(), command.if_match)
    return Result(results_answer(closed), closed.version)


def seal_and_close(
    services: Services, round_: FeedbackRound, closed_by: str, ctx: EventContext,
    if_match: int | None = None,
) -> FeedbackRound:  # fmt: skip
    """Seal the round's answers at the version its results are computed from (an answer stored
    meanwhile is a conflict, never left out), then store the closing. A closing that then
    conflicts leaves the answers sealed: its retry finds them so and closes."""
    answers = answers_for(services, round_)
    loaded = answers.version

    def act(round_: FeedbackRound) -> None:
        round_.close(closed_by)  # refused for a closed round before anything is stored
        answers.seal(round_)
        services.responses().save(answers, ctx, expected_version=loaded)

    return services.rounds().update(round_, act, ctx, if_match)


def read_results(services: Services, engagement_id: str, round_id: str, caller: Caller) -> Result:
    """A closed round's results, for a caller they are shared with (access.require_results)."""
    engagement, round_ = round_for(services, caller, engagement_id, round_id)
    if not round_.closed:
        raise InvalidTransition("results exist once the round is closed")
    access.require_results(caller.principal, engagement, round_.results_visible_to_manager)
    return Result(results_answer(round_))


def read_comments(services: Services, engagement_id: str, round_id: str, caller: Caller) -> Result:
    """A closed round's released comments of the groups that met the threshold, for a caller
    allowed them (access.require_comments)."""
    engagement, round_ = round_for(services, caller, engagement_id, round_id)
    access.require_comments(caller.principal, engagement, round_.results_visible_to_manager)
    if not round_.closed:
        raise InvalidTransition("comments are released once the round is closed")
    return Result(comments_answer(round_))
