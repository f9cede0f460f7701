"""Results-management review routes: record one (held on a date, with attendees and the
KPIs' measurements) and list them (services/kpi/handlers/reviews.py)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.kpi.api.kpi_schemas import RecordReviewSchema, ReviewListSchema, ReviewSchema
from services.kpi.commands import RecordReview, ReviewMeasurement
from services.kpi.domain.kpi_events import Person
from services.kpi.handlers import KpiHandlers
from shared.web.auth import BEARER, requires
from shared.web.commands import answer, caller, if_match


def record_review(engagement_id: str, body: dict[str, Any]) -> RecordReview:
    """The RecordReview command of a request's body."""
    return RecordReview(
        engagement_id=engagement_id,
        held_on=body["held_on"],
        attendees=tuple(Person(**a) for a in body["attendees"]),
        measurements=tuple(
            ReviewMeasurement(m["kpi_id"], m["value"], m["measured_on"], m["evidence"])
            for m in body["measurements"]
        ),
        if_match=if_match(),
    )


def reviews_blueprint(handlers: KpiHandlers) -> Blueprint:
    """The review routes, calling these handlers."""
    blp = Blueprint("reviews", __name__, url_prefix="/engagements", description="Monthly reviews")

    @blp.route("/<string:engagement_id>/reviews")
    class Reviews(MethodView):
        @requires()
        @blp.arguments(RecordReviewSchema)
        @blp.response(201, ReviewSchema)
        @blp.doc(security=BEARER)
        def post(self, body: dict[str, Any], engagement_id: str) -> Any:
            """Record a review (possibly late) and its measurements, all or nothing."""
            return answer(handlers.handle(record_review(engagement_id, body), caller()))

        @requires()
        @blp.response(200, ReviewListSchema)
        @blp.doc(security=BEARER)
        def get(self, engagement_id: str) -> Any:
            """Every review of the engagement, oldest first, with its measurements."""
            return handlers.read_reviews(engagement_id, caller()).body

    return blp
