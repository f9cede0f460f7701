"""The organisation's overview (GET /overview and its dashboard) for admin, HR and auditors:
engagements by phase, aligned KPIs by status, reviews on time and late, and the tenant's
newest engagements with their KPI counts. It counts with `find` and aggregation `$match` /
`$group` / `$sum` only (all FerretDB 1.24 offers), each on a tenant-prefixed index."""

from __future__ import annotations

from typing import Any

from services.reporting.domain.summary_rules import (
    PHASES,
    REVIEW_WINDOW_DAYS,
    STATUSES,
    alignment_date,
    review_punctuality,
    status_counts,
)
from services.reporting.projections.read_models import ReadModels
from services.reporting.queries.access import require_tenant_wide
from shared.auth.tokens import Principal

OVERVIEW_ROWS = 200
ROW_FIELDS = {"executive": 1, "coach": 1, "manager": 1, "programme": 1, "phase": 1,
              "start_date": 1, "opened_at": 1}  # fmt: skip


def overview(read: ReadModels, caller: Principal) -> dict[str, Any]:
    """The caller's tenant at a glance (403 unless the caller reads across it)."""
    require_tenant_wide(caller)
    return organisation_overview(read, caller.tenant)


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


def _grouped(collection: Any, match: dict[str, Any], key: str) -> dict[Any, int]:
    """Documents per value of `key` among those matching: $match and $group with $sum."""
    pipeline = [{"$match": match}, {"$group": {"_id": f"${key}", "count": {"$sum": 1}}}]
    return {row["_id"]: int(row["count"]) for row in collection.aggregate(pipeline)}


def reviews_on_time(read: ReadModels, tenant: str) -> dict[str, int]:
    """Every review of the tenant, held on time or late (two finds, rule applied here)."""
    aligned: dict[str, list[dict[str, Any]]] = {}
    for kpi in read["kpis"].find({"tenant": tenant}, {"engagement_id": 1, "baseline_on": 1}):
        aligned.setdefault(kpi["engagement_id"], []).append(kpi)
    held: dict[str, list[str]] = {}
    for review in read["reviews"].find({"tenant": tenant}, {"engagement_id": 1, "held_on": 1}):
        held.setdefault(review["engagement_id"], []).append(review["held_on"])
    on_time = late = 0
    for engagement_id, days in held.items():
        for review in review_punctuality(days, alignment_date(aligned.get(engagement_id, []))):
            on_time, late = on_time + review["on_time"], late + (not review["on_time"])
    return {"held": on_time + late, "on_time": on_time, "late": late,
            "window_days": REVIEW_WINDOW_DAYS}  # fmt: skip


def engagement_rows(read: ReadModels, tenant: str) -> tuple[list[dict[str, Any]], int]:
    """The tenant's engagements (newest first, at most OVERVIEW_ROWS), each with its aligned
    KPIs by status (`kpi_counts`), and how many engagements the tenant has."""
    query = {"tenant": tenant}
    found = list(
        read["engagements"].find(query, ROW_FIELDS).sort("opened_at", -1).limit(OVERVIEW_ROWS)
    )
    kpis: dict[str, list[dict[str, Any]]] = {e["_id"]: [] for e in found}
    for kpi in read["kpis"].find(
        {"tenant": tenant, "engagement_id": {"$in": list(kpis)}},
        {"engagement_id": 1, "state": 1, "status": 1},
    ):
        kpis[kpi["engagement_id"]].append(kpi)
    rows = [{**e, "kpi_counts": status_counts(kpis[e["_id"]])} for e in found]
    return rows, read["engagements"].count_documents(query)


def overview_dashboard(read: ReadModels, caller: Principal) -> dict[str, Any]:
    """What the overview page shows: the overview and the newest engagements' rows."""
    answer = overview(read, caller)
    rows, total = engagement_rows(read, caller.tenant)
    return {"overview": answer, "rows": rows, "total": total}
