"""A round's closing and what it released: the aggregates (as published) and the comments
(served here only, never published)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.assessment import rounds_service as service
from services.assessment.api.round_schemas import CommentsSchema, ResultsSchema
from services.assessment.domain.feedback_round import FeedbackRound
from shared.web.app_factory import resources
from shared.web.auth import BEARER, current_principal, requires
from shared.web.commands import etag, event_context, if_match

blp = Blueprint("round_results", __name__, url_prefix="/engagements",
                description="360 rounds: closing, results, comments")  # fmt: skip
SECURITY = BEARER


@blp.route("/<string:engagement_id>/rounds/<string:round_id>/closure")
class Closure(MethodView):
    @requires()
    @blp.response(200, ResultsSchema)
    @blp.doc(security=SECURITY)
    def post(self, engagement_id: str, round_id: str) -> Any:
        """Close the round and compute its anonymity-safe results."""
        closed_by = "admin" if current_principal().has_any("admin") else "coach"
        round_ = service.close_round(
            resources().event_store, current_principal(), engagement_id, round_id, closed_by,
            event_context(), if_match(),
        )  # fmt: skip
        return results_view(round_), etag(round_.version)


@blp.route("/<string:engagement_id>/rounds/<string:round_id>/results")
class Results(MethodView):
    @requires()
    @blp.response(200, ResultsSchema)
    @blp.doc(security=SECURITY)
    def get(self, engagement_id: str, round_id: str) -> Any:
        """A closed round's results, for those it is shared with."""
        round_ = service.results_for(
            resources().event_store, current_principal(), engagement_id, round_id
        )
        return results_view(round_)


@blp.route("/<string:engagement_id>/rounds/<string:round_id>/comments")
class Comments(MethodView):
    @requires()
    @blp.response(200, CommentsSchema)
    @blp.doc(security=SECURITY)
    def get(self, engagement_id: str, round_id: str) -> Any:
        """A closed round's comments of the groups that met the threshold: unattributed,
        shuffled at closing; never published."""
        round_ = service.comments_for(
            resources().event_store, current_principal(), engagement_id, round_id
        )
        comments = [{"competency": c.competency, "text": c.text} for c in round_.comments]
        return {"round_id": round_.round_id, "purpose": round_.purpose.value, "comments": comments}


def results_view(round_: FeedbackRound) -> dict[str, Any]:
    """Exactly what the round published at closing: aggregates, no comments."""
    return {
        "round_id": round_.round_id,
        "purpose": round_.purpose.value,
        "responses": [{"group": g, "count": n} for g, n in round_.counts("submitted").items()],
        "results": round_.results,
    }
