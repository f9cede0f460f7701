"""KPI routes: propose, align (approve or send back), change, retire, re-weight, read.

Each view parses its input into a command (services/kpi/commands.py), hands it to the
handlers it was built with and serialises the answer; access and the choice of use case
are the handlers' (services/kpi/handlers/kpis.py)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.kpi.api.kpi_schemas import (
    ApproveSchema,
    ChangeKpiSchema,
    KpiListSchema,
    KpiSchema,
    ProposeKpiSchema,
    RetireSchema,
    ReweightSchema,
    SendBackSchema,
)
from services.kpi.commands import (
    ApproveKpi,
    ChangeKpi,
    ProposeKpi,
    RetireKpi,
    ReweightKpis,
    SendBackKpi,
)
from services.kpi.domain.kpi_events import KpiDefinition
from services.kpi.handlers import KpiHandlers
from shared.web.auth import BEARER, requires
from shared.web.commands import answer, caller, if_match


def review_of(body: dict[str, Any]) -> str | None:
    """The review a change belongs to (None when explicitly outside one)."""
    return body.get("review_id") or None


def plain(changes: dict[str, Any]) -> dict[str, Any]:
    """Changed fields as the definition holds them (a date as YYYY-MM-DD)."""
    return {k: v.isoformat() if k == "due_on" else v for k, v in changes.items()}


def kpis_blueprint(handlers: KpiHandlers) -> Blueprint:
    """The KPI routes, calling these handlers."""
    blp = Blueprint("kpis", __name__, url_prefix="/engagements", description="KPIs")

    @blp.route("/<string:engagement_id>/kpis")
    class Kpis(MethodView):
        @requires()
        @blp.response(200, KpiListSchema)
        @blp.doc(security=BEARER)
        def get(self, engagement_id: str) -> Any:
            """Every KPI of the engagement as it stands now."""
            return answer(handlers.read_plan(engagement_id, caller()))

        @requires()
        @blp.arguments(ProposeKpiSchema)
        @blp.response(201, KpiSchema)
        @blp.doc(security=BEARER)
        def post(self, body: dict[str, Any], engagement_id: str) -> Any:
            """Propose a KPI for alignment (the coach, or the manager adding one)."""
            definition = KpiDefinition(**(body | {"due_on": body["due_on"].isoformat()}))
            command = ProposeKpi(
                engagement_id=engagement_id, definition=definition, if_match=if_match()
            )
            return answer(handlers.handle(command, caller()))

    @blp.route("/<string:engagement_id>/kpis/weights")
    class Weights(MethodView):
        @requires()
        @blp.arguments(ReweightSchema)
        @blp.response(200, KpiListSchema)
        @blp.doc(security=BEARER)
        def put(self, body: dict[str, Any], engagement_id: str) -> Any:
            """Re-weight aligned KPIs together (they must sum to 100): the manager, with a reason."""  # noqa: E501
            command = ReweightKpis(
                engagement_id=engagement_id, weights=body["weights"], reason=body["reason"],
                review_id=review_of(body), if_match=if_match(),
            )  # fmt: skip
            return answer(handlers.handle(command, caller()))

    @blp.route("/<string:engagement_id>/kpis/<string:kpi_id>")
    class KpiResource(MethodView):
        @requires()
        @blp.response(200, KpiSchema)
        @blp.doc(security=BEARER)
        def get(self, engagement_id: str, kpi_id: str) -> Any:
            """One KPI as it stands now, with its measurements."""
            return answer(handlers.read_kpi(engagement_id, kpi_id, caller()))

        @requires()
        @blp.arguments(ChangeKpiSchema)
        @blp.response(200, KpiSchema)
        @blp.doc(security=BEARER)
        def patch(self, body: dict[str, Any], engagement_id: str, kpi_id: str) -> Any:
            """Revise a sent-back KPI and propose it again, or change an aligned one (the
            manager, with a reason, at a review or explicitly outside one)."""
            command = ChangeKpi(
                engagement_id=engagement_id, kpi_id=kpi_id, changes=plain(body["changes"]),
                reason=body.get("reason", ""), review_id=review_of(body),
                outside_review=body["outside_review"], if_match=if_match(),
            )  # fmt: skip
            return answer(handlers.handle(command, caller()))

    _alignment_routes(blp, handlers)
    return blp


def _alignment_routes(blp: Blueprint, handlers: KpiHandlers) -> None:
    """The routes of one KPI's alignment: approval, send-back, retirement."""

    @blp.route("/<string:engagement_id>/kpis/<string:kpi_id>/approval")
    class Approval(MethodView):
        @requires()
        @blp.arguments(ApproveSchema)
        @blp.response(200, KpiSchema)
        @blp.doc(security=BEARER)
        def post(self, body: dict[str, Any], engagement_id: str, kpi_id: str) -> Any:
            """The manager aligns a proposed KPI: its baseline and date are fixed."""
            command = ApproveKpi(
                engagement_id=engagement_id, kpi_id=kpi_id, aligned_on=body.get("aligned_on"),
                weights=body["weights"], if_match=if_match(),
            )  # fmt: skip
            return answer(handlers.handle(command, caller()))

    @blp.route("/<string:engagement_id>/kpis/<string:kpi_id>/send-back")
    class SendBack(MethodView):
        @requires()
        @blp.arguments(SendBackSchema)
        @blp.response(200, KpiSchema)
        @blp.doc(security=BEARER)
        def post(self, body: dict[str, Any], engagement_id: str, kpi_id: str) -> Any:
            """The manager sends a proposed KPI back with a comment."""
            command = SendBackKpi(
                engagement_id=engagement_id, kpi_id=kpi_id, comment=body["comment"],
                if_match=if_match(),
            )  # fmt: skip
            return answer(handlers.handle(command, caller()))

    @blp.route("/<string:engagement_id>/kpis/<string:kpi_id>/retirement")
    class Retirement(MethodView):
        @requires()
        @blp.arguments(RetireSchema)
        @blp.response(200, KpiSchema)
        @blp.doc(security=BEARER)
        def post(self, body: dict[str, Any], engagement_id: str, kpi_id: str) -> Any:
            """Retire a KPI, re-weighting the rest: the manager, with a reason."""
            command = RetireKpi(
                engagement_id=engagement_id, kpi_id=kpi_id, reason=body["reason"],
                review_id=review_of(body), weights=body["weights"], if_match=if_match(),
            )  # fmt: skip
            return answer(handlers.handle(command, caller()))
