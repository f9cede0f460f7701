"""Coaching and leadership development sessions of an engagement, and the executive's
commitments.

The engagement's coach records sessions while the engagement is open, honouring If-Match
against the coaching log's version (the ETag of every response). A session's private notes
are answered to the coach who recorded it only; everyone else who reads the engagement
reads the session without them (services/kpi/access.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from services.kpi import sessions_service as service
from services.kpi.domain.coaching_log import (
    KINDS,
    MAX_CAPABILITIES,
    MAX_COMMITMENTS,
    MAX_FOLLOW_UPS,
    MAX_ID,
    MAX_MINUTES,
    MAX_PRIVATE_NOTES,
    MAX_TEXT,
    MIN_MINUTES,
    OPEN,
    OUTCOMES,
    CoachingLog,
    Commitment,
    CommitmentState,
    FollowUp,
    RecordSession,
    SessionRecorded,
)
from shared.web.app_factory import resources
from shared.web.auth import BEARER, current_principal, requires
from shared.web.commands import etag, event_context, if_match
from shared.web.fields import StrictInteger

blp = Blueprint(
    "sessions",
    __name__,
    url_prefix="/engagements",
    description="Coaching and leadership development sessions, and the executive's commitments",
)


class StrictSchema(Schema):
    """Rejects unknown fields."""

    class Meta:
        unknown = RAISE


class NewCommitmentSchema(StrictSchema):
    text = fields.String(required=True, validate=validate.Length(1, MAX_TEXT))
    due_on = fields.Date(required=True, metadata={"description": "No earlier than held_on."})


class FollowUpSchema(StrictSchema):
    commitment_id = fields.String(
        required=True,
        validate=validate.Length(1, MAX_ID),
        metadata={"description": "An open commitment made in an earlier session."},
    )
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    note = fields.String(validate=validate.Length(1, MAX_TEXT))


class RecordSessionSchema(StrictSchema):
    held_on = fields.Date(required=True, metadata={"description": "Not in the future."})
    duration_minutes = StrictInteger(
        required=True, validate=validate.Range(MIN_MINUTES, MAX_MINUTES)
    )
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    capabilities = fields.List(
        fields.String(validate=validate.Length(1, MAX_ID)),
        validate=validate.Length(max=MAX_CAPABILITIES),
        load_default=list,
        metadata={"description": "Capability catalogue ids or 'custom:<name>', each once."},
    )
    commitments = fields.List(
        fields.Nested(NewCommitmentSchema),
        validate=validate.Length(max=MAX_COMMITMENTS),
        load_default=list,
        metadata={"description": "The executive's new commitments (ids are generated)."},
    )
    follow_ups = fields.List(
        fields.Nested(FollowUpSchema),
        validate=validate.Length(max=MAX_FOLLOW_UPS),
        load_default=list,
        metadata={"description": "Each commitment is followed up once."},
    )
    private_notes = fields.String(
        load_default="",
        validate=validate.Length(max=MAX_PRIVATE_NOTES),
        metadata={"description": "The coach's notes: stored, never published."},
    )


class CommitmentViewSchema(Schema):
    commitment_id = fields.String()
    text = fields.String()
    due_on = fields.String()


class FollowUpViewSchema(Schema):
    commitment_id = fields.String()
    outcome = fields.String()
    note = fields.String(metadata={"description": "Only when one was given."})


class SessionSchema(Schema):
    session_id = fields.String()
    engagement_id = fields.String()
    held_on = fields.String()
    duration_minutes = fields.Integer()
    kind = fields.String()
    capabilities = fields.List(fields.String())
    commitments = fields.List(fields.Nested(CommitmentViewSchema))
    follow_ups = fields.List(fields.Nested(FollowUpViewSchema))
    private_notes = fields.String(
        metadata={"description": "Only for the coach who recorded the session."}
    )


class CommitmentStatusSchema(CommitmentViewSchema):
    made_in = fields.String(metadata={"description": "The session it was made in."})
    status = fields.String(metadata={"description": "open, kept, partly or not"})
    followed_up_in = fields.String(metadata={"description": "Only once followed up."})
    note = fields.String(metadata={"description": "The follow-up's note, if any."})


class SessionListSchema(Schema):
    engagement_id = fields.String()
    version = fields.Integer()
    sessions = fields.List(
        fields.Nested(SessionSchema), metadata={"description": "By the date they were held."}
    )
    commitments = fields.List(
        fields.Nested(CommitmentStatusSchema),
        metadata={"description": "Every commitment with its status (open until followed up)."},
    )


def session_view(session: SessionRecorded, *, with_notes: bool) -> dict[str, Any]:
    """The public shape of a session; the private notes only `with_notes`."""
    view: dict[str, Any] = {
        "session_id": session.session_id,
        "engagement_id": session.engagement_id,
        "held_on": session.held_on,
        "duration_minutes": session.duration_minutes,
        "kind": session.kind,
        "capabilities": list(session.capabilities),
        "commitments": [_commitment_view(c) for c in session.commitments],
        "follow_ups": [_follow_up_view(f) for f in session.follow_ups],
    }
    if with_notes:
        view["private_notes"] = session.private_notes
    return view


def log_view(log: CoachingLog, with_notes: Callable[[str], bool]) -> dict[str, Any]:
    """Every session of the engagement (with the private notes of those `with_notes` says,
    by session id), and every commitment with its status."""
    return {
        "engagement_id": log.engagement_id,
        "version": log.version,
        "sessions": [session_view(s, with_notes=with_notes(s.session_id)) for s in log.in_order()],
        "commitments": [_status_view(c) for c in log.commitments.values()],
    }


def _commitment_view(commitment: Commitment) -> dict[str, Any]:
    return {
        "commitment_id": commitment.commitment_id,
        "text": commitment.text,
        "due_on": commitment.due_on,
    }


def _follow_up_view(follow_up: FollowUp) -> dict[str, Any]:
    view = {"commitment_id": follow_up.commitment_id, "outcome": follow_up.outcome}
    if follow_up.note is not None:
        view["note"] = follow_up.note
    return view


def _status_view(state: CommitmentState) -> dict[str, Any]:
    view = _commitment_view(state.commitment) | {"made_in": state.made_in, "status": OPEN}
    if state.follow_up is not None and state.followed_up_in is not None:
        view |= {"status": state.follow_up.outcome, "followed_up_in": state.followed_up_in}
        if state.follow_up.note is not None:
            view["note"] = state.follow_up.note
    return view


def _command(body: dict[str, Any]) -> RecordSession:
    return RecordSession(
        held_on=body["held_on"],
        duration_minutes=body["duration_minutes"],
        kind=body["kind"],
        capabilities=tuple(body["capabilities"]),
        commitments=tuple(
            Commitment("", c["text"], c["due_on"].isoformat()) for c in body["commitments"]
        ),
        follow_ups=tuple(
            FollowUp(f["commitment_id"], f["outcome"], f.get("note")) for f in body["follow_ups"]
        ),
        private_notes=body["private_notes"],
    )


@blp.route("/<string:engagement_id>/sessions")
class Sessions(MethodView):
    @requires()
    @blp.arguments(RecordSessionSchema)
    @blp.response(201, SessionSchema)
    @blp.doc(security=BEARER)
    def post(self, body: dict[str, Any], engagement_id: str) -> Any:
        """Record a session (possibly late) with new commitments and follow-ups of earlier ones."""
        log, session_id = service.record_session(
            resources().event_store,
            resources().engagement_directory,
            current_principal(),
            engagement_id,
            _command(body),
            event_context(),
            if_match(),
        )
        location = url_for("sessions.Session", engagement_id=engagement_id, session_id=session_id)
        view = session_view(log.session(session_id), with_notes=True)
        return view, etag(log.version) | {"Location": location}

    @requires()
    @blp.response(200, SessionListSchema)
    @blp.doc(security=BEARER)
    def get(self, engagement_id: str) -> Any:
        """Every session of the engagement, and every commitment with its status."""
        caller = current_principal()
        _, log = service.sessions_for(
            resources().event_store, resources().engagement_directory, caller, engagement_id
        )
        view = log_view(log, lambda session_id: service.sees_private_notes(caller, log, session_id))
        return view, etag(log.version)


@blp.route("/<string:engagement_id>/sessions/<string:session_id>")
class Session(MethodView):
    @requires()
    @blp.response(200, SessionSchema)
    @blp.doc(security=BEARER)
    def get(self, engagement_id: str, session_id: str) -> Any:
        """One session (404 when the engagement has no such session)."""
        caller = current_principal()
        _, log = service.sessions_for(
            resources().event_store, resources().engagement_directory, caller, engagement_id
        )
        view = session_view(
            log.session(session_id), with_notes=service.sees_private_notes(caller, log, session_id)
        )
        return view, etag(log.version)
