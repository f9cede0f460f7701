"""GET /engagements/{id}/feedback: 360 rounds, deltas between rounds, gaps, behaviour shift
(queries/feedback.py answers it)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.reporting.api import schemas
from services.reporting.queries import ReadModelsSource
from services.reporting.queries.feedback import engagement_feedback
from shared.web.auth import BEARER, current_principal, requires


def feedback_blueprint(read_models: ReadModelsSource) -> Blueprint:
    """GET /engagements/{id}/feedback."""
    blp = Blueprint("report_feedback", __name__, description="360 feedback over time")

    @blp.route("/engagements/<string:engagement_id>/feedback")
    class Feedback(MethodView):
        @requires()
        @blp.response(200, schemas.Feedback)
        @blp.doc(security=BEARER)
        def get(self, engagement_id: str) -> Any:
            """Every round's published aggregates; the manager sees only rounds shared with
            them."""
            return engagement_feedback(read_models(), current_principal(), engagement_id)

    return blp
