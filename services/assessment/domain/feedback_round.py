"""The FeedbackRound aggregate: one 360 or pulse round of an engagement.

Rater identities, contacts and token hashes are PRIVATE event fields, and so are the
released comments of the closing: they stay in the assessment service's store. The
answers are in the round's unpublished responses stream (round_responses.py). Published
events carry invitations per rater group and, at closing, the responses per group and the
anonymity-safe aggregates only.
"""

from __future__ import annotations

import hmac
import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.assessment.domain.feedback import (
    RaterGroup,
    Response,
    Scale,
    aggregate,
    rater_group,
    validate_threshold,
)
from services.assessment.domain.feedback_round_events import (
    Competency,
    FeedbackRoundClosed,
    FeedbackRoundOpened,
    FeedbackSubmitted,
    GroupCount,
    InvitationWithdrawn,
    Purpose,
    RaterInvited,
    RaterReminded,
    ReleasedComment,
    ResponseRecorded,
    RoundSettings,
    closed_v1_to_v2,
)
from shared.domain.aggregate import Aggregate
from shared.domain.capabilities import BY_ID, is_known
from shared.domain.errors import InvalidCommand, InvalidTransition, NotFound


@dataclass
class Invitation:
    """A rater's invitation as the round knows it (never published)."""

    id: str
    group: RaterGroup
    rater_name: str
    contact: str
    token_hash: str
    status: str = "invited"  # invited | submitted | withdrawn
    response: Response | None = None


class FeedbackRound(Aggregate):
    """A round: opened, raters invited, feedback submitted by token, closed with aggregates."""

    CONTEXT = "assessment"
    EVENTS = (FeedbackRoundOpened, RaterInvited, RaterReminded, InvitationWithdrawn,
              FeedbackSubmitted, FeedbackRoundClosed)  # fmt: skip
    UPCASTERS = {("FeedbackRoundClosed", 1): closed_v1_to_v2}

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.engagement_id = self.round_id = ""
        self.purpose = Purpose.BASELINE
        self.competencies: tuple[Competency, ...] = ()
        self.scale = Scale(1, 5)
        self.threshold = 3
        self.closes_on = date.min
        self.results_visible_to_manager = False
        self.invitations: dict[str, Invitation] = {}
        self.reminders = 0
        self.closed = False
        self.results: dict[str, Any] = {}
        self.comments: tuple[ReleasedComment, ...] = ()

    @staticmethod
    def stream_for(round_id: str) -> str:
        """The stream id of a round."""
        return f"round-{round_id}"

    @property
    def subject(self) -> str:
        return self.engagement_id

    @classmethod
    def open(cls, engagement_id: str, round_id: str, settings: RoundSettings) -> FeedbackRound:
        """Open a round: known competencies, at least one, a threshold of 3 or more."""
        _check_competencies(settings.competencies)
        validate_threshold(settings.anonymity_threshold)
        round_ = cls(cls.stream_for(round_id))
        round_.record(
            FeedbackRoundOpened(
                engagement_id, round_id, settings.purpose.value, settings.competencies,
                settings.scale.minimum, settings.scale.maximum, settings.anonymity_threshold,
                settings.closes_on.isoformat(), settings.results_visible_to_manager,
            )
        )  # fmt: skip
        return round_

    def is_open_on(self, today: date) -> bool:
        """Open for invitations and submissions: not closed and not past its closing date."""
        return not self.closed and today <= self.closes_on

    def invite(self, invitation: Invitation, today: date) -> None:
        """Invite a rater in a group; at most one self-rater."""
        self.require_open(today)
        if invitation.group is RaterGroup.SELF and any(
            i.group is RaterGroup.SELF and i.status != "withdrawn"
            for i in self.invitations.values()
        ):
            raise InvalidTransition("the round already has a self-rater")
        counts = self._counts("invited", extra=invitation.group)
        self.record(
            RaterInvited(
                self.engagement_id, self.round_id, counts, invitation.id, invitation.group.value,
                invitation.rater_name, invitation.contact, invitation.token_hash,
            )
        )  # fmt: skip

    def remind(self, invitation_id: str, token_hash: str, today: date) -> None:
        """Re-issue a pending invitation's token (the old one stops working)."""
        self.require_open(today)
        self._pending(invitation_id)
        self.record(
            RaterReminded(
                self.engagement_id, self.round_id, self.reminders + 1, invitation_id, token_hash
            )
        )

    def withdraw(self, invitation_id: str, today: date) -> None:
        """Withdraw an invitation that has not been answered."""
        self.require_open(today)
        invitation = self._pending(invitation_id)
        counts = self._counts("invited", without=invitation.id)
        self.record(InvitationWithdrawn(self.engagement_id, self.round_id, counts, invitation_id))

    def invitation_for(self, token_hash: str) -> Invitation:
        """The invitation holding this token hash (NotFound otherwise), in constant time each."""
        found = None
        for invitation in self.invitations.values():
            if hmac.compare_digest(invitation.token_hash, token_hash):
                found = invitation
        if found is None or found.status == "withdrawn":
            raise NotFound("no such invitation")
        return found

    def attach(self, answers: Mapping[str, ResponseRecorded]) -> None:
        """Take in the answers of the round's responses stream (by invitation id). An answer
        wins over a withdrawal that raced it: the rater did answer."""
        for invitation_id, answer in answers.items():
            invitation = self.invitations[invitation_id]
            invitation.status = "submitted"
            invitation.response = _response(invitation.group.value, answer)

    def close(self, closed_by: str, shuffle: Callable[[list[str]], None] = random.shuffle) -> None:
        """Close the round and publish its anonymity-safe aggregates."""
        if self.closed:
            raise InvalidTransition("the round is already closed")
        responses = [i.response for i in self.invitations.values() if i.response is not None]
        found = aggregate(
            self.scale, self.threshold, [c.id for c in self.competencies], responses, shuffle
        )
        results = found.to_data()
        del results["comments"]  # private: served by the assessment service alone
        comments = tuple(ReleasedComment(c.competency, c.text, c.author) for c in found.comments)
        self.record(
            FeedbackRoundClosed(
                self.engagement_id, self.round_id, closed_by, self._counts("submitted"),
                results, self.results_visible_to_manager, comments,
            )
        )  # fmt: skip

    def counts(self, status: str) -> dict[str, int]:
        """Invitations per group that are invited-or-later ("invited") or "submitted"."""
        return {c.group: c.count for c in self._counts(status)}

    def _counts(
        self, status: str, extra: RaterGroup | None = None, without: str = ""
    ) -> tuple[GroupCount, ...]:
        live = [i for i in self.invitations.values() if i.status != "withdrawn" and i.id != without]
        if status == "submitted":
            live = [i for i in live if i.status == "submitted"]
        tally = Counter(i.group for i in live)
        if extra is not None:
            tally[extra] += 1
        return tuple(GroupCount(g.value, tally[g]) for g in RaterGroup if tally[g])

    def require_open(self, today: date) -> None:
        """InvalidTransition unless the round still takes invitations and answers."""
        if self.closed:
            raise InvalidTransition("the round is closed")
        if today > self.closes_on:
            raise InvalidTransition(f"the round closed for feedback on {self.closes_on}")

    def _pending(self, invitation_id: str) -> Invitation:
        invitation = self.invitations.get(invitation_id)
        if invitation is None or invitation.status == "withdrawn":
            raise NotFound(f"invitation {invitation_id} not found")
        if invitation.status == "submitted":
            raise InvalidTransition("the invitation was already answered")
        return invitation

    def on_FeedbackRoundOpened(self, event: FeedbackRoundOpened) -> None:
        self.engagement_id, self.round_id = event.engagement_id, event.round_id
        self.purpose = Purpose(event.purpose)
        self.competencies = event.competencies
        self.scale = Scale(event.scale_minimum, event.scale_maximum)
        self.threshold = event.anonymity_threshold
        self.closes_on = date.fromisoformat(event.closes_on)
        self.results_visible_to_manager = event.results_visible_to_manager

    def on_RaterInvited(self, event: RaterInvited) -> None:
        self.invitations[event.invitation_id] = Invitation(
            event.invitation_id, rater_group(event.group), event.rater_name, event.contact,
            event.token_hash,
        )  # fmt: skip

    def on_RaterReminded(self, event: RaterReminded) -> None:
        self.invitations[event.invitation_id].token_hash = event.token_hash
        self.reminders = event.reminders

    def on_InvitationWithdrawn(self, event: InvitationWithdrawn) -> None:
        self.invitations[event.invitation_id].status = "withdrawn"

    def on_FeedbackSubmitted(self, event: FeedbackSubmitted) -> None:
        # v1: answers stored in the round's own stream before issue 8
        invitation = self.invitations[event.invitation_id]
        invitation.status = "submitted"
        invitation.response = _response(invitation.group.value, event)

    def on_FeedbackRoundClosed(self, event: FeedbackRoundClosed) -> None:
        self.closed = True
        self.results = event.results
        self.comments = event.comments


def _response(group: str, answer: FeedbackSubmitted | ResponseRecorded) -> Response:
    return Response.of(
        group,
        {r.competency: r.rating for r in answer.ratings},
        {c.competency: c.text for c in answer.comments},
        answer.overall_comment,
        answer.invitation_id,
    )


def _check_competencies(competencies: tuple[Competency, ...]) -> None:
    if not competencies:
        raise InvalidCommand("a round rates at least one competency")
    ids = [c.id for c in competencies]
    if len(set(ids)) != len(ids):
        raise InvalidCommand("each competency may appear once")
    unknown = [i for i in ids if not is_known(i)]
    if unknown:
        raise InvalidCommand(
            f"unknown competencies {', '.join(unknown)}: use catalogue ids or 'custom:<name>'"
        )


def catalogue_competency(capability_id: str, name: str = "") -> Competency:
    """A competency named from the catalogue, or a custom one with its given name."""
    if capability_id in BY_ID:
        return Competency(capability_id, BY_ID[capability_id].name)
    return Competency(capability_id, name or capability_id.removeprefix("custom:"))
