"""One row per engagement for the organisation's overview (the computed pattern): what the
overview's table shows of it, and the figures the tenant's totals add up, kept current as
the engagement and its KPIs and reviews change. The tenant's directory of these rows
(projections/paged_rows.py) sums each measure per page, so the totals are one read."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from services.reporting.domain.summary_rules import (
    PHASES,
    STATUSES,
    alignment_date,
    review_punctuality,
    status_counts,
)

SHOWN = ("executive", "coach", "manager", "programme", "phase", "start_date", "opened_at")

Measure = Callable[[Mapping[str, Any]], bool | int]


def _in_phase(phase: str) -> Measure:
    return lambda row: row["phase"] == phase


def _aligned(status: str) -> Measure:
    return lambda row: int(row["kpi_counts"][status])


# What the tenant's directory counts or sums over the rows
MEASURES: dict[str, Measure] = {
    **{f"phase:{phase}": _in_phase(phase) for phase in PHASES},
    **{f"aligned:{status}": _aligned(status) for status in STATUSES},
    "reviews_on_time": lambda row: int(row["reviews"]["on_time"]),
    "reviews_late": lambda row: int(row["reviews"]["late"]),
}


def overview_row(
    engagement: Mapping[str, Any], kpis: Iterable[Mapping[str, Any]], held_on: Iterable[str]
) -> dict[str, Any]:
    """The engagement's row: ordered by when it was opened, its header, its aligned KPIs by
    status and its reviews held on time and late."""
    kpis = list(kpis)
    reviews = review_punctuality(held_on, alignment_date(kpis))
    on_time = sum(1 for review in reviews if review["on_time"])
    return {
        "_id": engagement["_id"],
        "key": [engagement["opened_at"], engagement["_id"]],
        **{field: engagement.get(field) for field in SHOWN},
        "kpi_counts": status_counts(kpis),
        "reviews": {"on_time": on_time, "late": len(reviews) - on_time},
    }


def totals(counts: Mapping[str, int]) -> dict[str, Any]:
    """The overview's figures from the directory's sums."""
    by_status = {status: int(counts.get(f"aligned:{status}", 0)) for status in STATUSES}
    on_time, late = int(counts.get("reviews_on_time", 0)), int(counts.get("reviews_late", 0))
    return {
        "engagements": {
            "total": int(counts.get("all", 0)),
            "by_phase": {phase: int(counts.get(f"phase:{phase}", 0)) for phase in PHASES},
        },
        "kpis": {"aligned": sum(by_status.values()), "by_status": by_status},
        "reviews": {"held": on_time + late, "on_time": on_time, "late": late},
    }
