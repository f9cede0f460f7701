"""What the engagement dashboard shows, from what queries/dashboard.py read: people and phase,
where it stands in a few phrases, its dates, then the sections (KPI cards, the 360 chart,
development areas, the timeline)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from services.reporting.api.engagement_sections import (
    development_area,
    feedback_section,
    kpi_card,
    timeline,
)
from services.reporting.api.page_text import PHASE_LABELS, day_text, status_tiles
from services.reporting.domain.charts import status_label
from services.reporting.domain.summary_rules import PHASES


def engagement_page(shown: Mapping[str, Any], on: date) -> dict[str, Any]:
    """The dashboard template's context for one engagement (`shown`: what
    queries.dashboard.engagement_dashboard read), as of the day `on`."""
    engagement, kpis, summary = shown["engagement"], shown["kpis"], shown["summary"]
    feedback = feedback_section(shown["full_rounds"], shown["shown_rounds"])
    return {
        "title": f"{engagement['executive']['name']} · dashboard",
        "engagement": engagement,
        "summary": summary,
        **_phase(engagement["phase"]),
        "cards": [kpi_card(k, on) for k in kpis],
        "counts": status_tiles(summary["kpis"]["by_status"]),
        "feedback": feedback,
        "headline": headline(summary, feedback),
        "areas": [development_area(a) for a in summary["development_areas"]],
        "events": timeline(shown["events"], engagement),
        "total_events": shown["total_events"],
        **_dates(engagement, summary, on),
    }


def _phase(phase: str) -> dict[str, Any]:
    """The phase in words and the steps before, at and after it."""
    return {
        "phase": PHASE_LABELS.get(phase, phase),
        "cancelled": phase == "cancelled",
        "steps": [{"label": PHASE_LABELS[p], "state": _step(p, phase)} for p in PHASES[:4]],
    }


def _step(step: str, phase: str) -> str:
    if phase == "cancelled":
        return "todo"
    reached, current = PHASES.index(step), PHASES.index(phase)
    return (
        "done"
        if reached < current or phase == "completed"
        else ("current" if reached == current else "todo")
    )


def _dates(engagement: Mapping[str, Any], summary: Mapping[str, Any], on: date) -> dict[str, Any]:
    """Today, the start, the KPIs' alignment and due dates, the next review (and if late)."""
    next_due = summary["reviews"]["next_due_on"]
    return {
        "today": day_text(on.isoformat()),
        "aligned_on": day_text(summary["kpis_aligned_on"]),
        "due_on": day_text(summary["kpis_due_on"]),
        "next_review": day_text(next_due),
        "review_overdue": bool(next_due)
        and engagement["phase"] == "results_management"
        and next_due < on.isoformat(),
        "start": day_text(engagement["start_date"]),
    }


def headline(summary: Mapping[str, Any], feedback: Mapping[str, Any]) -> list[dict[str, str]]:
    """Where the engagement stands, in a few phrases (each with a tone: good, warn, bad)."""
    return [
        *_kpi_phrases(summary["kpis"]["latest"]),
        *_review_phrases(summary["reviews"]),
        *_feedback_phrases(feedback),
    ]


def _kpi_phrases(latest: list[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The KPIs behind (off track first), else how many are on track; how many unmeasured."""
    phrases = []
    aligned = [k for k in latest if k["state"] == "aligned"]
    behind = [k for k in aligned if k["status"] in ("at_risk", "off_track")]
    for kpi in sorted(behind, key=lambda k: k["status"] != "off_track"):
        tone = "bad" if kpi["status"] == "off_track" else "warn"
        phrases.append({"text": f"{kpi['name']} is {status_label(kpi['status'])}", "tone": tone})
    measured = [k for k in aligned if k["status"]]
    if measured and not behind:
        every = "All" if len(measured) == len(aligned) else f"{len(measured)} of"
        phrases.append(
            {"text": f"{every} {len(aligned)} KPIs on track or achieved", "tone": "good"}
        )
    if len(measured) < len(aligned):
        missing = len(aligned) - len(measured)
        phrases.append(
            {"text": f"{missing} KPI{'s' if missing > 1 else ''} not measured yet", "tone": "warn"}
        )
    return phrases


def _review_phrases(reviews: Mapping[str, Any]) -> list[dict[str, str]]:
    if not reviews["held"]:
        return []
    return [
        {
            "text": f"{reviews['on_time']} of {reviews['held']} reviews on time",
            "tone": "good" if not reviews["late"] else "warn",
        }
    ]


def _feedback_phrases(feedback: Mapping[str, Any]) -> list[dict[str, str]]:
    if not feedback.get("compared"):
        return []
    return [
        {
            "text": f"others rate {feedback['improved']} of {feedback['compared']} competencies"
            f" higher than at the {feedback['first_purpose']} 360",
            "tone": "good" if feedback["improved"] * 2 > feedback["compared"] else "warn",
        }
    ]
