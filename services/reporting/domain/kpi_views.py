"""KPI read models as pure functions of kpi events: the current state of each KPI, and one
history row per version of it (bitemporal: effective time and recorded time).

Effective time is when a change takes effect in the engagement: the alignment date for an
alignment, the review's date for a change made at a review, otherwise when it was
recorded. Recorded time is the event's own time. Each row holds the KPI's whole state
after its event, so "what was this KPI on T, as we knew it at K" is the latest row in
stream order among those effective by T and recorded by K. (A change recorded later but
effective earlier than one already recorded carries that later-effective change in its
state too: the rows are versions of the record, not of each field.)
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from shared.events.envelope import event_name

VERSIONED = ("KpiProposed", "KpiSentBack", "KpiReproposed", "KpiAligned", "KpiRevised",
             "KpiRetired")  # fmt: skip
KPI_EVENTS = (*VERSIONED, "MeasurementRecorded")


def day_start(day: str) -> str:
    """A calendar date as the instant it begins (UTC), comparable with event times."""
    return f"{day}T00:00:00.000Z"


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


def history_row(
    doc: Mapping[str, Any], envelope: Mapping[str, Any], review_dates: Mapping[str, str]
) -> dict[str, Any] | None:
    """The version row a definition-changing event adds (None for other events)."""
    name, data = event_name(str(envelope["type"])), envelope["data"]
    if name not in VERSIONED:
        return None
    return {
        "_id": envelope["id"],
        "tenant": envelope["tenant"],
        "engagement_id": data["engagement_id"],
        "kpi_id": data["kpi_id"],
        "effective_from": effective_time(name, data, envelope["time"], review_dates),
        "recorded_at": envelope["time"],
        "seq": envelope["streamversion"],
        "event": name,
        "state": doc["state"],
        "definition": doc["definition"],
        "baseline_on": doc["baseline_on"],
        "actor": envelope["actor"],
        "reason": envelope.get("reason", ""),
        "changes": data.get("changes", []),
    }


def effective_time(
    name: str, data: Mapping[str, Any], recorded: str, review_dates: Mapping[str, str]
) -> str:
    """When the change took effect in the engagement (see the module docstring)."""
    if name == "KpiAligned":
        return day_start(data["baseline_on"])
    review = data.get("review_id")
    if review and review in review_dates:
        return day_start(review_dates[review])
    return str(recorded)


def as_of(
    rows: Sequence[Mapping[str, Any]], instant: str, known_at: str
) -> Mapping[str, Any] | None:
    """The version in force at `instant`, as known at `known_at` (rows of one KPI)."""
    known = [r for r in rows if r["effective_from"] <= instant and r["recorded_at"] <= known_at]
    return max(known, key=lambda r: r["seq"], default=None)


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


def with_validity(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Versions of one KPI in stream order, each valid from its effective time until a later
    version takes effect (valid_to None: still in force). A version overtaken before it took
    effect (a proposal recorded after its back-dated alignment) is marked superseded."""
    ordered = sorted(rows, key=lambda r: r["seq"])
    versions = []
    for n, row in enumerate(ordered):
        later = [r["effective_from"] for r in ordered[n + 1 :]]
        valid_to = min(later, default=None)
        versions.append(
            {
                **row,
                "valid_from": row["effective_from"],
                "valid_to": valid_to,
                "superseded": valid_to is not None and valid_to <= row["effective_from"],
            }
        )
    return versions  # fmt: skip
