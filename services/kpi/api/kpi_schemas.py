"""Request and response schemas of the KPI API (unknown fields rejected)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.web.fields import StrictInteger, StrictNumber, StrictSchema

DIRECTIONS = ["increase", "decrease", "maintain"]


class ProposeKpiSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(0, 2000))
    kind = fields.String(required=True, validate=validate.OneOf(["performance", "behavioural"]))
    capability = fields.String(
        load_default=None,
        validate=validate.Length(1, 200),
        metadata={"description": "Required for behavioural KPIs: catalogue id or custom:<name>."},
    )
    unit = fields.String(load_default="", validate=validate.Length(0, 50))
    baseline = StrictNumber(required=True)
    target = StrictNumber(required=True)
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    tolerance = StrictNumber(load_default=0.0, validate=validate.Range(min=0))
    weight = StrictInteger(required=True, validate=validate.Range(1, 100))
    cadence = fields.String(
        load_default="monthly", validate=validate.OneOf(["weekly", "monthly", "quarterly"])
    )
    due_on = fields.Date(required=True)
    measured_by = fields.String(
        load_default="manual",
        validate=validate.OneOf(["manual", "feedback_rounds"]),
        metadata={"description": "feedback_rounds: a behavioural KPI on the rounds' scale,"
                  " measured by each closed round covering its capability."},
    )  # fmt: skip


class ChangesSchema(StrictSchema):
    """Fields a change may set; which are allowed depends on the KPI's state."""

    name = fields.String(validate=validate.Length(1, 200))
    description = fields.String(validate=validate.Length(0, 2000))
    unit = fields.String(validate=validate.Length(0, 50))
    target = StrictNumber()
    tolerance = StrictNumber(validate=validate.Range(min=0))
    weight = StrictInteger(validate=validate.Range(1, 100))
    due_on = fields.Date()
    kind = fields.String(validate=validate.OneOf(["performance", "behavioural"]))
    capability = fields.String(allow_none=True, validate=validate.Length(1, 200))
    baseline = StrictNumber()
    direction = fields.String(validate=validate.OneOf(DIRECTIONS))
    cadence = fields.String(validate=validate.OneOf(["weekly", "monthly", "quarterly"]))
    measured_by = fields.String(validate=validate.OneOf(["manual", "feedback_rounds"]))


class ReviewContextSchema(StrictSchema):
    """Where a change happens: at a review (review_id) or explicitly outside one."""

    reason = fields.String(validate=validate.Length(1, 1000))
    review_id = fields.String(validate=validate.Length(1, 100))
    outside_review = fields.Boolean(load_default=False)

    @validates_schema
    def _one_context(self, data: dict[str, object], **_: object) -> None:
        if bool(data.get("review_id")) == bool(data.get("outside_review")):
            raise ValidationError("give either review_id or outside_review: true", "review_id")


class ChangeKpiSchema(StrictSchema):
    changes = fields.Nested(ChangesSchema, required=True)
    reason = fields.String(validate=validate.Length(1, 1000))
    review_id = fields.String(validate=validate.Length(1, 100))
    outside_review = fields.Boolean(load_default=False)


WEIGHTS = fields.Dict(
    keys=fields.String(validate=validate.Length(1, 100)),
    values=StrictInteger(validate=validate.Range(1, 100)),
    load_default=dict,
    metadata={"description": "kpi_id -> new weight, so that aligned weights sum to 100"},
)


class ApproveSchema(StrictSchema):
    weights = WEIGHTS
    aligned_on = fields.Date(
        metadata={"description": "Date of the alignment session, if recorded late (default today)."}
    )


class SendBackSchema(StrictSchema):
    comment = fields.String(required=True, validate=validate.Length(1, 2000))


class RetireSchema(ReviewContextSchema):
    reason = fields.String(required=True, validate=validate.Length(1, 1000))
    weights = WEIGHTS


class ReweightSchema(ReviewContextSchema):
    reason = fields.String(required=True, validate=validate.Length(1, 1000))
    weights = fields.Dict(
        keys=fields.String(validate=validate.Length(1, 100)),
        values=StrictInteger(validate=validate.Range(1, 100)),
        required=True,
    )


class AttendeeSchema(StrictSchema):
    id = fields.String(required=True, validate=validate.Length(1, 200))
    name = fields.String(required=True, validate=validate.Length(1, 200))


class MeasurementInSchema(StrictSchema):
    kpi_id = fields.String(required=True, validate=validate.Length(1, 100))
    value = StrictNumber(required=True)
    measured_on = fields.Date(required=True, metadata={"description": "Effective date."})
    evidence = fields.String(load_default="", validate=validate.Length(0, 2000))


class RecordReviewSchema(StrictSchema):
    held_on = fields.Date(required=True)
    attendees = fields.List(
        fields.Nested(AttendeeSchema), required=True, validate=validate.Length(1, 30)
    )
    measurements = fields.List(
        fields.Nested(MeasurementInSchema), load_default=list, validate=validate.Length(0, 50)
    )


class SourceSchema(Schema):
    kind = fields.String(metadata={"description": "manual, or round (a closed feedback round)"})
    round_id = fields.String(allow_none=True)
    shared_with_manager = fields.Boolean(
        metadata={"description": "False: from a round not shared with the manager, who "
                  "never sees this measurement"}
    )  # fmt: skip


class MeasurementSchema(Schema):
    measurement_id = fields.String()
    kpi_id = fields.String()
    review_id = fields.String(allow_none=True)
    value = fields.Float()
    measured_on = fields.String()
    evidence = fields.String()
    source = fields.Nested(SourceSchema)
    status = fields.String()
    expected = fields.Float()


class KpiSchema(Schema):
    id = fields.String()
    state = fields.String()
    name = fields.String()
    description = fields.String()
    kind = fields.String()
    capability = fields.String(allow_none=True)
    unit = fields.String()
    baseline = fields.Float()
    baseline_on = fields.String(allow_none=True)
    target = fields.Float()
    direction = fields.String()
    tolerance = fields.Float()
    weight = fields.Integer()
    cadence = fields.String()
    due_on = fields.String()
    measured_by = fields.String()
    sent_back_comment = fields.String()
    status = fields.String(allow_none=True, metadata={"description": "At the last measurement."})
    latest = fields.Nested(MeasurementSchema, allow_none=True)
    measurements = fields.List(fields.Nested(MeasurementSchema))
    version = fields.Integer(metadata={"description": "The KPI plan's version (ETag)."})


class KpiListSchema(Schema):
    engagement_id = fields.String()
    version = fields.Integer()
    weights_total = fields.Integer()
    kpis = fields.List(fields.Nested(KpiSchema))


class ReviewSchema(Schema):
    review_id = fields.String()
    held_on = fields.String()
    attendees = fields.List(fields.Nested(AttendeeSchema))
    measurements = fields.List(fields.Nested(MeasurementSchema))
    version = fields.Integer()


class ReviewListSchema(Schema):
    reviews = fields.List(fields.Nested(ReviewSchema))
