"""KPI routes: current state, as of any instant as known at any instant, history, and the
manager's view of every report's KPIs (queries/kpis.py answers them)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from services.reporting.api import schemas
from services.reporting.queries import ReadModelsSource
from services.reporting.queries.kpis import current_kpis, kpi_history, kpis_as_of, manager_kpis
from shared.web.auth import BEARER, current_principal, requires
from shared.web.fields import StrictSchema
from shared.web.instants import Instant, now


class AsOfArgs(StrictSchema):
    as_of = Instant(metadata={"description": "The instant in effective time (default: now)."})
    known_at = Instant(metadata={"description": "What was known at this instant (default: now)."})


def kpis_blueprint(read_models: ReadModelsSource) -> Blueprint:
    """GET /engagements/{id}/kpis, .../kpis/{kpi_id}/history and /managers/me/kpis."""
    blp = Blueprint("report_kpis", __name__, description="KPI state, as-of and history")

    @blp.route("/engagements/<string:engagement_id>/kpis")
    class EngagementKpis(MethodView):
        @requires()
        @blp.arguments(AsOfArgs, location="query", unknown=RAISE)
        @blp.response(200, schemas.EngagementKpis)
        @blp.doc(security=BEARER)
        def get(self, args: dict[str, Any], engagement_id: str) -> Any:
            """The engagement's KPIs now, or as of an instant as known at an instant."""
            caller = current_principal()
            if not args:
                return current_kpis(read_models(), caller, engagement_id)
            instant, known_at = args.get("as_of") or now(), args.get("known_at") or now()
            return kpis_as_of(read_models(), caller, engagement_id, instant, known_at)

    @blp.route("/engagements/<string:engagement_id>/kpis/<string:kpi_id>/history")
    class KpiHistory(MethodView):
        @requires()
        @blp.response(200, schemas.KpiHistory)
        @blp.doc(security=BEARER)
        def get(self, engagement_id: str, kpi_id: str) -> Any:
            """Every version of the KPI, with valid_from / valid_to (effective) and
            recorded_at."""
            return kpi_history(read_models(), current_principal(), engagement_id, kpi_id)

    @blp.route("/managers/me/kpis")
    class ManagerKpis(MethodView):
        @requires()
        @blp.response(200, schemas.ManagerKpis)
        @blp.doc(security=BEARER)
        def get(self) -> Any:
            """Every KPI of every engagement where the caller is the executive's manager."""
            return manager_kpis(read_models(), current_principal())

    return blp
