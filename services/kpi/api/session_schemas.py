"""Request and response schemas of the coaching-session routes (unknown fields rejected)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

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
    OUTCOMES,
)
from shared.web.fields import StrictInteger, StrictSchema


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
