"""Engagement routes: open one, read its current state, change its people and phase.

Each view parses its input into a command (services/assessment/commands.py), hands it to the
handlers it was built with and serialises the answer with its ETag and Location; access and
what the caller sees are the handlers' (services/assessment/handlers/engagements.py)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from services.assessment.access import OPENERS  # the token roles `requires` lets open
from services.assessment.api.schemas import (
    AddStakeholderSchema,
    AssignPersonSchema,
    CancelSchema,
    EngagementSchema,
    OpenEngagementSchema,
    PhaseChangeSchema,
)
from services.assessment.commands import (
    AddStakeholder,
    AdvancePhase,
    AssignCoach,
    AssignManager,
    CancelEngagement,
    OpenEngagement,
    RemoveStakeholder,
)
from services.assessment.domain.engagement import Person, Phase
from services.assessment.handlers import AssessmentHandlers
from services.assessment.handlers.base import Result
from shared.web.auth import requires
from shared.web.commands import answer, caller, if_match


def answered(result: Result) -> Any:
    """An engagement as a response body, with its ETag and Location."""
    location = url_for("engagements.EngagementResource", engagement_id=result.body["id"])
    return answer(result, location)


def engagements_blueprint(handlers: AssessmentHandlers) -> Blueprint:
    """The engagement routes, calling these handlers."""
    blp = Blueprint("engagements", __name__, url_prefix="/engagements", description="Engagements")

    def person(body: dict[str, Any]) -> Person:
        return Person(body["id"], body["name"])

    @blp.route("")
    class Engagements(MethodView):
        @requires(*OPENERS)
        @blp.arguments(OpenEngagementSchema)
        @blp.response(201, EngagementSchema)
        @blp.doc(security=[{"bearerAuth": []}])
        def post(self, body: dict[str, Any]) -> Any:
            """Open an engagement for an executive in the caller's organisation."""
            coach = body.get("coach")
            command = OpenEngagement(
                executive=Person(**body["executive"]), manager=Person(**body["manager"]),
                coach=Person(**coach) if coach else None, programme=body["programme"],
                start_date=body["start_date"],
            )  # fmt: skip
            return answered(handlers.handle(command, caller()))

    @blp.route("/<string:engagement_id>")
    class EngagementResource(MethodView):
        @requires()
        @blp.response(200, EngagementSchema)
        @blp.doc(security=[{"bearerAuth": []}])
        def get(self, engagement_id: str) -> Any:
            """The engagement's current state, rebuilt from its stream."""
            return answered(handlers.read_engagement(engagement_id, caller()))

    @blp.route("/<string:engagement_id>/stakeholders")
    class Stakeholders(MethodView):
        @requires()
        @blp.arguments(AddStakeholderSchema)
        @blp.response(201, EngagementSchema)
        @blp.doc(security=[{"bearerAuth": []}])
        def post(self, body: dict[str, Any], engagement_id: str) -> Any:
            """Add a stakeholder (name, contact, relationship); the contact is never published."""
            command = AddStakeholder(engagement_id=engagement_id, if_match=if_match(), **body)
            return answered(handlers.handle(command, caller()))

    @blp.route("/<string:engagement_id>/stakeholders/<string:stakeholder_id>")
    class StakeholderResource(MethodView):
        @requires()
        @blp.response(200, EngagementSchema)
        @blp.doc(security=[{"bearerAuth": []}])
        def delete(self, engagement_id: str, stakeholder_id: str) -> Any:
            """Remove a stakeholder from the engagement."""
            command = RemoveStakeholder(
                engagement_id=engagement_id, stakeholder_id=stakeholder_id, if_match=if_match()
            )
            return answered(handlers.handle(command, caller()))

    @blp.route("/<string:engagement_id>/coach")
    class Coach(MethodView):
        @requires()
        @blp.arguments(AssignPersonSchema)
        @blp.response(200, EngagementSchema)
        @blp.doc(security=[{"bearerAuth": []}])
        def put(self, body: dict[str, Any], engagement_id: str) -> Any:
            """Hand the engagement to another coach (reason required)."""
            command = AssignCoach(
                engagement_id=engagement_id, coach=person(body), reason=body["reason"],
                if_match=if_match(),
            )  # fmt: skip
            return answered(handlers.handle(command, caller()))

    @blp.route("/<string:engagement_id>/manager")
    class Manager(MethodView):
        @requires()
        @blp.arguments(AssignPersonSchema)
        @blp.response(200, EngagementSchema)
        @blp.doc(security=[{"bearerAuth": []}])
        def put(self, body: dict[str, Any], engagement_id: str) -> Any:
            """Record that the executive's manager changed (reason required)."""
            command = AssignManager(
                engagement_id=engagement_id, manager=person(body), reason=body["reason"],
                if_match=if_match(),
            )  # fmt: skip
            return answered(handlers.handle(command, caller()))

    @blp.route("/<string:engagement_id>/phase")
    class PhaseChange(MethodView):
        @requires()
        @blp.arguments(PhaseChangeSchema)
        @blp.response(200, EngagementSchema)
        @blp.doc(security=[{"bearerAuth": []}])
        def post(self, body: dict[str, Any], engagement_id: str) -> Any:
            """Move the engagement to its next phase (409 for any other move)."""
            command = AdvancePhase(
                engagement_id=engagement_id, phase=Phase(body["phase"]),
                reason=body.get("reason", ""), if_match=if_match(),
            )  # fmt: skip
            return answered(handlers.handle(command, caller()))

    @blp.route("/<string:engagement_id>/cancellation")
    class Cancellation(MethodView):
        @requires()
        @blp.arguments(CancelSchema)
        @blp.response(200, EngagementSchema)
        @blp.doc(security=[{"bearerAuth": []}])
        def post(self, body: dict[str, Any], engagement_id: str) -> Any:
            """Cancel an open engagement (reason required)."""
            command = CancelEngagement(
                engagement_id=engagement_id, reason=body["reason"], if_match=if_match()
            )
            return answered(handlers.handle(command, caller()))

    return blp
