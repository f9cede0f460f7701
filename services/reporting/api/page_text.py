"""How both dashboard pages write phases, dates and KPI counts by status."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from services.reporting.domain.charts import day_label, status_colour, status_label

PHASE_LABELS = {
    "needs_assessment": "Needs assessment",
    "kpi_alignment": "KPI alignment",
    "results_management": "Results management",
    "completed": "Completed",
    "cancelled": "Cancelled",
}


def day_text(value: Any, with_year: bool = True) -> str:
    """An ISO date (or timestamp) as 8 Dec 2026; a dash without one."""
    if not value:
        return "—"
    try:
        return day_label(date.fromisoformat(str(value)[:10]), with_year)
    except ValueError:
        return str(value)


def status_tiles(by_status: Mapping[str, int]) -> list[dict[str, Any]]:
    """A tile a status (summary's by_status: not_measured included), coloured."""
    return [
        {
            "status": s,
            "label": status_label(None if s == "not_measured" else s),
            "count": n,
            "colour": status_colour(s),
        }
        for s, n in by_status.items()
    ]
