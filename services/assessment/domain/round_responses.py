"""The RoundResponses aggregate: the raters' answers to one round, in a stream of its own that
is never published.

Answers are not published one by one, not even as counts: an event's timestamp alone, with
what the executive knows of their own and the manager's answer, would tell when a
confidential rater answered. So they are stored here, beside the round's published stream
(whose hash chain stays whole: its versions do not count answers), and the round publishes
its responses per group only when it closes. Closing seals this stream first, so an answer
arriving meanwhile loses the optimistic-concurrency race instead of missing the results.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from services.assessment.domain.feedback import validate_response
from services.assessment.domain.feedback_round import FeedbackRound
from services.assessment.domain.feedback_round_events import (
    FeedbackComment,
    Rating,
    ResponseRecorded,
    ResponsesSealed,
)
from shared.domain.aggregate import Aggregate
from shared.domain.errors import InvalidTransition


class RoundResponses(Aggregate):
    """Who of a round's invitations answered, and what: once per invitation, until sealed."""

    CONTEXT = "assessment"
    PUBLISHED = False
    EVENTS = (ResponseRecorded, ResponsesSealed)

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.engagement_id = self.round_id = ""
        self.answers: dict[str, ResponseRecorded] = {}
        self.sealed = False

    @staticmethod
    def stream_for(round_id: str) -> str:
        """The stream id of a round's responses (not `round-`: the round listing skips it)."""
        return f"responses-{round_id}"

    @property
    def subject(self) -> str:
        return self.engagement_id

    def submit(
        self,
        round_: FeedbackRound,
        token_hash: str,
        ratings: Mapping[str, int],
        comments: Mapping[str, str],
        overall_comment: str,
        today: date,
    ) -> None:
        """Record one rater's feedback: once per token, on the round's scale and competencies."""
        invitation = round_.invitation_for(token_hash)
        round_.require_open(today)
        if self.sealed:
            raise InvalidTransition("the round is closed")
        if invitation.id in self.answers or invitation.status == "submitted":
            raise InvalidTransition("feedback for this invitation was already submitted")
        ids = [c.id for c in round_.competencies]
        validate_response(round_.scale, ids, invitation.group.value, ratings, comments,
                          overall_comment)  # fmt: skip
        self.record(
            ResponseRecorded(
                round_.engagement_id, round_.round_id, invitation.id,
                tuple(Rating(c, ratings[c]) for c in ids),
                tuple(FeedbackComment(c, t) for c, t in comments.items() if t.strip()),
                overall_comment,
            )
        )  # fmt: skip

    def seal(self, round_: FeedbackRound) -> None:
        """Take no more answers (once: a close retried after a conflict finds it sealed)."""
        if not self.sealed:
            self.record(ResponsesSealed(round_.engagement_id, round_.round_id))

    def on_ResponseRecorded(self, event: ResponseRecorded) -> None:
        self.engagement_id, self.round_id = event.engagement_id, event.round_id
        self.answers[event.invitation_id] = event

    def on_ResponsesSealed(self, event: ResponsesSealed) -> None:
        self.engagement_id, self.round_id = event.engagement_id, event.round_id
        self.sealed = True
