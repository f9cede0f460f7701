"""The summary's rules as pure functions: reviews on time, the next review due, the KPIs'
alignment date, KPIs by status, a KPI's row, the order KPIs are shown in, and a capability's
wording. Reviews are held on time when each comes within REVIEW_WINDOW_DAYS of the one
before it, the first within that of the KPIs' alignment date."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from shared.domain.capabilities import BY_ID

REVIEW_WINDOW_DAYS = 35
STATUSES = ("achieved", "on_track", "at_risk", "off_track", "not_measured")
PHASES = ("needs_assessment", "kpi_alignment", "results_management", "completed", "cancelled")
STATE_ORDER = {"aligned": 0, "proposed": 1, "sent_back": 2, "retired": 3}


def review_punctuality(
    held_on: Iterable[str], aligned_on: str | None, window_days: int = REVIEW_WINDOW_DAYS
) -> list[dict[str, Any]]:
    """Each review by date, oldest first: how many days after the previous review (the first:
    after the KPIs' alignment date) it came, and whether that is within `window_days`. Without
    an alignment date the first review has nothing to be late for."""
    reference = date.fromisoformat(aligned_on) if aligned_on else None
    found = []
    for day in sorted(held_on):
        held = date.fromisoformat(day)
        since = None if reference is None else (held - reference).days
        found.append(
            {
                "held_on": day,
                "days_since_previous": since,
                "on_time": since is None or since <= window_days,
            }
        )
        reference = held
    return found


def next_review_due(held_on: Iterable[str], aligned_on: str | None) -> str | None:
    """The last day the next review is on time (None before the KPIs are aligned)."""
    last = max([*held_on, *([aligned_on] if aligned_on else [])], default=None)
    if last is None:
        return None
    return (date.fromisoformat(last) + timedelta(days=REVIEW_WINDOW_DAYS)).isoformat()


def alignment_date(kpis: Iterable[Mapping[str, Any]]) -> str | None:
    """When the engagement's KPIs were aligned: the earliest baseline date among them."""
    return min((str(k["baseline_on"]) for k in kpis if k.get("baseline_on")), default=None)


def status_counts(kpis: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Aligned KPIs by their status at the last measurement (not_measured before one)."""
    counts = Counter(k.get("status") or "not_measured" for k in kpis if k["state"] == "aligned")
    return {status: counts.get(status, 0) for status in STATUSES}


def kpi_row(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A KPI's current standing, without its measurement history."""
    definition = doc.get("definition") or {}
    latest = doc.get("latest")
    return {
        "kpi_id": doc["_id"],
        "name": definition.get("name"),
        "kind": definition.get("kind"),
        "capability": definition.get("capability"),
        "unit": definition.get("unit"),
        "state": doc["state"],
        "status": doc.get("status"),
        "trend": doc.get("trend"),
        "weight": definition.get("weight"),
        "baseline": definition.get("baseline"),
        "target": definition.get("target"),
        "direction": definition.get("direction"),
        "baseline_on": doc.get("baseline_on"),
        "due_on": definition.get("due_on"),
        "measurements": len(doc.get("measurements") or []),
        "latest": None
        if not latest
        else {
            "measured_on": latest["measured_on"],
            "value": latest["value"],
            "expected": latest.get("expected"),
            "status": latest.get("status"),
            "source": (latest.get("source") or {}).get("kind"),
        },
    }


def ordered_kpis(docs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Aligned KPIs first, heaviest first; then proposals; retired ones last."""
    return sorted(
        docs,
        key=lambda d: (
            STATE_ORDER.get(d["state"], 9),
            -((d.get("definition") or {}).get("weight") or 0),
            str((d.get("definition") or {}).get("name")),
        ),
    )


def capability_name(capability: str, trends: Sequence[Mapping[str, Any]]) -> str:
    """A capability's wording: from the rounds, the catalogue, or the id itself."""
    named = {t["competency"]: t["name"] for t in trends}
    if capability in named:
        return str(named[capability])
    if capability in BY_ID:
        return BY_ID[capability].name
    return capability.removeprefix("custom:").replace("_", " ")
