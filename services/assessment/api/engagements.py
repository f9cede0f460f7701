"""Engagement resources: open one, read its current state."""

from __future__ import annotations

import uuid
from typing import Any

from flask import g, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from services.assessment import application
from services.assessment.api.schemas import EngagementSchema, OpenEngagementSchema
from services.assessment.domain.engagement import Engagement, OpenEngagement, Person
from shared.domain.errors import Forbidden
from shared.events.envelope import EventContext
from shared.web.app_factory import resources
from shared.web.auth import current_principal, requires

blp = Blueprint("engagements", __name__, url_prefix="/engagements", description="Engagements")


def event_context() -> EventContext:
    """Who acts in this request, and under which correlation id."""
    caller = current_principal()
    return EventContext(tenant=caller.tenant, actor=caller.subject, correlation_id=g.correlation_id)


def engagement_view(engagement: Engagement) -> dict[str, Any]:
    """The public shape of an engagement's current state."""
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
    }


def state_headers(engagement: Engagement) -> dict[str, str]:
    """ETag (the stream version) and Location of an engagement."""
    return {
        "ETag": f'"{engagement.version}"',
        "Location": url_for(
            "engagements.EngagementResource", engagement_id=engagement.engagement_id
        ),
    }


@blp.route("")
class Engagements(MethodView):
    @requires("coach", "admin")
    @blp.arguments(OpenEngagementSchema)
    @blp.response(201, EngagementSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self, body: dict[str, Any]) -> Any:
        """Open an engagement for an executive in the caller's organisation."""
        caller = current_principal()
        coach = body.get("coach") or {"id": caller.subject, "name": caller.name or caller.subject}
        if not caller.has_any("admin") and coach["id"] != caller.subject:
            raise Forbidden("a coach opens engagements for themselves")
        command = OpenEngagement(
            engagement_id=str(uuid.uuid4()),
            organisation=caller.tenant,
            executive=Person(**body["executive"]),
            coach=Person(**coach),
            manager=Person(**body["manager"]),
            programme=body["programme"],
            start_date=body["start_date"],
        )
        engagement = application.open_engagement(resources().event_store, command, event_context())
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
