"""Results-management reviews: held on a date with attendees, with the KPIs' measurements."""

from __future__ import annotations

import secrets
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.kpi import access
from services.kpi.api.kpi_schemas import RecordReviewSchema, ReviewListSchema, ReviewSchema
from services.kpi.api.kpis import change, read_plan
from services.kpi.domain.kpi_events import MeasurementSource, Person
from services.kpi.domain.kpi_plan import KpiPlan
from services.kpi.domain.status import StatusThresholds
from shared.clock import today
from shared.web.app_factory import resources
from shared.web.auth import BEARER, requires
from shared.web.commands import etag

blp = Blueprint("reviews", __name__, url_prefix="/engagements", description="Monthly reviews")
MANUAL = MeasurementSource("manual")


def thresholds() -> StatusThresholds:
    """The status thresholds this service is configured with."""
    config = resources().config
    return StatusThresholds(config.on_track_below, config.at_risk_up_to)


def review_view(plan: KpiPlan, review_id: str) -> dict[str, Any]:
    """A review with the measurements recorded at it."""
    review = plan.reviews[review_id]
    measured = [m for k in plan.kpis.values() for m in k.measurements if m.review_id == review_id]
    return {
        "review_id": review_id,
        "held_on": review.held_on,
        "attendees": review.attendees,
        "measurements": measured,
        "version": plan.version,
    }


@blp.route("/<string:engagement_id>/reviews")
class Reviews(MethodView):
    @requires()
    @blp.arguments(RecordReviewSchema)
    @blp.response(201, ReviewSchema)
    @blp.doc(security=BEARER)
    def post(self, body: dict[str, Any], engagement_id: str) -> Any:
        """Record a review (possibly late) and its measurements, all or nothing."""
        review_id = secrets.token_hex(8)
        attendees = tuple(Person(**a) for a in body["attendees"])
        graded = thresholds()

        def act(plan: KpiPlan) -> None:
            now = today()
            plan.hold_review(review_id, body["held_on"], attendees, now)
            for n, m in enumerate(body["measurements"]):
                plan.measure(
                    m["kpi_id"], f"{review_id}-{n}", m["value"], m["measured_on"], m["evidence"],
                    review_id, MANUAL, now, graded,
                )  # fmt: skip

        plan = change(engagement_id, access.ALIGN, act)
        return review_view(plan, review_id), etag(plan.version)

    @requires()
    @blp.response(200, ReviewListSchema)
    @blp.doc(security=BEARER)
    def get(self, engagement_id: str) -> Any:
        """Every review of the engagement, oldest first, with its measurements."""
        plan, _withheld = read_plan(engagement_id)  # a review's measurements are manual
        return {"reviews": [review_view(plan, r) for r in plan.reviews]}
