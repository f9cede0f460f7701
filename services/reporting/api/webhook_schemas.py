"""Request and response schemas of the webhook subscription routes."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.web.fields import StrictInteger, StrictSchema
from shared.web.instants import Instant

Url = fields.String(required=True, validate=validate.Length(1, 2048))
Types = fields.List(fields.String(validate=validate.Length(1, 200)),
                    validate=validate.Length(1, 100))  # fmt: skip
Reason = fields.String(validate=validate.Length(1, 1000))


class CreateSubscriptionSchema(StrictSchema):
    url = Url
    event_types = fields.List(fields.String(validate=validate.Length(1, 200)), required=True,
                              validate=validate.Length(1, 100))  # fmt: skip
    description = fields.String(load_default="", validate=validate.Length(0, 500))
    reason = Reason


class ChangeSubscriptionSchema(StrictSchema):
    url = fields.String(validate=validate.Length(1, 2048))
    event_types = Types
    description = fields.String(validate=validate.Length(0, 500))
    status = fields.String(validate=validate.OneOf(["active", "paused"]))
    reason = Reason


class ReasonSchema(StrictSchema):
    reason = Reason


class RotateSchema(StrictSchema):
    overlap_seconds = StrictInteger(load_default=24 * 3600, validate=validate.Range(0, 7 * 86400))
    reason = Reason


class ReplaySchema(StrictSchema):
    event_id = fields.String(validate=validate.Length(1, 200))
    since = Instant(data_key="from")
    until = Instant(data_key="to")
    reason = Reason


class AttemptsArgs(StrictSchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class StatsSchema(Schema):
    delivered, failed, attempts = fields.Integer(), fields.Integer(), fields.Integer()
    last_success_at = fields.String(allow_none=True)
    last_failure_at = fields.String(allow_none=True)
    failing_since = fields.String(allow_none=True)


class SubscriptionSchema(Schema):
    id, url, description, status, created_at = (fields.String() for _ in range(5))
    event_types = fields.List(fields.String())
    stats = fields.Nested(StatsSchema)
    secret = fields.String(metadata={"description": "Only in the answer that made it"})
    previous_secret_expires_at = fields.String()


class SubscriptionsSchema(Schema):
    webhooks = fields.List(fields.Nested(SubscriptionSchema))


class AttemptSchema(Schema):
    at, event_id, event_type, answer, error, outcome = (fields.String() for _ in range(6))
    attempt = fields.Integer()
    status = fields.Integer(allow_none=True)
    latency_ms = fields.Float()


class AttemptsSchema(Schema):
    subscription_id = fields.String()
    total, limit, offset = fields.Integer(), fields.Integer(), fields.Integer()
    attempts = fields.List(fields.Nested(AttemptSchema))


class ReplayedSchema(Schema):
    id = fields.String()
    status = fields.String()
