"""What the organisation overview shows: engagements by phase, KPIs by status, reviews on
time, and a row (with a link) for each of the tenant's newest engagements."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from services.reporting.api.html_pages import link
from services.reporting.api.page_text import PHASE_LABELS, day_text, status_tiles
from services.reporting.api.summary import organisation_overview
from services.reporting.domain.charts import status_bar, status_colour, status_label
from services.reporting.domain.summary_rules import status_counts
from services.reporting.projections.read_models import ReadModels

OVERVIEW_ROWS = 200
ROW_FIELDS = {
    "executive": 1,
    "coach": 1,
    "manager": 1,
    "programme": 1,
    "phase": 1,
    "start_date": 1,
    "opened_at": 1,
}
# A row names only the statuses it has, the ones that need attention first.
ROW_STATUSES = ("off_track", "at_risk", "on_track", "achieved")


def overview_page(read: ReadModels, tenant: str) -> dict[str, Any]:
    """The overview template's context for a tenant."""
    overview = organisation_overview(read, tenant)
    rows, total = engagement_rows(read, tenant)
    by_status = overview["kpis"]["by_status"]
    reviews = overview["reviews"]
    return {
        "title": "Organisation overview",
        "tenant": tenant,
        "overview": overview,
        "rows": rows,
        "total": total,
        "phases": [
            {"label": PHASE_LABELS[p], "count": n}
            for p, n in overview["engagements"]["by_phase"].items()
        ],
        "counts": status_tiles(by_status),
        "status_chart": Markup(status_bar(by_status)),
        "on_time_share": round(100 * reviews["on_time"] / reviews["held"])
        if reviews["held"]
        else None,
    }


def engagement_rows(read: ReadModels, tenant: str) -> tuple[list[dict[str, Any]], int]:
    """The tenant's engagements (newest first, at most OVERVIEW_ROWS) with their KPI counts."""
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
    rows = [_row(e, status_counts(kpis[e["_id"]])) for e in found]
    return rows, read["engagements"].count_documents(query)


def _row(engagement: Mapping[str, Any], counts: Mapping[str, int]) -> dict[str, Any]:
    """One engagement's row: its people, phase, start, KPI counts, and a link to its page."""
    return {
        "executive": engagement["executive"]["name"],
        "coach": engagement["coach"]["name"],
        "manager": engagement["manager"]["name"],
        "programme": engagement["programme"],
        "phase": PHASE_LABELS.get(engagement["phase"], engagement["phase"]),
        "start": day_text(engagement["start_date"]),
        "statuses": [
            {"status": s, "label": status_label(s), "count": counts[s], "colour": status_colour(s)}
            for s in ROW_STATUSES
            if counts[s]
        ],
        "link": link("dashboard.EngagementDashboard", engagement_id=engagement["_id"]),
    }
