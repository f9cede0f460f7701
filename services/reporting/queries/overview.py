"""The organisation's overview (GET /overview and its dashboard) for admin, HR and auditors:
engagements by phase, aligned KPIs by status, reviews on time and late, and the tenant's
newest engagements with their KPI counts, a page at a time: the sums in the directory of the
tenant's overview rows and one page of its rows, newest first (projections/overview.py), a
few reads by `_id` whatever the tenant's size."""

from __future__ import annotations

from typing import Any

from services.reporting.domain import overview_rows as rules
from services.reporting.domain.row_pages import ALL
from services.reporting.domain.summary_rules import REVIEW_WINDOW_DAYS
from services.reporting.projections.overview import overview_rows, tenant_owner
from services.reporting.projections.read_models import ReadModels
from services.reporting.queries.access import require_tenant_wide
from shared.auth.tokens import Principal
from shared.domain.errors import NotFound

OVERVIEW_ROWS = 25  # engagements per page of the overview dashboard


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


def engagement_rows(
    read: ReadModels, tenant: str, page: int = 1
) -> tuple[list[dict[str, Any]], int]:
    """Page `page` (from 1) of the tenant's engagements, newest first, OVERVIEW_ROWS a page,
    each with its aligned KPIs by status (`kpi_counts`), and how many engagements the tenant
    has."""
    skip = (page - 1) * OVERVIEW_ROWS
    paged = overview_rows(read)
    rows, total = paged.newest(tenant_owner(tenant), tenant, ALL, OVERVIEW_ROWS, skip)
    shown = ("_id", *rules.SHOWN, "kpi_counts")
    return [{field: row.get(field) for field in shown} for row in rows], total


def overview_dashboard(read: ReadModels, caller: Principal, page: int = 1) -> dict[str, Any]:
    """What the overview page shows: the overview and page `page` of the newest engagements'
    rows (404 for a page past the last one)."""
    answer = overview(read, caller)
    rows, total = engagement_rows(read, caller.tenant, page)
    pages = max(1, -(-total // OVERVIEW_ROWS))
    if page > pages:
        raise NotFound(f"page {page} of the engagements does not exist: there are {pages}")
    first = (page - 1) * OVERVIEW_ROWS + 1
    return {"overview": answer, "rows": rows, "total": total, "page": page, "pages": pages,
            "first": first, "last": first + len(rows) - 1}  # fmt: skip
