"""Coaching and leadership development session routes, and the executive's commitments.

The engagement's coach records sessions while the engagement is open, honouring If-Match
against the coaching log's version (the ETag of every response). Who reads a session's
private notes is the handlers' decision (services/kpi/handlers/sessions.py).
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from services.kpi.api.session_schemas import (
    RecordSessionSchema,
    SessionListSchema,
    SessionSchema,
)
from services.kpi.commands import RecordSession
from services.kpi.domain.coaching_log import Commitment, FollowUp, NewSession
from services.kpi.handlers import KpiHandlers
from shared.web.auth import BEARER, requires
from shared.web.commands import answer, caller, if_match


def record_session(engagement_id: str, body: dict[str, Any]) -> RecordSession:
    """The RecordSession command of a request's body (commitment ids are generated later)."""
    session = NewSession(
        held_on=body["held_on"],
        duration_minutes=body["duration_minutes"],
        kind=body["kind"],
        capabilities=tuple(body["capabilities"]),
        commitments=tuple(
            Commitment("", c["text"], c["due_on"].isoformat()) for c in body["commitments"]
        ),
        follow_ups=tuple(
            FollowUp(f["commitment_id"], f["outcome"], f.get("note")) for f in body["follow_ups"]
        ),
        private_notes=body["private_notes"],
    )
    return RecordSession(engagement_id=engagement_id, session=session, if_match=if_match())


def sessions_blueprint(handlers: KpiHandlers) -> Blueprint:
    """The session routes, calling these handlers."""
    blp = Blueprint(
        "sessions",
        __name__,
        url_prefix="/engagements",
        description="Coaching and leadership development sessions, and the executive's commitments",
    )

    @blp.route("/<string:engagement_id>/sessions")
    class Sessions(MethodView):
        @requires()
        @blp.arguments(RecordSessionSchema)
        @blp.response(201, SessionSchema)
        @blp.doc(security=BEARER)
        def post(self, body: dict[str, Any], engagement_id: str) -> Any:
            """Record a session (possibly late) with new commitments and follow-ups of earlier ones."""  # noqa: E501
            result = handlers.handle(record_session(engagement_id, body), caller())
            location = url_for(
                "sessions.Session", engagement_id=engagement_id, session_id=result.created_id
            )
            return answer(result, location)

        @requires()
        @blp.response(200, SessionListSchema)
        @blp.doc(security=BEARER)
        def get(self, engagement_id: str) -> Any:
            """Every session of the engagement, and every commitment with its status."""
            return answer(handlers.read_sessions(engagement_id, caller()))

    @blp.route("/<string:engagement_id>/sessions/<string:session_id>")
    class Session(MethodView):
        @requires()
        @blp.response(200, SessionSchema)
        @blp.doc(security=BEARER)
        def get(self, engagement_id: str, session_id: str) -> Any:
            """One session (404 when the engagement has no such session)."""
            return answer(handlers.read_session(engagement_id, session_id, caller()))

    return blp
