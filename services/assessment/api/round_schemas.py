"""Schemas of the feedback-round API (coach side and rater side)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.web.fields import StrictInteger, StrictSchema

GROUPS = ["self", "manager", "peer", "direct_report", "other"]


class CompetencyInSchema(StrictSchema):
    id = fields.String(
        required=True,
        validate=validate.Length(1, 200),
        metadata={"description": "A catalogue capability id, or 'custom:<name>'."},
    )
    name = fields.String(validate=validate.Length(1, 200))


class ScaleSchema(StrictSchema):
    minimum = StrictInteger(required=True, validate=validate.Range(-10, 10))
    maximum = StrictInteger(required=True, validate=validate.Range(-10, 10))


class OpenRoundSchema(StrictSchema):
    purpose = fields.String(
        required=True, validate=validate.OneOf(["baseline", "midpoint", "final", "pulse"])
    )
    competencies = fields.List(
        fields.Nested(CompetencyInSchema), required=True, validate=validate.Length(1, 30)
    )
    scale = fields.Nested(
        ScaleSchema, metadata={"description": "Default 1..5, or -3..+3 for a pulse round."}
    )
    anonymity_threshold = StrictInteger(load_default=3, validate=validate.Range(3, 50))
    closes_on = fields.Date(required=True)
    results_visible_to_manager = fields.Boolean(load_default=False)


class InviteSchema(StrictSchema):
    stakeholder_id = fields.String(
        validate=validate.Length(1, 64),
        metadata={"description": "A stakeholder of the engagement: their name and contact, "
                                 "and their relationship as the group unless one is given."},
    )  # fmt: skip
    group = fields.String(validate=validate.OneOf(GROUPS))
    name = fields.String(validate=validate.Length(1, 200))
    contact = fields.String(validate=validate.Length(3, 320))

    @validates_schema
    def _one_rater(self, data: dict[str, object], **_: object) -> None:
        if "stakeholder_id" in data:
            given = [f for f in ("name", "contact") if f in data]
            if given:
                raise ValidationError("comes from the stakeholder: leave it out", given[0])
            if data.get("group") == "self":
                raise ValidationError("a stakeholder is not the executive", "group")
            return
        for required in ("group", "name", "contact"):
            if required not in data:
                raise ValidationError("required unless stakeholder_id is given", required)


class GroupCountSchema(Schema):
    group = fields.String()
    count = fields.Integer()


class CompetencySchema(Schema):
    id = fields.String()
    name = fields.String()


class InvitationSchema(Schema):
    id = fields.String()
    group = fields.String()
    rater_name = fields.String()
    status = fields.String()


class RoundSchema(Schema):
    id = fields.String()
    engagement_id = fields.String()
    purpose = fields.String()
    competencies = fields.List(fields.Nested(CompetencySchema))
    scale = fields.Nested(ScaleSchema)
    anonymity_threshold = fields.Integer()
    closes_on = fields.String()
    results_visible_to_manager = fields.Boolean()
    status = fields.String()
    invited = fields.List(fields.Nested(GroupCountSchema))
    submitted = fields.List(
        fields.Nested(GroupCountSchema),
        metadata={"description": "Coach and admins; everyone else once the round closed."},
    )
    invitations = fields.List(
        fields.Nested(InvitationSchema), metadata={"description": "Coach and admins only."}
    )
    version = fields.Integer()


class RoundListSchema(Schema):
    rounds = fields.List(fields.Nested(RoundSchema))


class InvitationTokenSchema(Schema):
    invitation_id = fields.String()
    group = fields.String()
    token = fields.String(metadata={"description": "Shown once; give it to the rater."})


class ResultsSchema(Schema):
    round_id = fields.String()
    purpose = fields.String()
    responses = fields.List(fields.Nested(GroupCountSchema))
    results = fields.Dict()


class CommentSchema(Schema):
    competency = fields.String(allow_none=True, metadata={"description": "None: overall."})
    text = fields.String()


class CommentsSchema(Schema):
    round_id = fields.String()
    purpose = fields.String()
    comments = fields.List(fields.Nested(CommentSchema))


class SubmitFeedbackSchema(StrictSchema):
    ratings = fields.Dict(
        keys=fields.String(validate=validate.Length(1, 200)),
        values=StrictInteger(),
        required=True,
        metadata={"description": "competency id -> rating on the round's scale"},
    )
    comments = fields.Dict(
        keys=fields.String(validate=validate.Length(1, 200)),
        values=fields.String(validate=validate.Length(0, 2000)),
        load_default=dict,
    )
    overall_comment = fields.String(load_default="", validate=validate.Length(0, 2000))

    @validates_schema
    def _bounded(self, data: dict[str, object], **_: object) -> None:
        for name in ("ratings", "comments"):
            if len(data.get(name) or {}) > 30:  # type: ignore[arg-type]
                raise ValidationError("at most 30 entries", name)


class RaterViewSchema(Schema):
    round_id = fields.String()
    purpose = fields.String()
    executive = fields.String()
    competencies = fields.List(fields.Nested(CompetencySchema))
    scale = fields.Nested(ScaleSchema)
    closes_on = fields.String()
    status = fields.String()
