"""GET /engagements/{id}/feedback: 360 rounds, deltas between rounds, gaps, behaviour shift."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.reporting.api.access import models, results_visible, visible_engagement
from services.reporting.domain.feedback_views import behaviour_shift, competency_trends
from shared.web.auth import BEARER, current_principal, requires

blp = Blueprint("report_feedback", __name__, description="360 feedback over time")


@blp.route("/engagements/<string:engagement_id>/feedback")
class Feedback(MethodView):
    @requires()
    @blp.doc(security=BEARER)
    def get(self, engagement_id: str) -> Any:
        """Every round's published aggregates; the manager sees only rounds shared with them."""
        read = models()
        engagement = visible_engagement(engagement_id, read)
        rounds = list(read["feedback_rounds"].find(
            {"tenant": current_principal().tenant, "engagement_id": engagement_id}
        ).sort("opened_at", 1))  # fmt: skip
        rounds = [r for r in rounds if results_visible(engagement, r)]
        areas = (read["development_areas"].find_one({"_id": engagement_id}) or {}).get("areas", [])
        trends = competency_trends(rounds)
        return {
            "engagement_id": engagement_id,
            "rounds": [{"round_id": r["_id"],
                        **{k: v for k, v in r.items() if k not in ("_id", "tenant")}}
                       for r in rounds],
            "competencies": trends,
            "development_areas": behaviour_shift(areas, trends, rounds),
        }  # fmt: skip
