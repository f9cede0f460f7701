"""The current-state document of each KPI as a pure function of its events: measurements,
latest status and trend in the order they were taken. Its definition and state are those as
of now, known now, in effective-time order (kpi_versions), which the projection sets.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from services.reporting.domain.kpi_versions import VERSIONED, day_start
from shared.events.envelope import event_name

KPI_EVENTS = (*VERSIONED, "MeasurementRecorded")


def apply_kpi_event(current: dict[str, Any] | None, envelope: Mapping[str, Any]) -> dict[str, Any]:
    """The KPI's current-state document after one of its events (replays change nothing)."""
    name, data = event_name(str(envelope["type"])), envelope["data"]
    if current is not None and current["version"] >= envelope["streamversion"]:
        return current
    doc = copy.deepcopy(current) if current else _new(envelope)
    doc["version"] = envelope["streamversion"]
    doc["updated_at"] = envelope["time"]
    _CHANGES[name](doc, {**data, "recorded_at": envelope["time"]})
    return doc


def _new(envelope: Mapping[str, Any]) -> dict[str, Any]:
    data = envelope["data"]
    return {
        "_id": data["kpi_id"],
        "tenant": envelope["tenant"],
        "engagement_id": data["engagement_id"],
        "state": "proposed",
        "definition": {},
        "baseline_on": None,
        "sent_back_comment": "",
        "measurements": [],
        "latest": None,
        "status": None,
        "trend": None,
        "version": 0,
    }


def _proposed(doc: dict[str, Any], data: Mapping[str, Any]) -> None:
    doc["definition"], doc["state"] = dict(data["definition"]), "proposed"


def _sent_back(doc: dict[str, Any], data: Mapping[str, Any]) -> None:
    doc["state"], doc["sent_back_comment"] = "sent_back", data["comment"]


def _aligned(doc: dict[str, Any], data: Mapping[str, Any]) -> None:
    doc["state"], doc["baseline_on"] = "aligned", data["baseline_on"]
    doc["definition"]["baseline"] = data["baseline"]


def _revised(doc: dict[str, Any], data: Mapping[str, Any]) -> None:
    doc["definition"] = dict(data["definition"])


def _retired(doc: dict[str, Any], data: Mapping[str, Any]) -> None:
    doc["state"] = "retired"


def _measured(doc: dict[str, Any], data: Mapping[str, Any]) -> None:
    if any(m["measurement_id"] == data["measurement_id"] for m in doc["measurements"]):
        return
    keys = ("measurement_id", "value", "measured_on", "status", "expected", "review_id",
            "source", "evidence", "recorded_at")  # fmt: skip
    measurement = {k: data[k] for k in keys}
    doc["measurements"] = sorted([*doc["measurements"], measurement],
                                 key=lambda m: m["measured_on"])  # fmt: skip
    doc["latest"] = doc["measurements"][-1]
    doc["status"] = doc["latest"]["status"]
    doc["trend"] = trend(doc["measurements"], doc["definition"].get("direction", "increase"))


_CHANGES = {
    "KpiProposed": _proposed,
    "KpiSentBack": _sent_back,
    "KpiReproposed": _proposed,
    "KpiAligned": _aligned,
    "KpiRevised": _revised,
    "KpiRetired": _retired,
    "MeasurementRecorded": _measured,
}


def trend(measurements: list[dict[str, Any]], direction: str) -> str | None:
    """improving, worsening or steady between the last two measurements (None before two)."""
    if len(measurements) < 2:
        return None
    delta = measurements[-1]["value"] - measurements[-2]["value"]
    if direction == "decrease":
        delta = -delta
    if direction == "maintain":
        return "steady"
    return "improving" if delta > 0 else "worsening" if delta < 0 else "steady"


def measurement_as_of(
    measurements: Sequence[Mapping[str, Any]], instant: str, known_at: str
) -> Mapping[str, Any] | None:
    """The latest measurement taken by `instant`, among those recorded by `known_at`."""
    known = [
        m
        for m in measurements
        if day_start(m["measured_on"]) <= instant and m["recorded_at"] <= known_at
    ]
    return max(known, key=lambda m: (m["measured_on"], m["recorded_at"]), default=None)


def withheld_from_manager(source: Mapping[str, Any] | None) -> bool:
    """Whether a measurement from this source is withheld from the engagement's manager: it
    came from a feedback round that does not share its results with them (a v1 event did not
    say: withheld)."""
    source = source or {}
    return source.get("kind") == "round" and not source.get("shared_with_manager", False)


def event_withheld_from_manager(envelope: Mapping[str, Any]) -> bool:
    """Whether an event is withheld from the engagement's manager on the timeline and in the
    audit trail: a measurement from a round not shared with them."""
    name = event_name(str(envelope["type"]))
    return name == "MeasurementRecorded" and withheld_from_manager(envelope["data"].get("source"))


def without_unshared_rounds(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A KPI's document as the manager may see it: no measurement from a round not shared
    with them, and the latest measurement, status and trend from the others."""
    kept = [m for m in doc.get("measurements") or [] if not withheld_from_manager(m["source"])]
    if len(kept) == len(doc.get("measurements") or []):
        return dict(doc)
    latest = kept[-1] if kept else None
    direction = (doc.get("definition") or {}).get("direction", "increase")
    status = latest["status"] if latest else None
    return {**doc, "measurements": kept, "latest": latest, "status": status,
            "trend": trend(kept, direction)}  # fmt: skip
