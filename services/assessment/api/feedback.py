"""The rater's side: no account, only the invitation token (in the X-Invitation-Token header,
so it stays out of URLs and access logs). The views read the token and parse the answers into
a command; what the token opens is the handlers' (services/assessment/handlers/feedback.py)."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import Unauthorized

from services.assessment.api.round_schemas import RaterViewSchema, SubmitFeedbackSchema
from services.assessment.commands import SubmitFeedback
from services.assessment.handlers import AssessmentHandlers

HEADER = "X-Invitation-Token"
SECURITY: list[dict[str, list[str]]] = [{"invitationToken": []}]
SECURITY_SCHEME = {"type": "apiKey", "in": "header", "name": HEADER}


def require_token() -> None:
    """Refuse a request without a plausible token before reading its body (401)."""
    token = request.headers.get(HEADER, "").strip()
    if not token or len(token) > 200:
        raise Unauthorized(f"Send your invitation token in the {HEADER} header.")
    g.invitation_token = token


def token() -> str:
    """The request's invitation token (require_token ran before the view)."""
    return str(g.invitation_token)


def feedback_blueprint(handlers: AssessmentHandlers) -> Blueprint:
    """The rater's routes, calling these handlers."""
    blp = Blueprint("feedback", __name__, url_prefix="/feedback", description="Rater feedback")
    blp.before_request(require_token)

    @blp.route("")
    class Feedback(MethodView):
        @blp.response(200, RaterViewSchema)
        @blp.doc(security=SECURITY)
        def get(self) -> Any:
            """What the rater is asked: competencies, scale, closing date, and whether it is done."""  # noqa: E501
            return handlers.read_invitation(token()).body

        @blp.arguments(SubmitFeedbackSchema)
        @blp.response(201, RaterViewSchema)
        @blp.doc(security=SECURITY)
        def post(self, body: dict[str, Any]) -> Any:
            """Submit ratings (every competency, on the scale) and optional comments, once."""
            command = SubmitFeedback(
                token=token(), correlation_id=g.correlation_id, ratings=body["ratings"],
                comments=body["comments"], overall_comment=body["overall_comment"],
            )  # fmt: skip
            return handlers.handle(command, None).body

    return blp
