"""Needs-assessment resources of an engagement: profiles, barriers to success, development areas.

Writes are for the engagement's coach (or an admin) while the engagement is open, and honour
If-Match against the needs assessment's own version. Every response is the whole needs
assessment with its ETag; newly recorded profiles and barriers come last in their lists.
"""

from __future__ import annotations

import math
from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.assessment import needs_assessment_service as service
from services.assessment.api.schemas import StrictSchema
from services.assessment.domain.needs_assessment import (
    BARRIER_SOURCES,
    IMPACTS,
    MAX_DEVELOPMENT_AREAS,
    MAX_ITEMS,
    MAX_NAME,
    MAX_SCORE,
    MAX_TEXT,
    REFERENCE_KINDS,
    Barrier,
    DevelopmentArea,
    IdentifyBarrier,
    NeedsAssessment,
    Profile,
    RecordProfile,
    Reference,
    ScaleScore,
)
from shared.web.app_factory import resources
from shared.web.auth import current_principal, requires
from shared.web.commands import etag, event_context, if_match

blp = Blueprint(
    "needs_assessment",
    __name__,
    url_prefix="/engagements",
    description="Needs assessment: profiling results, barriers to success, development areas",
)


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


def needs_assessment_view(assessment: NeedsAssessment, *, with_profiles: bool) -> dict[str, Any]:
    """The public shape of a needs assessment."""
    view: dict[str, Any] = {
        "engagement_id": assessment.engagement_id,
        "version": assessment.version,
        "barriers": [_barrier_view(b) for b in assessment.barriers.values()],
        "development_areas": assessment.development_areas,
    }
    if with_profiles:
        view["profiles"] = [_profile_view(p) for p in assessment.profiles.values()]
    return view


def _profile_view(profile: Profile) -> dict[str, Any]:
    return {
        "id": profile.id,
        "instrument": profile.instrument,
        "scales": [
            {"name": s.name, "score": s.score} | ({"band": s.band} if s.band is not None else {})
            for s in profile.scales
        ],
        "strengths": profile.strengths,
        "development_needs": profile.development_needs,
        "administered_on": profile.administered_on,
        "administered_by": profile.administered_by,
    }


def _barrier_view(barrier: Barrier) -> dict[str, Any]:
    view = {
        "id": barrier.id,
        "description": barrier.description,
        "source": barrier.source,
        "impact": barrier.impact,
        "capability": barrier.capability,
        "status": barrier.status,
    }
    if barrier.resolution_note is not None:
        view["resolution_note"] = barrier.resolution_note
    return view


def state_headers(assessment: NeedsAssessment) -> dict[str, str]:
    """ETag (the needs assessment's version) and Location of the needs assessment."""
    return etag(assessment.version) | {
        "Location": url_for(
            "needs_assessment.NeedsAssessmentResource", engagement_id=assessment.engagement_id
        ),
    }


def written(assessment: NeedsAssessment) -> Any:
    """The response to a write: the whole needs assessment (the writer sees profiles)."""
    return needs_assessment_view(assessment, with_profiles=True), state_headers(assessment)


@blp.route("/<string:engagement_id>/profiles")
class Profiles(MethodView):
    @requires()
    @blp.arguments(RecordProfileSchema)
    @blp.response(201, NeedsAssessmentSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self, body: dict[str, Any], engagement_id: str) -> Any:
        """Record a profiling instrument's results (the new profile comes last)."""
        command = RecordProfile(
            instrument=body["instrument"],
            scales=tuple(ScaleScore(**scale) for scale in body["scales"]),
            administered_on=body["administered_on"],
            administered_by=body["administered_by"],
            strengths=tuple(body["strengths"]),
            development_needs=tuple(body["development_needs"]),
        )
        assessment, _ = service.record_profile(
            resources().event_store,
            current_principal(),
            engagement_id,
            command,
            event_context(),
            if_match(),
        )
        return written(assessment)


@blp.route("/<string:engagement_id>/barriers")
class Barriers(MethodView):
    @requires()
    @blp.arguments(IdentifyBarrierSchema)
    @blp.response(201, NeedsAssessmentSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self, body: dict[str, Any], engagement_id: str) -> Any:
        """Identify a barrier to success (the new barrier comes last, open)."""
        assessment, _ = service.identify_barrier(
            resources().event_store,
            current_principal(),
            engagement_id,
            IdentifyBarrier(**body),
            event_context(),
            if_match(),
        )
        return written(assessment)


@blp.route("/<string:engagement_id>/barriers/<string:barrier_id>/resolution")
class BarrierResolution(MethodView):
    @requires()
    @blp.arguments(ResolveBarrierSchema)
    @blp.response(200, NeedsAssessmentSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self, body: dict[str, Any], engagement_id: str, barrier_id: str) -> Any:
        """Resolve an open barrier with a note (404 unknown, 409 already resolved)."""
        assessment = service.resolve_barrier(
            resources().event_store,
            current_principal(),
            engagement_id,
            barrier_id,
            body["note"],
            event_context(),
            if_match(),
        )
        return written(assessment)


@blp.route("/<string:engagement_id>/development-areas")
class DevelopmentAreas(MethodView):
    @requires()
    @blp.arguments(SelectDevelopmentAreasSchema)
    @blp.response(200, NeedsAssessmentSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def put(self, body: dict[str, Any], engagement_id: str) -> Any:
        """Select 1 to 9 development areas, replacing the current selection."""
        areas = [
            DevelopmentArea(
                capability=area["capability"],
                rationale=area["rationale"],
                linked_to=tuple(Reference(**ref) for ref in area["linked_to"]),
            )
            for area in body["areas"]
        ]
        assessment = service.select_development_areas(
            resources().event_store,
            current_principal(),
            engagement_id,
            areas,
            event_context(),
            if_match(),
        )
        return written(assessment)


@blp.route("/<string:engagement_id>/needs-assessment")
class NeedsAssessmentResource(MethodView):
    @requires()
    @blp.response(200, NeedsAssessmentSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, engagement_id: str) -> Any:
        """The needs assessment: profiles, barriers with their status, development areas."""
        caller = current_principal()
        engagement, assessment = service.read(resources().event_store, caller, engagement_id)
        view = needs_assessment_view(
            assessment, with_profiles=service.sees_profiles(caller, engagement)
        )
        return view, state_headers(assessment)
