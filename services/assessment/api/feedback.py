"""The rater's side: no account, only the invitation token (in the X-Invitation-Token header,
so it stays out of URLs and access logs)."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import Unauthorized

from services.assessment import rounds_service as service
from services.assessment.api.round_schemas import RaterViewSchema, SubmitFeedbackSchema
from services.assessment.application import engagements
from services.assessment.domain.engagement import Engagement
from shared.web.app_factory import resources

blp = Blueprint("feedback", __name__, url_prefix="/feedback", description="Rater feedback")
HEADER = "X-Invitation-Token"
SECURITY: list[dict[str, list[str]]] = [{"invitationToken": []}]
SECURITY_SCHEME = {"type": "apiKey", "in": "header", "name": HEADER}


@blp.before_request
def _require_token() -> None:
    """Refuse a request without a plausible token before reading its body."""
    token = request.headers.get(HEADER, "").strip()
    if not token or len(token) > 200:
        raise Unauthorized(f"Send your invitation token in the {HEADER} header.")
    g.invitation_token = token


def _token() -> str:
    return str(g.invitation_token)


@blp.route("")
class Feedback(MethodView):
    @blp.response(200, RaterViewSchema)
    @blp.doc(security=SECURITY)
    def get(self) -> Any:
        """What the rater is asked: competencies, scale, closing date, and whether it is done."""
        store = resources().event_store
        round_, invitation = service.rater_round(store, _token())
        engagement = engagements(store).get(
            round_.tenant, Engagement.stream_for(round_.engagement_id)
        )
        return {
            "round_id": round_.round_id,
            "purpose": round_.purpose.value,
            "executive": engagement.executive.name,
            "competencies": round_.competencies,
            "scale": round_.scale,
            "closes_on": round_.closes_on.isoformat(),
            "status": invitation.status,
        }

    @blp.arguments(SubmitFeedbackSchema)
    @blp.response(201, RaterViewSchema)
    @blp.doc(security=SECURITY)
    def post(self, body: dict[str, Any]) -> Any:
        """Submit ratings (every competency, on the scale) and optional comments, once."""
        service.submit_feedback(
            resources().event_store, _token(), body["ratings"], body["comments"],
            body["overall_comment"], g.correlation_id,
        )  # fmt: skip
        return {"status": "submitted"}
