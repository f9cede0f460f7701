"""Request and response schemas of the assessment API (marshmallow, unknown fields rejected)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate


class StrictSchema(Schema):
    """Rejects unknown fields."""

    class Meta:
        unknown = RAISE


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
