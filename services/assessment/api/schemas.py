"""Request and response schemas of the assessment API (marshmallow, unknown fields rejected)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.web.fields import StrictSchema


class PersonSchema(StrictSchema):
    id = fields.String(required=True, validate=validate.Length(1, 200))
    name = fields.String(required=True, validate=validate.Length(1, 200))


class OpenEngagementSchema(StrictSchema):
    executive = fields.Nested(PersonSchema, required=True)
    manager = fields.Nested(PersonSchema, required=True)
    coach = fields.Nested(PersonSchema, metadata={"description": "Defaults to the calling coach."})
    programme = fields.String(required=True, validate=validate.Length(1, 200))
    start_date = fields.Date(required=True)


class EngagementSchema(Schema):
    id = fields.String()
    organisation = fields.String()
    executive = fields.Nested(PersonSchema)
    coach = fields.Nested(PersonSchema)
    manager = fields.Nested(PersonSchema)
    programme = fields.String()
    start_date = fields.String()
    phase = fields.String()
    version = fields.Integer()
    stakeholders = fields.List(fields.Nested(lambda: StakeholderSchema()))


class AddStakeholderSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    contact = fields.String(
        required=True,
        validate=validate.Length(3, 320),
        metadata={"description": "Kept inside the assessment service; never published."},
    )
    relationship = fields.String(
        required=True, validate=validate.OneOf(["manager", "peer", "direct_report", "other"])
    )


class AssignPersonSchema(StrictSchema):
    id = fields.String(required=True, validate=validate.Length(1, 200))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    reason = fields.String(required=True, validate=validate.Length(1, 1000))


class PhaseChangeSchema(StrictSchema):
    phase = fields.String(
        required=True,
        validate=validate.OneOf(["kpi_alignment", "results_management", "completed"]),
    )
    reason = fields.String(validate=validate.Length(1, 1000))


class CancelSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(1, 1000))


class StakeholderSchema(Schema):
    id = fields.String()
    name = fields.String()
    relationship = fields.String()
    contact = fields.String(metadata={"description": "Only for the coach and admins."})
