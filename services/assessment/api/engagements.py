"""Engagement resources: open one, read its current state."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from services.assessment import access, application
from services.assessment.api.schemas import (
    AddStakeholderSchema,
    AssignPersonSchema,
    CancelSchema,
    EngagementSchema,
    OpenEngagementSchema,
    PhaseChangeSchema,
)
from services.assessment.domain.engagement import (
    Engagement,
    OpenEngagement,
    Person,
    Phase,
    Stakeholder,
)
from shared.web.app_factory import resources
from shared.web.auth import current_principal, requires
from shared.web.commands import etag, event_context, if_match

blp = Blueprint("engagements", __name__, url_prefix="/engagements", description="Engagements")


def change(engagement_id: str, act: Callable[[Engagement], None], reason: str = "") -> Any:
    """Apply a change as the caller, honouring If-Match; the new state and its headers."""
    engagement = application.change_engagement(
        resources().event_store,
        current_principal(),
        engagement_id,
        act,
        event_context(reason),
        if_match(),
    )
    return engagement_view(engagement), state_headers(engagement)


def engagement_view(engagement: Engagement) -> dict[str, Any]:
    """The public shape of an engagement's current state (contacts for its administrators)."""
    contacts = access.may(access.ADMINISTER, current_principal(), engagement)
    return {
        "id": engagement.engagement_id,
        "organisation": engagement.organisation,
        "executive": engagement.executive,
        "coach": engagement.coach,
        "manager": engagement.manager,
        "programme": engagement.programme,
        "start_date": engagement.start_date,
        "phase": engagement.phase.value,
        "version": engagement.version,
        "stakeholders": [_stakeholder_view(s, contacts) for s in engagement.stakeholders.values()],
    }


def _stakeholder_view(stakeholder: Stakeholder, with_contact: bool) -> dict[str, str]:
    view = {
        "id": stakeholder.id,
        "name": stakeholder.name,
        "relationship": stakeholder.relationship,
    }
    if with_contact:
        view["contact"] = stakeholder.contact
    return view


def state_headers(engagement: Engagement) -> dict[str, str]:
    """ETag (the stream version) and Location of an engagement."""
    return etag(engagement.version) | {
        "Location": url_for(
            "engagements.EngagementResource", engagement_id=engagement.engagement_id
        ),
    }


@blp.route("")
class Engagements(MethodView):
    @requires(*access.OPENERS)
    @blp.arguments(OpenEngagementSchema)
    @blp.response(201, EngagementSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self, body: dict[str, Any]) -> Any:
        """Open an engagement for an executive in the caller's organisation."""
        caller = current_principal()
        coach = body.get("coach") or {"id": caller.subject, "name": caller.name or caller.subject}
        command = OpenEngagement(
            engagement_id=str(uuid.uuid4()),
            organisation=caller.tenant,
            executive=Person(**body["executive"]),
            coach=Person(**coach),
            manager=Person(**body["manager"]),
            programme=body["programme"],
            start_date=body["start_date"],
        )
        engagement = application.open_engagement(
            resources().event_store, caller, command, event_context()
        )
        return engagement_view(engagement), state_headers(engagement)


@blp.route("/<string:engagement_id>")
class EngagementResource(MethodView):
    @requires()
    @blp.response(200, EngagementSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, engagement_id: str) -> Any:
        """The engagement's current state, rebuilt from its stream."""
        engagement = application.engagement_for(
            resources().event_store, current_principal(), engagement_id
        )
        return engagement_view(engagement), state_headers(engagement)


@blp.route("/<string:engagement_id>/stakeholders")
class Stakeholders(MethodView):
    @requires()
    @blp.arguments(AddStakeholderSchema)
    @blp.response(201, EngagementSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self, body: dict[str, Any], engagement_id: str) -> Any:
        """Add a stakeholder (name, contact, relationship); the contact is never published."""
        stakeholder = Stakeholder(id=str(uuid.uuid4()), **body)
        return change(engagement_id, lambda e: e.add_stakeholder(stakeholder))


@blp.route("/<string:engagement_id>/stakeholders/<string:stakeholder_id>")
class StakeholderResource(MethodView):
    @requires()
    @blp.response(200, EngagementSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def delete(self, engagement_id: str, stakeholder_id: str) -> Any:
        """Remove a stakeholder from the engagement."""
        return change(engagement_id, lambda e: e.remove_stakeholder(stakeholder_id))


@blp.route("/<string:engagement_id>/coach")
class Coach(MethodView):
    @requires()
    @blp.arguments(AssignPersonSchema)
    @blp.response(200, EngagementSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def put(self, body: dict[str, Any], engagement_id: str) -> Any:
        """Hand the engagement to another coach (reason required)."""
        coach = Person(body["id"], body["name"])
        return change(
            engagement_id, lambda e: e.assign_coach(coach, body["reason"]), body["reason"]
        )


@blp.route("/<string:engagement_id>/manager")
class Manager(MethodView):
    @requires()
    @blp.arguments(AssignPersonSchema)
    @blp.response(200, EngagementSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def put(self, body: dict[str, Any], engagement_id: str) -> Any:
        """Record that the executive's manager changed (reason required)."""
        manager = Person(body["id"], body["name"])
        return change(
            engagement_id, lambda e: e.assign_manager(manager, body["reason"]), body["reason"]
        )


@blp.route("/<string:engagement_id>/phase")
class PhaseChange(MethodView):
    @requires()
    @blp.arguments(PhaseChangeSchema)
    @blp.response(200, EngagementSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self, body: dict[str, Any], engagement_id: str) -> Any:
        """Move the engagement to its next phase (409 for any other move)."""
        phase = Phase(body["phase"])
        return change(engagement_id, lambda e: e.advance_to(phase), body.get("reason", ""))


@blp.route("/<string:engagement_id>/cancellation")
class Cancellation(MethodView):
    @requires()
    @blp.arguments(CancelSchema)
    @blp.response(200, EngagementSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self, body: dict[str, Any], engagement_id: str) -> Any:
        """Cancel an open engagement (reason required)."""
        return change(engagement_id, lambda e: e.cancel(body["reason"]), body["reason"])
