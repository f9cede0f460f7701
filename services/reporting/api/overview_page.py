"""What the organisation overview shows, from what queries/overview.py read: engagements by
phase, KPIs by status, reviews on time, and a row (with a link) for each of the tenant's
newest engagements."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from services.reporting.api.html_pages import link
from services.reporting.api.page_text import PHASE_LABELS, day_text, status_tiles
from services.reporting.domain.charts import status_bar, status_colour, status_label

# A row names only the statuses it has, the ones that need attention first.
ROW_STATUSES = ("off_track", "at_risk", "on_track", "achieved")


def overview_page(shown: Mapping[str, Any], tenant: str) -> dict[str, Any]:
    """The overview template's context for a tenant (`shown`: what
    queries.overview.overview_dashboard read)."""
    overview = shown["overview"]
    by_status = overview["kpis"]["by_status"]
    reviews = overview["reviews"]
    return {
        "title": "Organisation overview",
        "tenant": tenant,
        "overview": overview,
        "rows": [_row(e, e["kpi_counts"]) for e in shown["rows"]],
        "total": shown["total"],
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
