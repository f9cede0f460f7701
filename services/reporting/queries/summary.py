"""An engagement at a glance (GET /engagements/{id}/summary); the dashboard renders the same
figures. Reviews are held on time when each comes within REVIEW_WINDOW_DAYS of the one before
it, the first within that of the KPIs' alignment date (summary_rules)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from services.reporting.domain.feedback_views import (
    FULL_ROUNDS,
    behaviour_shift,
    competency_trends,
)
from services.reporting.domain.summary_rules import (
    REVIEW_WINDOW_DAYS,
    alignment_date,
    capability_name,
    kpi_row,
    next_review_due,
    ordered_kpis,
    review_punctuality,
    status_counts,
)
from services.reporting.projections.indexes import review_dates
from services.reporting.projections.read_models import ReadModels
from services.reporting.queries.access import shown_rounds, visible_engagement
from services.reporting.queries.feedback import development_areas, engagement_rounds
from services.reporting.queries.kpis import engagement_kpis
from shared.auth.tokens import Principal

HEADER = ("executive", "coach", "manager", "programme", "start_date", "phase")


def summary(read: ReadModels, caller: Principal, engagement_id: str) -> dict[str, Any]:
    """Header, phase, KPI counts and latest status, reviews on time, 360 rounds closed,
    development areas with their shift."""
    return engagement_summary(read, caller, visible_engagement(read, caller, engagement_id))


def engagement_summary(
    read: ReadModels,
    caller: Principal,
    engagement: dict[str, Any],
    kpis: list[dict[str, Any]] | None = None,
    rounds: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Everything GET /engagements/{id}/summary answers (the caller may read the engagement);
    `kpis`: its KPI documents as the caller sees them, and `rounds`: all its feedback rounds,
    when the caller has them already."""
    kpis = ordered_kpis(engagement_kpis(read, caller, engagement) if kpis is None else kpis)
    aligned_on = alignment_date(kpis)
    rounds = engagement_rounds(read, engagement) if rounds is None else rounds
    shown = shown_rounds(caller, engagement, rounds)
    trends = competency_trends(shown)
    areas = behaviour_shift(development_areas(read, engagement), trends, shown)
    due = [str(k["definition"]["due_on"]) for k in kpis
           if k["state"] == "aligned" and (k.get("definition") or {}).get("due_on")]  # fmt: skip
    return {
        "engagement_id": engagement["_id"],
        **{key: engagement[key] for key in HEADER},
        "kpis_aligned_on": aligned_on,
        "kpis_due_on": max(due, default=None),
        "kpis": _kpis(kpis),
        "reviews": _reviews(read, engagement, aligned_on),
        "feedback": _feedback(rounds, shown),
        "development_areas": [
            {"name": capability_name(a["capability"], trends), **a} for a in areas
        ],
    }


def _kpis(kpis: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "total": len(kpis),
        "by_state": dict(Counter(k["state"] for k in kpis)),
        "by_status": status_counts(kpis),
        "latest": [kpi_row(k) for k in kpis],
    }


def _reviews(read: ReadModels, engagement: dict[str, Any], aligned_on: str | None) -> dict:
    held = review_dates(read, engagement["tenant"], engagement["_id"])
    reviews = review_punctuality(held, aligned_on)
    return {
        "held": len(reviews),
        "on_time": sum(r["on_time"] for r in reviews),
        "late": sum(not r["on_time"] for r in reviews),
        "window_days": REVIEW_WINDOW_DAYS,
        "next_due_on": next_review_due(held, aligned_on),
        "reviews": reviews,
    }


def _feedback(rounds: list[dict[str, Any]], shown: list[dict[str, Any]]) -> dict[str, int]:
    closed = [r for r in rounds if r["status"] == "closed"]
    return {
        "rounds_closed": sum(r["purpose"] in FULL_ROUNDS for r in closed),
        "pulses_closed": sum(r["purpose"] == "pulse" for r in closed),
        "rounds_open": sum(r["status"] != "closed" for r in rounds),
        "results_withheld": len(rounds) - len(shown),
    }
