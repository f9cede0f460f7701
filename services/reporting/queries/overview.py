"""The organisation's overview (GET /overview and its dashboard) for admin, HR and auditors:
engagements by phase, aligned KPIs by status, reviews on time and late, and the tenant's
newest engagements with their KPI counts: the sums in the directory of the tenant's overview
rows and its newest rows (projections/overview.py), a few reads by `_id`."""

from __future__ import annotations

from typing import Any

from services.reporting.domain import overview_rows as rules
from services.reporting.domain.row_pages import ALL
from services.reporting.domain.summary_rules import REVIEW_WINDOW_DAYS
from services.reporting.projections.overview import overview_rows, tenant_owner
from services.reporting.projections.read_models import ReadModels
from services.reporting.queries.access import require_tenant_wide
from shared.auth.tokens import Principal

OVERVIEW_ROWS = 200


def overview(read: ReadModels, caller: Principal) -> dict[str, Any]:
    """The caller's tenant at a glance (403 unless the caller reads across it)."""
    require_tenant_wide(caller)
    return organisation_overview(read, caller.tenant)


def organisation_overview(read: ReadModels, tenant: str) -> dict[str, Any]:
    """Engagements by phase, aligned KPIs by status, reviews on time and late."""
    directory = overview_rows(read).directory(tenant_owner(tenant), tenant)
    sums = {name: sum(int(entry["count"].get(name, 0)) for entry in directory)
            for name in (ALL, *rules.MEASURES)}  # fmt: skip
    figures = rules.totals(sums)
    figures["reviews"]["window_days"] = REVIEW_WINDOW_DAYS
    return {"tenant": tenant, **figures}


def engagement_rows(read: ReadModels, tenant: str) -> tuple[list[dict[str, Any]], int]:
    """The tenant's engagements (newest first, at most OVERVIEW_ROWS), each with its aligned
    KPIs by status (`kpi_counts`), and how many engagements the tenant has."""
    rows, total = overview_rows(read).newest(tenant_owner(tenant), tenant, ALL, OVERVIEW_ROWS)
    shown = ("_id", *rules.SHOWN, "kpi_counts")
    return [{field: row.get(field) for field in shown} for row in rows], total


def overview_dashboard(read: ReadModels, caller: Principal) -> dict[str, Any]:
    """What the overview page shows: the overview and the newest engagements' rows."""
    answer = overview(read, caller)
    rows, total = engagement_rows(read, caller.tenant)
    return {"overview": answer, "rows": rows, "total": total}
