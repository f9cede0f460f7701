"""Needs-assessment resources of an engagement: profiles, barriers to success, development areas.

Writes are for the engagement's coach (or an admin) while the engagement is open, and honour
If-Match against the needs assessment's own version. Every response is the whole needs
assessment with its ETag and Location; newly recorded profiles and barriers come last in
their lists. The views parse into commands (services/assessment/commands.py) and serialise;
access and what the caller sees are the handlers' (handlers/needs_assessment.py).
"""

from __future__ import annotations

import math
from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.assessment.commands import (
    IdentifyBarrier,
    RecordProfile,
    ResolveBarrier,
    SelectDevelopmentAreas,
)
from services.assessment.domain import needs_assessment as needs
from services.assessment.domain.needs_assessment import (
    BARRIER_SOURCES,
    IMPACTS,
    MAX_DEVELOPMENT_AREAS,
    MAX_ITEMS,
    MAX_NAME,
    MAX_SCORE,
    MAX_TEXT,
    REFERENCE_KINDS,
    DevelopmentArea,
    Reference,
    ScaleScore,
)
from services.assessment.handlers import AssessmentHandlers
from services.assessment.handlers.base import Result
from shared.web.auth import requires
from shared.web.commands import answer, caller, if_match
from shared.web.fields import StrictSchema


class JsonNumber(fields.Field[float]):
    """A finite JSON number within ±MAX_SCORE: no numeric strings, no booleans."""

    default_error_messages = {
        "invalid": "Not a valid number.",
        "range": f"Must be from -{MAX_SCORE} to {MAX_SCORE}.",
    }

    def __init__(self, **kwargs: Any) -> None:
        bounds = {"type": "number", "minimum": -MAX_SCORE, "maximum": MAX_SCORE}
        super().__init__(metadata=bounds | kwargs.pop("metadata", {}), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.make_error("invalid")
        if abs(value) > MAX_SCORE:
            raise self.make_error("range")
        return value


def _name(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(1, MAX_NAME), **kwargs)


def _text(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(1, MAX_TEXT), **kwargs)


def _texts() -> fields.List:
    return fields.List(_text(), validate=validate.Length(max=MAX_ITEMS), load_default=list)


class ScaleScoreSchema(StrictSchema):
    name = _name(required=True)
    score = JsonNumber(required=True)
    band = _name(metadata={"description": "The instrument's label for the score's range."})


class RecordProfileSchema(StrictSchema):
    instrument = _name(required=True)
    scales = fields.List(
        fields.Nested(ScaleScoreSchema), required=True, validate=validate.Length(1, MAX_ITEMS)
    )
    strengths = _texts()
    development_needs = _texts()
    administered_on = fields.Date(required=True, metadata={"description": "Not in the future."})
    administered_by = _name(required=True)


class IdentifyBarrierSchema(StrictSchema):
    description = _text(required=True)
    source = fields.String(required=True, validate=validate.OneOf(BARRIER_SOURCES))
    impact = fields.String(required=True, validate=validate.OneOf(IMPACTS))
    capability = _name(
        required=True,
        metadata={"description": "A capability catalogue id, or 'custom:<your wording>'."},
    )


class ResolveBarrierSchema(StrictSchema):
    note = _text(required=True)


class AreaReferenceSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(REFERENCE_KINDS))
    id = _name(required=True)


class DevelopmentAreaSchema(StrictSchema):
    capability = _name(
        required=True,
        metadata={"description": "A capability catalogue id, or 'custom:<your wording>'."},
    )
    rationale = _text(required=True)
    linked_to = fields.List(
        fields.Nested(AreaReferenceSchema),
        validate=validate.Length(max=MAX_ITEMS),
        load_default=list,
    )


class SelectDevelopmentAreasSchema(StrictSchema):
    areas = fields.List(
        fields.Nested(DevelopmentAreaSchema),
        required=True,
        validate=validate.Length(1, MAX_DEVELOPMENT_AREAS),
        metadata={"description": "Replaces the current selection; each capability once."},
    )


class ProfileViewSchema(Schema):
    id = fields.String()
    instrument = fields.String()
    scales = fields.List(fields.Nested(ScaleScoreSchema))
    strengths = fields.List(fields.String())
    development_needs = fields.List(fields.String())
    administered_on = fields.String()
    administered_by = fields.String()


class BarrierViewSchema(Schema):
    id = fields.String()
    description = fields.String()
    source = fields.String()
    impact = fields.String()
    capability = fields.String()
    status = fields.String(metadata={"description": "open or resolved"})
    resolution_note = fields.String(metadata={"description": "Only once resolved."})


class NeedsAssessmentSchema(Schema):
    engagement_id = fields.String()
    version = fields.Integer()
    profiles = fields.List(
        fields.Nested(ProfileViewSchema),
        metadata={"description": "For admins, the coach and the executive only."},
    )
    barriers = fields.List(fields.Nested(BarrierViewSchema))
    development_areas = fields.List(fields.Nested(DevelopmentAreaSchema))


def answered(result: Result) -> Any:
    """The needs assessment as a response body, with its ETag and Location."""
    location = url_for("needs_assessment.NeedsAssessmentResource",
                       engagement_id=result.body["engagement_id"])  # fmt: skip
    return answer(result, location)


def profile_of(body: dict[str, Any]) -> needs.RecordProfile:
    """The profiling results a request body gives."""
    return needs.RecordProfile(
        instrument=body["instrument"],
        scales=tuple(ScaleScore(**scale) for scale in body["scales"]),
        administered_on=body["administered_on"],
        administered_by=body["administered_by"],
        strengths=tuple(body["strengths"]),
        development_needs=tuple(body["development_needs"]),
    )


def areas_of(body: dict[str, Any]) -> tuple[DevelopmentArea, ...]:
    """The development areas a request body selects."""
    return tuple(
        DevelopmentArea(
            capability=area["capability"],
            rationale=area["rationale"],
            linked_to=tuple(Reference(**ref) for ref in area["linked_to"]),
        )
        for area in body["areas"]
    )


def needs_assessment_blueprint(handlers: AssessmentHandlers) -> Blueprint:
    """The needs-assessment routes, calling these handlers."""
    blp = Blueprint(
        "needs_assessment",
        __name__,
        url_prefix="/engagements",
        description="Needs assessment: profiling results, barriers to success, development areas",
    )

    @blp.route("/<string:engagement_id>/profiles")
    class Profiles(MethodView):
        @requires()
        @blp.arguments(RecordProfileSchema)
        @blp.response(201, NeedsAssessmentSchema)
        @blp.doc(security=[{"bearerAuth": []}])
        def post(self, body: dict[str, Any], engagement_id: str) -> Any:
            """Record a profiling instrument's results (the new profile comes last)."""
            command = RecordProfile(
                engagement_id=engagement_id, profile=profile_of(body), if_match=if_match()
            )
            return answered(handlers.handle(command, caller()))

    @blp.route("/<string:engagement_id>/barriers")
    class Barriers(MethodView):
        @requires()
        @blp.arguments(IdentifyBarrierSchema)
        @blp.response(201, NeedsAssessmentSchema)
        @blp.doc(security=[{"bearerAuth": []}])
        def post(self, body: dict[str, Any], engagement_id: str) -> Any:
            """Identify a barrier to success (the new barrier comes last, open)."""
            command = IdentifyBarrier(
                engagement_id=engagement_id, barrier=needs.IdentifyBarrier(**body),
                if_match=if_match(),
            )  # fmt: skip
            return answered(handlers.handle(command, caller()))

    @blp.route("/<string:engagement_id>/barriers/<string:barrier_id>/resolution")
    class BarrierResolution(MethodView):
        @requires()
        @blp.arguments(ResolveBarrierSchema)
        @blp.response(200, NeedsAssessmentSchema)
        @blp.doc(security=[{"bearerAuth": []}])
        def post(self, body: dict[str, Any], engagement_id: str, barrier_id: str) -> Any:
            """Resolve an open barrier with a note (404 unknown, 409 already resolved)."""
            command = ResolveBarrier(
                engagement_id=engagement_id, barrier_id=barrier_id, note=body["note"],
                if_match=if_match(),
            )  # fmt: skip
            return answered(handlers.handle(command, caller()))

    @blp.route("/<string:engagement_id>/development-areas")
    class DevelopmentAreas(MethodView):
        @requires()
        @blp.arguments(SelectDevelopmentAreasSchema)
        @blp.response(200, NeedsAssessmentSchema)
        @blp.doc(security=[{"bearerAuth": []}])
        def put(self, body: dict[str, Any], engagement_id: str) -> Any:
            """Select 1 to 9 development areas, replacing the current selection."""
            command = SelectDevelopmentAreas(
                engagement_id=engagement_id, areas=areas_of(body), if_match=if_match()
            )
            return answered(handlers.handle(command, caller()))

    @blp.route("/<string:engagement_id>/needs-assessment")
    class NeedsAssessmentResource(MethodView):
        @requires()
        @blp.response(200, NeedsAssessmentSchema)
        @blp.doc(security=[{"bearerAuth": []}])
        def get(self, engagement_id: str) -> Any:
            """The needs assessment: profiles, barriers with their status, development areas."""
            return answered(handlers.read_needs_assessment(engagement_id, caller()))

    return blp
