"""What the organisation overview shows, from what queries/overview.py read: engagements by
phase, KPIs by status, reviews on time, and a row (with a link) for each of the tenant's
newest engagements."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from services.reporting.api.html_pages import link
from services.reporting.api.page_text import PHASE_LABELS, day_text, status_tiles
from services.reporting.domain.charts import status_bar, status_colour, status_label

# A row names only the statuses it has, the ones that need attention first.
ROW_STATUSES = ("off_track", "at_risk", "on_track", "achieved")
PLACEHOLDER = "engagement-id"


def overview_page(shown: Mapping[str, Any], tenant: str) -> dict[str, Any]:
    """The overview template's context for a tenant (`shown`: what
    queries.overview.overview_dashboard read)."""
    overview = shown["overview"]
    by_status = overview["kpis"]["by_status"]
    reviews = overview["reviews"]
    to_engagement = _engagement_link()
    return {
        "title": "Organisation overview",
        "tenant": tenant,
        "overview": overview,
        "rows": [_row(e, e["kpi_counts"], to_engagement) for e in shown["rows"]],
        "total": shown["total"],
        "shown": {key: shown[key] for key in ("page", "pages", "first", "last")},
        "newer": _page_link(shown["page"] - 1) if shown["page"] > 1 else None,
        "older": _page_link(shown["page"] + 1) if shown["page"] < shown["pages"] else None,
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


def _page_link(number: int) -> str:
    return link("dashboard.OverviewDashboard", page=number)


def _engagement_link() -> Callable[[str], str]:
    """The link to an engagement's page, built once per page (url_for is a quarter of a
    row's cost): the path with the id put in, quoted as url_for would."""
    built = link("dashboard.EngagementDashboard", engagement_id=PLACEHOLDER)
    return lambda engagement_id: built.replace(PLACEHOLDER, quote(engagement_id, safe=""), 1)


def _row(
    engagement: Mapping[str, Any], counts: Mapping[str, int], to_engagement: Callable[[str], str]
) -> dict[str, Any]:
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
        "link": to_engagement(engagement["_id"]),
    }
