"""KPI resources: propose, align (approve or send back), change, retire, re-weight, read."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.kpi import application
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
from shared.clock import today
from shared.domain.errors import Forbidden, InvalidCommand, NotFound
from shared.web.app_factory import resources
from shared.web.auth import BEARER, current_principal, requires
from shared.web.commands import etag, event_context, if_match

blp = Blueprint("kpis", __name__, url_prefix="/engagements", description="KPIs")


def kpi_view(kpi: Kpi, version: int) -> dict[str, Any]:
    """A KPI's current definition, alignment, measurements and latest status."""
    latest = kpi.measurements[-1] if kpi.measurements else None
    return {
        "id": kpi.id,
        "state": kpi.state.value,
        **vars(kpi.definition),
        "baseline_on": kpi.baseline_on,
        "sent_back_comment": kpi.sent_back_comment,
        "status": latest.status if latest else None,
        "latest": latest,
        "measurements": kpi.measurements,
        "version": version,
    }


def plan_view(plan: KpiPlan) -> dict[str, Any]:
    """Every KPI of the engagement, with the aligned weights' total."""
    aligned = [k for k in plan.live() if k.state is KpiState.ALIGNED]
    return {
        "engagement_id": plan.engagement_id,
        "version": plan.version,
        "weights_total": sum(k.definition.weight for k in aligned),
        "kpis": [kpi_view(k, plan.version) for k in plan.kpis.values()],
    }


def change(engagement_id: str, allowed: set[str], act: Callable[[KpiPlan], None],
           reason: str = "") -> KpiPlan:  # fmt: skip
    """Apply a change to the engagement's KPI plan as the caller."""
    return application.change_plan(
        resources().event_store, resources().engagement_directory, current_principal(),
        engagement_id, allowed, act, event_context(reason), if_match(),
    )  # fmt: skip


def read_plan(engagement_id: str) -> KpiPlan:
    """The engagement's KPI plan, for a caller allowed to read it."""
    _, plan = application.plan_for(
        resources().event_store, resources().engagement_directory, current_principal(),
        engagement_id,
    )  # fmt: skip
    return plan


def review_of(body: dict[str, Any]) -> str | None:
    """The review a change belongs to (None when explicitly outside one)."""
    return body.get("review_id") or None


def one_kpi(plan: KpiPlan, kpi_id: str) -> Any:
    """The KPI's view and ETag."""
    if kpi_id not in plan.kpis:
        raise NotFound(f"KPI {kpi_id} not found")
    return kpi_view(plan.kpis[kpi_id], plan.version), etag(plan.version)


@blp.route("/<string:engagement_id>/kpis")
class Kpis(MethodView):
    @requires()
    @blp.response(200, KpiListSchema)
    @blp.doc(security=BEARER)
    def get(self, engagement_id: str) -> Any:
        """Every KPI of the engagement as it stands now."""
        plan = read_plan(engagement_id)
        return plan_view(plan), etag(plan.version)

    @requires("coach", "manager", "admin")
    @blp.arguments(ProposeKpiSchema)
    @blp.response(201, KpiSchema)
    @blp.doc(security=BEARER)
    def post(self, body: dict[str, Any], engagement_id: str) -> Any:
        """Propose a KPI for alignment (the coach, or the manager adding one)."""
        kpi_id = secrets.token_hex(8)
        definition = KpiDefinition(**(body | {"due_on": body["due_on"].isoformat()}))
        plan = change(
            engagement_id, {"coach", "manager"}, lambda p: p.propose(kpi_id, definition, today())
        )
        return one_kpi(plan, kpi_id)


@blp.route("/<string:engagement_id>/kpis/weights")
class Weights(MethodView):
    @requires("manager", "admin")
    @blp.arguments(ReweightSchema)
    @blp.response(200, KpiListSchema)
    @blp.doc(security=BEARER)
    def put(self, body: dict[str, Any], engagement_id: str) -> Any:
        """Re-weight aligned KPIs together (they must sum to 100): the manager, with a reason."""
        plan = change(
            engagement_id, {"manager"},
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
        plan = read_plan(engagement_id)
        return one_kpi(plan, kpi_id)

    @requires("coach", "manager", "admin")
    @blp.arguments(ChangeKpiSchema)
    @blp.response(200, KpiSchema)
    @blp.doc(security=BEARER)
    def patch(self, body: dict[str, Any], engagement_id: str, kpi_id: str) -> Any:
        """Revise a sent-back KPI and propose it again, or change an aligned one (the
        manager, with a reason, at a review or explicitly outside one)."""
        changes = _plain(body["changes"])

        roles = _roles(engagement_id)

        def act(plan: KpiPlan) -> None:
            kpi = plan.kpis.get(kpi_id)
            if kpi is not None and kpi.state is KpiState.SENT_BACK:
                plan.repropose(kpi_id, changes, today())
                return
            if not roles & {"manager", "admin"}:
                raise Forbidden("changes to an aligned KPI are the manager's")
            if not (body.get("review_id") or body.get("outside_review")):
                raise InvalidCommand("give review_id, or outside_review: true, for this change")
            plan.revise(kpi_id, changes, review_of(body), body.get("reason", ""))

        plan = change(engagement_id, {"coach", "manager"}, act, body.get("reason", ""))
        return one_kpi(plan, kpi_id)


def _roles(engagement_id: str) -> set[str]:
    """The caller's roles in the engagement (a directory read, not a plan load)."""
    caller = current_principal()
    directory = resources().engagement_directory
    return application.engagement_for(directory, caller, engagement_id).roles_of(caller)


def _plain(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if k == "due_on" else v for k, v in changes.items()}


@blp.route("/<string:engagement_id>/kpis/<string:kpi_id>/approval")
class Approval(MethodView):
    @requires("manager", "admin")
    @blp.arguments(ApproveSchema)
    @blp.response(200, KpiSchema)
    @blp.doc(security=BEARER)
    def post(self, body: dict[str, Any], engagement_id: str, kpi_id: str) -> Any:
        """The manager aligns a proposed KPI: its baseline and date are fixed."""
        plan = change(
            engagement_id,
            {"manager"},
            lambda p: p.approve(
                kpi_id, body.get("aligned_on") or today(), body["weights"], today()
            ),
        )
        return one_kpi(plan, kpi_id)


@blp.route("/<string:engagement_id>/kpis/<string:kpi_id>/send-back")
class SendBack(MethodView):
    @requires("manager", "admin")
    @blp.arguments(SendBackSchema)
    @blp.response(200, KpiSchema)
    @blp.doc(security=BEARER)
    def post(self, body: dict[str, Any], engagement_id: str, kpi_id: str) -> Any:
        """The manager sends a proposed KPI back with a comment."""
        plan = change(
            engagement_id, {"manager"}, lambda p: p.send_back(kpi_id, body["comment"]),
            body["comment"],
        )  # fmt: skip
        return one_kpi(plan, kpi_id)


@blp.route("/<string:engagement_id>/kpis/<string:kpi_id>/retirement")
class Retirement(MethodView):
    @requires("manager", "admin")
    @blp.arguments(RetireSchema)
    @blp.response(200, KpiSchema)
    @blp.doc(security=BEARER)
    def post(self, body: dict[str, Any], engagement_id: str, kpi_id: str) -> Any:
        """Retire a KPI, re-weighting the rest: the manager, with a reason."""
        plan = change(
            engagement_id, {"manager"},
            lambda p: p.retire(kpi_id, review_of(body), body["reason"], body["weights"]),
            body["reason"],
        )  # fmt: skip
        return one_kpi(plan, kpi_id)
