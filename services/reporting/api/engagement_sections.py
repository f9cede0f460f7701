"""The engagement page's sections as the template reads them, from what the queries read: a
card per KPI with its trajectory chart, the 360 chart, the development areas, the latest
events."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from markupsafe import Markup

from services.reporting.api.page_text import day_text
from services.reporting.domain.charts import (
    CompetencyPair,
    competency_pairs,
    day_label,
    feedback_chart,
    kpi_chart,
    number,
    status_colour,
    status_label,
)
from services.reporting.domain.feedback_views import FULL_ROUNDS, competency_trends

DIRECTIONS = {"increase": "↑ increase", "decrease": "↓ decrease", "maintain": "↔ maintain"}


def kpi_card(doc: Mapping[str, Any], on: date) -> dict[str, Any]:
    """What one KPI card shows."""
    definition = doc.get("definition") or {}
    aligned = doc["state"] == "aligned"
    status = doc.get("status") if aligned else None
    return {
        "id": doc["_id"],
        "name": definition.get("name") or "KPI",
        "state": doc["state"],
        "status": status or ("none" if aligned else doc["state"]),
        "badge": status_label(status) if aligned else doc["state"].replace("_", " "),
        "colour": status_colour(status),
        "kind": definition.get("kind") or "",
        "weight": definition.get("weight"),
        "direction": DIRECTIONS.get(str(definition.get("direction")), ""),
        "trend": doc.get("trend"),
        "figures": _figures(doc),
        "measurements": len(doc.get("measurements") or []),
        "from_round": ((doc.get("latest") or {}).get("source") or {}).get("kind") == "round",
        "chart": Markup(kpi_chart(doc, on, f"kpi-{doc['_id']}")),
    }


def _figures(doc: Mapping[str, Any]) -> list[dict[str, str]]:
    """The card's four figures: latest, expected then, target, baseline."""
    definition = doc.get("definition") or {}
    unit = str(definition.get("unit") or "")
    latest = doc.get("latest") or {}
    return [
        _figure(
            f"Latest · {day_text(latest.get('measured_on'), False)}" if latest else "Latest",
            latest.get("value"),
            unit,
            "not measured",
        ),
        _figure("Expected then", latest.get("expected"), unit),
        _figure(
            f"Target · {day_text(definition.get('due_on'), False)}", definition.get("target"), unit
        ),
        _figure(
            f"Baseline · {day_text(doc.get('baseline_on'), False)}"
            if doc.get("baseline_on")
            else "Baseline",
            definition.get("baseline"),
            unit,
        ),
    ]


def _figure(label: str, value: Any, unit: str, missing: str = "—") -> dict[str, str]:
    if value is None:
        return {"label": label, "value": missing, "unit": ""}
    return {"label": label, "value": number(value), "unit": unit}


def improved(pairs: list[CompetencyPair]) -> int:
    """How many competencies others rated higher at the last round than at the first (a
    mean of 0 counts: pulse-style scales run through it)."""
    return sum(
        1 for p in pairs if p.baseline is not None and p.final is not None and p.final > p.baseline
    )


def feedback_section(full: list[dict[str, Any]], shown: list[dict[str, Any]]) -> dict[str, Any]:
    """The 360 chart (first and last full round the caller sees), or why there is none;
    `full`: the closed full rounds, `shown`: those of them the caller sees."""
    if not shown:
        reason = (
            "The results of this engagement's 360 rounds are not shared with you."
            if full
            else "No 360 round has closed yet."
        )
        return {"chart": None, "reason": reason, "rounds": [], "withheld": bool(full)}
    ordered = sorted(shown, key=lambda r: (FULL_ROUNDS.index(r["purpose"]), r["closed_at"]))
    first, last = ordered[0], ordered[-1]
    scale = first.get("scale") or {"minimum": 1, "maximum": 5}
    labels = (str(first["purpose"]).capitalize(), str(last["purpose"]).capitalize())
    pairs = competency_pairs(competency_trends(shown))
    chart = feedback_chart(pairs, scale["minimum"], scale["maximum"], labels)
    compared = [p for p in pairs if p.baseline is not None and p.final is not None]
    return {
        "chart": Markup(chart),
        "reason": "",
        "withheld": False,
        "compared": len(compared) if len(ordered) > 1 else 0,
        "improved": improved(compared),
        "first_purpose": first["purpose"],
        "rounds": [
            {"purpose": r["purpose"], "closed": day_text(r.get("closed_at"))} for r in ordered
        ],
        "suppressed": _suppressed(shown),
    }


def _suppressed(rounds: list[dict[str, Any]]) -> list[str]:
    """The rater groups too small to report in any of the rounds, in words."""
    return sorted(
        {
            group.replace("_", " ")
            for r in rounds
            for group in (r.get("results") or {}).get("suppressed_groups") or []
        }
    )


def development_area(area: Mapping[str, Any]) -> dict[str, Any]:
    """A development area: others' rating at the first and last 360, the shift, the pulse."""
    shift = area.get("shift")
    pulses = area.get("pulses") or []
    return {
        "name": area["name"],
        "rationale": area.get("rationale") or "",
        "first": number(area.get("first")) if area.get("first") is not None else "—",
        "last": number(area.get("last")) if area.get("last") is not None else "—",
        "shift": None if shift is None else f"{'+' if shift >= 0 else ''}{number(shift)}",
        "direction": None if shift is None else _direction(shift),
        "pulse": number(pulses[-1]["others"])
        if pulses and pulses[-1].get("others") is not None
        else None,
    }


def _direction(shift: float) -> str:
    return "up" if shift > 0 else "down" if shift < 0 else "flat"


def timeline(events: list[dict[str, Any]], engagement: Mapping[str, Any]) -> list[dict]:
    """The newest events as rows: when, what, the line, and who by name."""
    names = {engagement[r]["id"]: engagement[r]["name"] for r in ("executive", "coach", "manager")}
    return [
        {
            "time": _instant(e["time"]),
            "event": e["event"],
            "line": e["line"],
            "actor": names.get(e["actor"], e["actor"]),
        }
        for e in events
    ]


def _instant(value: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return f"{day_label(moment.date(), True)} {moment:%H:%M}"
