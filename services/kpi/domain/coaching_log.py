"""The CoachingLog aggregate: an engagement's coaching and leadership development sessions.

One stream per engagement (`coaching-<engagement_id>`): a session follows up commitments
made in earlier sessions, and each commitment is followed up once, so the invariant spans
sessions. Sessions may be recorded late (never dated in the future); the envelope's time
is when a session was recorded, `held_on` when it took place.

The coach's private notes travel in the event's PRIVATE data: kept in the kpi service's
store, never published, outside the hash chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Self

from shared.domain.aggregate import Aggregate, DomainEvent, sealed_since
from shared.domain.capabilities import is_known
from shared.domain.errors import InvalidCommand, InvalidTransition, NotFound
from shared.domain.personal import Personal

STREAM_PREFIX = "coaching-"
KINDS = ("coaching", "leadership_development")
OUTCOMES = ("kept", "partly", "not")
OPEN = "open"
MIN_MINUTES, MAX_MINUTES = 15, 480
MAX_CAPABILITIES = 9
MAX_COMMITMENTS = 20
MAX_FOLLOW_UPS = 100
MAX_ID = 200
MAX_TEXT = 500
MAX_PRIVATE_NOTES = 10_000


@dataclass(frozen=True)
class Commitment:
    """Something the executive committed to in a session, and by when."""

    commitment_id: str
    text: str
    due_on: str


@dataclass(frozen=True)
class FollowUp:
    """How a commitment of an earlier session turned out."""

    commitment_id: str
    outcome: str  # kept | partly | not
    note: str | None = None


@dataclass(frozen=True)
class NewSession:
    """A session to record (what the RecordSession command carries); the commitment ids are
    given by the caller (the server)."""

    held_on: date
    duration_minutes: int
    kind: str
    capabilities: tuple[str, ...] = ()
    commitments: tuple[Commitment, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()
    private_notes: str = ""


@dataclass(frozen=True)
class SessionRecorded(DomainEvent):
    """A coaching or leadership development session was held (private notes kept private)."""

    NAME: ClassVar[str] = "SessionRecorded"
    VERSION: ClassVar[int] = 2
    PRIVATE: ClassVar[tuple[str, ...]] = ("private_notes",)
    PERSONAL: ClassVar[tuple[Personal, ...]] = (
        Personal("commitments[].text", "@executive", "text"),
        Personal("follow_ups[].note", "@executive", "text"),
        Personal("private_notes", "@executive", "blank"),
    )
    engagement_id: str
    session_id: str
    held_on: str
    duration_minutes: int
    kind: str
    capabilities: tuple[str, ...]
    commitments: tuple[Commitment, ...]
    follow_ups: tuple[FollowUp, ...]
    private_notes: str = ""


@dataclass
class CommitmentState:
    """A commitment as the log knows it: where it was made and how it was followed up."""

    commitment: Commitment
    made_in: str
    made_on: str
    follow_up: FollowUp | None = None
    followed_up_in: str | None = None

    @property
    def status(self) -> str:
        """open until followed up, then the follow-up's outcome."""
        return OPEN if self.follow_up is None else self.follow_up.outcome


class CoachingLog(Aggregate):
    """Every coaching and leadership development session of one engagement."""

    CONTEXT = "kpi"
    EVENTS = (SessionRecorded,)
    UPCASTERS = sealed_since("SessionRecorded")

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.engagement_id = stream_id.removeprefix(STREAM_PREFIX)
        self.sessions: dict[str, SessionRecorded] = {}
        self.commitments: dict[str, CommitmentState] = {}
        # who recorded each stored session (its event's actor): the private notes are theirs
        self.recorders: dict[str, str] = {}

    @classmethod
    def replay(cls, stream_id: str, envelopes: Iterable[Mapping[str, Any]]) -> Self:
        """The log as its events leave it, with who recorded each session."""
        envelopes = list(envelopes)
        log = super().replay(stream_id, envelopes)
        log.recorders = {str(e["data"]["session_id"]): str(e["actor"]) for e in envelopes}
        return log

    @staticmethod
    def stream_for(engagement_id: str) -> str:
        """The stream id of an engagement's coaching log."""
        return f"{STREAM_PREFIX}{engagement_id}"

    @property
    def subject(self) -> str:
        return self.engagement_id

    def record_session(self, session_id: str, session: NewSession, today: date) -> None:
        """Record a session held no later than `today`.

        Capabilities are known and unique (at most nine); each commitment is due no earlier
        than the session; each follow-up names an open commitment made in a session already
        recorded and held no later than this one (InvalidCommand), and a commitment is
        followed up once (InvalidTransition).
        """
        session_id = _id(session_id, "session id")
        if session_id in self.sessions:
            raise InvalidTransition(f"session {session_id} is already recorded")
        held_on = session.held_on
        if not isinstance(held_on, date):
            raise InvalidCommand("held_on must be a date")
        if held_on > today:
            raise InvalidCommand("a session cannot be held in the future")
        if session.kind not in KINDS:
            raise InvalidCommand(f"kind must be one of {', '.join(KINDS)}")
        minutes = session.duration_minutes
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise InvalidCommand("duration_minutes must be a whole number")
        if not MIN_MINUTES <= minutes <= MAX_MINUTES:
            raise InvalidCommand(f"a session lasts {MIN_MINUTES} to {MAX_MINUTES} minutes")
        if not isinstance(session.private_notes, str):
            raise InvalidCommand("private notes must be text")
        if len(session.private_notes) > MAX_PRIVATE_NOTES:
            raise InvalidCommand(f"private notes are at most {MAX_PRIVATE_NOTES} characters")
        self.record(
            SessionRecorded(
                engagement_id=self.engagement_id,
                session_id=session_id,
                held_on=held_on.isoformat(),
                duration_minutes=minutes,
                kind=session.kind,
                capabilities=_capabilities(session.capabilities),
                commitments=self._new_commitments(session.commitments, held_on),
                follow_ups=self._follow_ups(session.follow_ups, held_on),
                private_notes=session.private_notes,
            )
        )

    def session(self, session_id: str) -> SessionRecorded:
        """One recorded session (NotFound otherwise)."""
        if session_id not in self.sessions:
            raise NotFound(f"session {session_id} not found")
        return self.sessions[session_id]

    def recorded_by(self, session_id: str) -> str:
        """The subject who recorded a stored session ("" for one not stored yet)."""
        return self.recorders.get(session_id, "")

    def in_order(self) -> list[SessionRecorded]:
        """Sessions by the date they were held (recording order within a day)."""
        return sorted(self.sessions.values(), key=lambda s: s.held_on)

    def open_commitments(self) -> list[CommitmentState]:
        """Commitments not followed up yet."""
        return [c for c in self.commitments.values() if c.follow_up is None]

    def _new_commitments(
        self, commitments: Sequence[Commitment], held_on: date
    ) -> tuple[Commitment, ...]:
        if len(commitments) > MAX_COMMITMENTS:
            raise InvalidCommand(f"a session records at most {MAX_COMMITMENTS} commitments")
        seen: set[str] = set()
        for commitment in commitments:
            commitment_id = _id(commitment.commitment_id, "commitment id")
            if commitment_id in self.commitments or commitment_id in seen:
                raise InvalidTransition(f"commitment {commitment_id} exists already")
            seen.add(commitment_id)
            _text(commitment.text, "a commitment's text")
            if _date(commitment.due_on) < held_on:
                raise InvalidCommand("a commitment is due no earlier than the session")
        return tuple(
            Commitment(c.commitment_id, c.text, _date(c.due_on).isoformat()) for c in commitments
        )

    def _follow_ups(self, follow_ups: Sequence[FollowUp], held_on: date) -> tuple[FollowUp, ...]:
        if len(follow_ups) > MAX_FOLLOW_UPS:
            raise InvalidCommand(f"a session follows up at most {MAX_FOLLOW_UPS} commitments")
        seen: set[str] = set()
        for follow_up in follow_ups:
            commitment_id = _id(follow_up.commitment_id, "commitment id")
            if commitment_id in seen:
                raise InvalidCommand(f"commitment {commitment_id} is followed up twice")
            seen.add(commitment_id)
            known = self.commitments.get(commitment_id)
            if known is None:
                raise InvalidCommand(
                    f"commitment {commitment_id} was not made in an earlier session"
                )
            if known.made_on > held_on.isoformat():
                raise InvalidCommand(
                    f"commitment {commitment_id} was made in a session held after this one"
                )
            if known.follow_up is not None:
                raise InvalidTransition(f"commitment {commitment_id} is already followed up")
            if follow_up.outcome not in OUTCOMES:
                raise InvalidCommand(f"outcome must be one of {', '.join(OUTCOMES)}")
            if follow_up.note is not None:
                _text(follow_up.note, "a follow-up's note")
        return tuple(follow_ups)

    def on_SessionRecorded(self, event: SessionRecorded) -> None:
        self.sessions[event.session_id] = event
        for commitment in event.commitments:
            self.commitments[commitment.commitment_id] = CommitmentState(
                commitment, event.session_id, event.held_on
            )
        for follow_up in event.follow_ups:
            known = self.commitments[follow_up.commitment_id]
            known.follow_up, known.followed_up_in = follow_up, event.session_id


def _capabilities(capabilities: Sequence[str]) -> tuple[str, ...]:
    if len(capabilities) > MAX_CAPABILITIES:
        raise InvalidCommand(f"a session works on at most {MAX_CAPABILITIES} capabilities")
    for capability in capabilities:
        if not isinstance(capability, str) or len(capability) > MAX_ID or not is_known(capability):
            raise InvalidCommand(f"unknown capability {capability!r}")
    if len(set(capabilities)) != len(capabilities):
        raise InvalidCommand("each capability is named once")
    return tuple(capabilities)


def _id(value: str, what: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_ID:
        raise InvalidCommand(f"{what} must be 1 to {MAX_ID} characters")
    return value


def _text(value: str, what: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise InvalidCommand(f"{what} is text of at most {MAX_TEXT} characters")
    if not value.strip():
        raise InvalidCommand(f"{what} must not be blank")
    return value


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidCommand(f"{value!r} is not a date (YYYY-MM-DD)") from None
