"""An engagement at a glance (GET /engagements/{id}/summary) and the organisation's overview
(GET /overview) for admin, HR and auditors. The dashboards render the same figures.

Reviews are held on time when each comes within REVIEW_WINDOW_DAYS of the one before it, the
first within that of the KPIs' alignment date (the earliest baseline date of the engagement's
KPIs). The overview counts with `find` and aggregation `$match` / `$group` / `$sum` only (all
FerretDB 1.24 offers), each on a tenant-prefixed index.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.reporting.api.access import models, results_visible, visible_engagement
from services.reporting.api.kpis import engagement_kpis
from services.reporting.domain.feedback_views import (
    FULL_ROUNDS,
    behaviour_shift,
    competency_trends,
)
from services.reporting.domain.summary_rules import (
    PHASES,
    REVIEW_WINDOW_DAYS,
    STATUSES,
    alignment_date,
    capability_name,
    kpi_row,
    next_review_due,
    ordered_kpis,
    review_punctuality,
    status_counts,
)
from services.reporting.projections.read_models import ReadModels
from shared.auth.access import TENANT_READERS
from shared.web.auth import BEARER, current_principal, requires

blp = Blueprint("report_summary", __name__, description="Engagement summary, organisation overview")


def engagement_rounds(read: ReadModels, engagement: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every feedback round of the engagement, oldest first (see access.results_visible)."""
    return list(
        read["feedback_rounds"]
        .find({"tenant": engagement["tenant"], "engagement_id": engagement["_id"]})
        .sort("opened_at", 1)
    )


def engagement_summary(
    read: ReadModels, engagement: dict[str, Any], kpis: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Everything GET /engagements/{id}/summary answers (the caller may read the engagement);
    `kpis`: its KPI documents when the caller has them already."""
    tenant, engagement_id = engagement["tenant"], engagement["_id"]
    scope = {"tenant": tenant, "engagement_id": engagement_id}
    kpis = ordered_kpis(engagement_kpis(read, engagement) if kpis is None else kpis)
    aligned_on = alignment_date(kpis)
    held = [r["held_on"] for r in read["reviews"].find(scope, {"held_on": 1})]
    reviews = review_punctuality(held, aligned_on)
    rounds = engagement_rounds(read, engagement)
    shown = [r for r in rounds if results_visible(engagement, r)]
    trends = competency_trends(shown)
    areas = (
        read["development_areas"].find_one({"_id": engagement_id, "tenant": tenant}) or {}
    ).get("areas", [])
    closed = [r for r in rounds if r["status"] == "closed"]
    due = [
        str(k["definition"]["due_on"])
        for k in kpis
        if k["state"] == "aligned" and (k.get("definition") or {}).get("due_on")
    ]
    return {
        "engagement_id": engagement_id,
        "executive": engagement["executive"],
        "coach": engagement["coach"],
        "manager": engagement["manager"],
        "programme": engagement["programme"],
        "start_date": engagement["start_date"],
        "phase": engagement["phase"],
        "kpis_aligned_on": aligned_on,
        "kpis_due_on": max(due, default=None),
        "kpis": {
            "total": len(kpis),
            "by_state": dict(Counter(k["state"] for k in kpis)),
            "by_status": status_counts(kpis),
            "latest": [kpi_row(k) for k in kpis],
        },
        "reviews": {
            "held": len(reviews),
            "on_time": sum(r["on_time"] for r in reviews),
            "late": sum(not r["on_time"] for r in reviews),
            "window_days": REVIEW_WINDOW_DAYS,
            "next_due_on": next_review_due(held, aligned_on),
            "reviews": reviews,
        },
        "feedback": {
            "rounds_closed": sum(r["purpose"] in FULL_ROUNDS for r in closed),
            "pulses_closed": sum(r["purpose"] == "pulse" for r in closed),
            "rounds_open": sum(r["status"] != "closed" for r in rounds),
            "results_withheld": len(rounds) - len(shown),
        },
        "development_areas": [
            {"name": capability_name(a["capability"], trends), **a}
            for a in behaviour_shift(areas, trends, shown)
        ],
    }


def _grouped(collection: Any, match: dict[str, Any], key: str) -> dict[Any, int]:
    """Documents per value of `key` among those matching: $match and $group with $sum."""
    pipeline = [{"$match": match}, {"$group": {"_id": f"${key}", "count": {"$sum": 1}}}]
    return {row["_id"]: int(row["count"]) for row in collection.aggregate(pipeline)}


def reviews_on_time(read: ReadModels, tenant: str) -> dict[str, int]:
    """Every review of the tenant, held on time or late (two finds, rule applied here)."""
    aligned: dict[str, list[dict[str, Any]]] = {}
    kpis = read["kpis"].find({"tenant": tenant}, {"engagement_id": 1, "baseline_on": 1})
    for kpi in kpis:
        aligned.setdefault(kpi["engagement_id"], []).append(kpi)
    held: dict[str, list[str]] = {}
    for review in read["reviews"].find({"tenant": tenant}, {"engagement_id": 1, "held_on": 1}):
        held.setdefault(review["engagement_id"], []).append(review["held_on"])
    on_time = late = 0
    for engagement_id, days in held.items():
        for review in review_punctuality(days, alignment_date(aligned.get(engagement_id, []))):
            on_time, late = on_time + review["on_time"], late + (not review["on_time"])
    return {
        "held": on_time + late,
        "on_time": on_time,
        "late": late,
        "window_days": REVIEW_WINDOW_DAYS,
    }


def organisation_overview(read: ReadModels, tenant: str) -> dict[str, Any]:
    """Engagements by phase, aligned KPIs by status, reviews on time and late."""
    phases = _grouped(read["engagements"], {"tenant": tenant}, "phase")
    statuses = _grouped(read["kpis"], {"tenant": tenant, "state": "aligned"}, "status")
    by_status = {s: statuses.get(None if s == "not_measured" else s, 0) for s in STATUSES}
    return {
        "tenant": tenant,
        "engagements": {
            "total": sum(phases.values()),
            "by_phase": {p: phases.get(p, 0) for p in PHASES},
        },
        "kpis": {"aligned": sum(by_status.values()), "by_status": by_status},
        "reviews": reviews_on_time(read, tenant),
    }


@blp.route("/engagements/<string:engagement_id>/summary")
class EngagementSummary(MethodView):
    @requires()
    @blp.doc(security=BEARER)
    def get(self, engagement_id: str) -> Any:
        """Header, phase, KPI counts and latest status, reviews on time, 360 rounds closed,
        development areas with their shift."""
        read = models()
        return engagement_summary(read, visible_engagement(engagement_id, read))


@blp.route("/overview")
class Overview(MethodView):
    @requires(*TENANT_READERS)
    @blp.doc(security=BEARER)
    def get(self) -> Any:
        """The organisation's engagements by phase, KPIs by status and reviews on time or
        late (admin, HR and auditors of the tenant)."""
        return organisation_overview(models(), current_principal().tenant)
