"""KPI resources: propose, align (approve or send back), change, retire, re-weight, read."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.kpi import access, application
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
from services.kpi.domain.kpi_events import KpiDefinition
from services.kpi.domain.kpi_plan import Kpi, KpiPlan, KpiState
from shared.auth.access import Rule
from shared.clock import today
from shared.domain.errors import NotFound
from shared.web.app_factory import resources
from shared.web.auth import BEARER, current_principal, requires
from shared.web.commands import etag, event_context, if_match

blp = Blueprint("kpis", __name__, url_prefix="/engagements", description="KPIs")


def kpi_view(kpi: Kpi, version: int, withhold_unshared: bool = False) -> dict[str, Any]:
    """A KPI's current definition, alignment, measurements and latest status (without those
    from rounds not shared with the manager, when they are withheld from the caller)."""
    measurements = [m for m in kpi.measurements
                    if not (withhold_unshared and m.source.withheld_from_manager())]  # fmt: skip
    latest = measurements[-1] if measurements else None
    return {
        "id": kpi.id,
        "state": kpi.state.value,
        **vars(kpi.definition),
        "baseline_on": kpi.baseline_on,
        "sent_back_comment": kpi.sent_back_comment,
        "status": latest.status if latest else None,
        "latest": latest,
        "measurements": measurements,
        "version": version,
    }


def plan_view(plan: KpiPlan, withhold_unshared: bool = False) -> dict[str, Any]:
    """Every KPI of the engagement, with the aligned weights' total."""
    aligned = [k for k in plan.live() if k.state is KpiState.ALIGNED]
    return {
        "engagement_id": plan.engagement_id,
        "version": plan.version,
        "weights_total": sum(k.definition.weight for k in aligned),
        "kpis": [kpi_view(k, plan.version, withhold_unshared) for k in plan.kpis.values()],
    }


def change(engagement_id: str, rule: Rule, act: Callable[[KpiPlan], None],
           reason: str = "") -> KpiPlan:  # fmt: skip
    """Apply a change to the engagement's KPI plan as the caller, if the rule allows it."""
    return application.change_plan(
        resources().event_store, resources().engagement_directory, current_principal(),
        engagement_id, rule, act, event_context(reason), if_match(),
    )  # fmt: skip


def read_plan(engagement_id: str) -> tuple[KpiPlan, bool]:
    """The engagement's KPI plan, for a caller allowed to read it, and whether measurements
    from rounds not shared with the manager are withheld from them."""
    return application.readable_plan(
        resources().event_store, resources().engagement_directory, current_principal(),
        engagement_id,
    )  # fmt: skip


def review_of(body: dict[str, Any]) -> str | None:
    """The review a change belongs to (None when explicitly outside one)."""
    return body.get("review_id") or None


def one_kpi(plan: KpiPlan, kpi_id: str, withhold_unshared: bool = False) -> Any:
    """The KPI's view and ETag."""
    if kpi_id not in plan.kpis:
        raise NotFound(f"KPI {kpi_id} not found")
    return kpi_view(plan.kpis[kpi_id], plan.version, withhold_unshared), etag(plan.version)


@blp.route("/<string:engagement_id>/kpis")
class Kpis(MethodView):
    @requires()
    @blp.response(200, KpiListSchema)
    @blp.doc(security=BEARER)
    def get(self, engagement_id: str) -> Any:
        """Every KPI of the engagement as it stands now."""
        plan, withheld = read_plan(engagement_id)
        return plan_view(plan, withheld), etag(plan.version)

    @requires()
    @blp.arguments(ProposeKpiSchema)
    @blp.response(201, KpiSchema)
    @blp.doc(security=BEARER)
    def post(self, body: dict[str, Any], engagement_id: str) -> Any:
        """Propose a KPI for alignment (the coach, or the manager adding one)."""
        kpi_id = secrets.token_hex(8)
        definition = KpiDefinition(**(body | {"due_on": body["due_on"].isoformat()}))
        plan = change(
            engagement_id, access.PROPOSE, lambda p: p.propose(kpi_id, definition, today())
        )
        return one_kpi(plan, kpi_id)


@blp.route("/<string:engagement_id>/kpis/weights")
class Weights(MethodView):
    @requires()
    @blp.arguments(ReweightSchema)
    @blp.response(200, KpiListSchema)
    @blp.doc(security=BEARER)
    def put(self, body: dict[str, Any], engagement_id: str) -> Any:
        """Re-weight aligned KPIs together (they must sum to 100): the manager, with a reason."""
        plan = change(
            engagement_id, access.ALIGN,
            lambda p: p.reweight(body["weights"], review_of(body), body["reason"]),
            body["reason"],
        )  # fmt: skip
        return plan_view(plan), etag(plan.version)


@blp.route("/<string:engagement_id>/kpis/<string:kpi_id>")
class KpiResource(MethodView):
    @requires()
    @blp.response(200, KpiSchema)
    @blp.doc(security=BEARER)
    def get(self, engagement_id: str, kpi_id: str) -> Any:
        """One KPI as it stands now, with its measurements."""
        plan, withheld = read_plan(engagement_id)
        return one_kpi(plan, kpi_id, withheld)

    @requires()
    @blp.arguments(ChangeKpiSchema)
    @blp.response(200, KpiSchema)
    @blp.doc(security=BEARER)
    def patch(self, body: dict[str, Any], engagement_id: str, kpi_id: str) -> Any:
        """Revise a sent-back KPI and propose it again, or change an aligned one (the
        manager, with a reason, at a review or explicitly outside one)."""
        reason = body.get("reason", "")
        command = application.ChangeKpi(
            kpi_id, _plain(body["changes"]), reason, review_of(body), body["outside_review"]
        )
        plan = application.change_kpi(
            resources().event_store, resources().engagement_directory, current_principal(),
            engagement_id, command, event_context(reason), if_match(),
        )  # fmt: skip
        return one_kpi(plan, kpi_id)


def _plain(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if k == "due_on" else v for k, v in changes.items()}


@blp.route("/<string:engagement_id>/kpis/<string:kpi_id>/approval")
class Approval(MethodView):
    @requires()
    @blp.arguments(ApproveSchema)
    @blp.response(200, KpiSchema)
    @blp.doc(security=BEARER)
    def post(self, body: dict[str, Any], engagement_id: str, kpi_id: str) -> Any:
        """The manager aligns a proposed KPI: its baseline and date are fixed."""
        plan = change(
            engagement_id,
            access.ALIGN,
            lambda p: p.approve(
                kpi_id, body.get("aligned_on") or today(), body["weights"], today()
            ),
        )
        return one_kpi(plan, kpi_id)


@blp.route("/<string:engagement_id>/kpis/<string:kpi_id>/send-back")
class SendBack(MethodView):
    @requires()
    @blp.arguments(SendBackSchema)
    @blp.response(200, KpiSchema)
    @blp.doc(security=BEARER)
    def post(self, body: dict[str, Any], engagement_id: str, kpi_id: str) -> Any:
        """The manager sends a proposed KPI back with a comment."""
        plan = change(
            engagement_id, access.ALIGN, lambda p: p.send_back(kpi_id, body["comment"]),
            body["comment"],
        )  # fmt: skip
        return one_kpi(plan, kpi_id)


@blp.route("/<string:engagement_id>/kpis/<string:kpi_id>/retirement")
class Retirement(MethodView):
    @requires()
    @blp.arguments(RetireSchema)
    @blp.response(200, KpiSchema)
    @blp.doc(security=BEARER)
    def post(self, body: dict[str, Any], engagement_id: str, kpi_id: str) -> Any:
        """Retire a KPI, re-weighting the rest: the manager, with a reason."""
        plan = change(
            engagement_id, access.ALIGN,
            lambda p: p.retire(kpi_id, review_of(body), body["reason"], body["weights"]),
            body["reason"],
        )  # fmt: skip
        return one_kpi(plan, kpi_id)
