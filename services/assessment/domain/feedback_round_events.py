"""Events of the FeedbackRound aggregate and the values they carry.

PRIVATE fields (rater identity, contact, token hash, individual answers, released
comments) are kept in the assessment service's store and never published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar

from services.assessment.domain.feedback import Scale
from shared.domain.aggregate import DomainEvent
from shared.domain.personal import Personal

# A rater's answers, sealed with the rater's key (their invitation id names them)
ANSWERS = (
    Personal("ratings", "invitation_id", "empty"),
    Personal("comments", "invitation_id", "empty"),
    Personal("overall_comment", "invitation_id", "blank"),
)


class Purpose(StrEnum):
    """Why a round is run: a full 360 at baseline, midpoint or final, or a short pulse."""

    BASELINE = "baseline"
    MIDPOINT = "midpoint"
    FINAL = "final"
    PULSE = "pulse"


@dataclass(frozen=True)
class Competency:
    """A competency rated in a round: a catalogue capability or a custom one."""

    id: str
    name: str


@dataclass(frozen=True)
class GroupCount:
    """How many of one rater group (invited, or submitted)."""

    group: str
    count: int


@dataclass(frozen=True)
class RoundSettings:
    """Command data for opening a round."""

    purpose: Purpose
    competencies: tuple[Competency, ...]
    scale: Scale
    anonymity_threshold: int
    closes_on: date
    results_visible_to_manager: bool = False


@dataclass(frozen=True)
class FeedbackRoundOpened(DomainEvent):
    NAME: ClassVar[str] = "FeedbackRoundOpened"
    engagement_id: str
    round_id: str
    purpose: str
    competencies: tuple[Competency, ...]
    scale_minimum: int
    scale_maximum: int
    anonymity_threshold: int
    closes_on: str
    results_visible_to_manager: bool


@dataclass(frozen=True)
class RaterInvited(DomainEvent):
    NAME: ClassVar[str] = "RaterInvited"
    PRIVATE: ClassVar[tuple[str, ...]] = ("invitation_id", "group", "rater_name", "contact",
                                          "token_hash")  # fmt: skip
    PERSONAL: ClassVar[tuple[Personal, ...]] = (
        Personal("rater_name", "invitation_id", "name"),
        Personal("contact", "invitation_id", "blank"),
    )
    engagement_id: str
    round_id: str
    invited: tuple[GroupCount, ...]
    invitation_id: str = ""
    group: str = ""
    rater_name: str = ""
    contact: str = ""
    token_hash: str = ""


@dataclass(frozen=True)
class RaterReminded(DomainEvent):
    NAME: ClassVar[str] = "RaterReminded"
    PRIVATE: ClassVar[tuple[str, ...]] = ("invitation_id", "token_hash")
    engagement_id: str
    round_id: str
    reminders: int
    invitation_id: str = ""
    token_hash: str = ""


@dataclass(frozen=True)
class InvitationWithdrawn(DomainEvent):
    NAME: ClassVar[str] = "InvitationWithdrawn"
    PRIVATE: ClassVar[tuple[str, ...]] = ("invitation_id",)
    engagement_id: str
    round_id: str
    invited: tuple[GroupCount, ...]
    invitation_id: str = ""


@dataclass(frozen=True)
class Rating:
    """One rating of one competency (private)."""

    competency: str
    rating: int


@dataclass(frozen=True)
class FeedbackComment:
    """One comment on one competency (private)."""

    competency: str
    text: str


@dataclass(frozen=True)
class FeedbackSubmitted(DomainEvent):
    """v1, published one by one until issue 8: kept to replay rounds stored before. New
    answers are ResponseRecorded events of the round's unpublished responses stream."""

    NAME: ClassVar[str] = "FeedbackSubmitted"
    PRIVATE: ClassVar[tuple[str, ...]] = ("invitation_id", "ratings", "comments",
                                          "overall_comment")  # fmt: skip
    PERSONAL: ClassVar[tuple[Personal, ...]] = ANSWERS
    engagement_id: str
    round_id: str
    submitted: tuple[GroupCount, ...]
    invitation_id: str = ""
    ratings: tuple[Rating, ...] = ()
    comments: tuple[FeedbackComment, ...] = ()
    overall_comment: str = ""


@dataclass(frozen=True)
class ReleasedComment:
    """A comment of a group that met the threshold: unattributed; overall when no competency.
    `author` (the rater's invitation id) is private like the comment and never shown: the
    text is sealed with the author's key, and leaves the list once they are erased."""

    competency: str | None
    text: str
    author: str = ""


@dataclass(frozen=True)
class FeedbackRoundClosed(DomainEvent):
    """v2: the published results are aggregates only; the released comments are private
    (served by the assessment service alone)."""

    NAME: ClassVar[str] = "FeedbackRoundClosed"
    VERSION: ClassVar[int] = 2
    PRIVATE: ClassVar[tuple[str, ...]] = ("comments",)
    PERSONAL: ClassVar[tuple[Personal, ...]] = (
        Personal("comments[].text", "comments[].author", "drop"),
    )
    engagement_id: str
    round_id: str
    closed_by: str
    responses: tuple[GroupCount, ...]
    results: dict[str, Any] = field(default_factory=dict)
    results_visible_to_manager: bool = False
    comments: tuple[ReleasedComment, ...] = ()


def closed_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """FeedbackRoundClosed v1 -> v2: the comments move out of the results into the private
    part. v1 did not state the manager setting: the round has it from its opening."""
    results = dict(data.get("results") or {})
    comments = results.pop("comments", [])
    return data | {"results": results, "comments": comments}


@dataclass(frozen=True)
class ResponseRecorded(DomainEvent):
    """One rater's answers, in the round's responses stream (never published). The answers
    are PRIVATE as well, so that they would stay here even if the stream were published."""

    NAME: ClassVar[str] = "ResponseRecorded"
    PRIVATE: ClassVar[tuple[str, ...]] = ("invitation_id", "ratings", "comments",
                                          "overall_comment")  # fmt: skip
    PERSONAL: ClassVar[tuple[Personal, ...]] = ANSWERS
    engagement_id: str
    round_id: str
    invitation_id: str = ""
    ratings: tuple[Rating, ...] = ()
    comments: tuple[FeedbackComment, ...] = ()
    overall_comment: str = ""


@dataclass(frozen=True)
class ResponsesSealed(DomainEvent):
    """The round is closing: no answer is taken after this (its results count every one)."""

    NAME: ClassVar[str] = "ResponsesSealed"
    engagement_id: str
    round_id: str
