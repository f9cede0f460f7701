"""An engagement at a glance (GET /engagements/{id}/summary) and the organisation's overview
(GET /overview) for admin, HR and auditors (queries/summary.py and queries/overview.py answer
them). The dashboards render the same figures."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.reporting.api import schemas
from services.reporting.queries import ReadModelsSource
from services.reporting.queries.overview import overview
from services.reporting.queries.summary import summary
from shared.auth.access import TENANT_READERS
from shared.web.auth import BEARER, current_principal, requires


def summary_blueprint(read_models: ReadModelsSource) -> Blueprint:
    """GET /engagements/{id}/summary and GET /overview."""
    blp = Blueprint(
        "report_summary", __name__, description="Engagement summary, organisation overview"
    )

    @blp.route("/engagements/<string:engagement_id>/summary")
    class EngagementSummary(MethodView):
        @requires()
        @blp.response(200, schemas.Summary)
        @blp.doc(security=BEARER)
        def get(self, engagement_id: str) -> Any:
            """Header, phase, KPI counts and latest status, reviews on time, 360 rounds
            closed, development areas with their shift."""
            return summary(read_models(), current_principal(), engagement_id)

    @blp.route("/overview")
    class Overview(MethodView):
        @requires(*TENANT_READERS)
        @blp.response(200, schemas.Overview)
        @blp.doc(security=BEARER)
        def get(self) -> Any:
            """The organisation's engagements by phase, KPIs by status and reviews on time or
            late (admin, HR and auditors of the tenant)."""
            return overview(read_models(), current_principal())

    return blp
