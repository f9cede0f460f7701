"""360 read models as pure functions: each round as the assessment topic told it, and an
engagement's feedback over time (baseline -> midpoint -> final deltas, blind spots, hidden
strengths, behaviour shift per development area). Only the published aggregates exist here:
no comment (FeedbackRoundClosed v1 still carried them; they are dropped) and no response
before the closing (FeedbackSubmitted v1 told each one; it is ignored)."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from shared.events.envelope import event_name

ROUND_EVENTS = ("FeedbackRoundOpened", "RaterInvited", "InvitationWithdrawn",
                "FeedbackRoundClosed")  # fmt: skip
FULL_ROUNDS = ("baseline", "midpoint", "final")


def apply_round_event(current: dict[str, Any] | None, envelope: Mapping[str, Any]) -> dict:
    """The round's document after one of its events (replays change nothing)."""
    name, data = event_name(str(envelope["type"])), envelope["data"]
    if current is not None and current["version"] >= envelope["streamversion"]:
        return current
    doc = copy.deepcopy(current) if current else {
        "_id": data["round_id"], "tenant": envelope["tenant"],
        "engagement_id": data["engagement_id"], "status": "open", "invited": [],
        "results": None, "responses": [], "closed_at": None,
    }  # fmt: skip
    doc["version"] = envelope["streamversion"]
    if name == "FeedbackRoundOpened":
        doc |= {k: data[k] for k in ("purpose", "competencies", "anonymity_threshold",
                                      "closes_on", "results_visible_to_manager")}  # fmt: skip
        doc["scale"] = {"minimum": data["scale_minimum"], "maximum": data["scale_maximum"]}
        doc["opened_at"] = envelope["time"]
    elif name in ("RaterInvited", "InvitationWithdrawn"):
        doc["invited"] = data["invited"]
    elif name == "FeedbackRoundClosed":
        doc |= {"status": "closed", "results": aggregates_of(data["results"]),
                "responses": data["responses"], "closed_at": envelope["time"],
                "closed_by": data["closed_by"]}  # fmt: skip
    return doc


def aggregates_of(results: Mapping[str, Any]) -> dict[str, Any]:
    """A closed round's results without the comments a v1 event still carries."""
    return {k: v for k, v in results.items() if k != "comments"}


def _figures(result: Mapping[str, Any]) -> dict[str, Any]:
    groups = {g["group"]: g["mean"] for g in result.get("groups") or []}
    gap = result.get("gap") or {}
    return {"self": groups.get("self"), "manager": groups.get("manager"),
            "others": (result.get("others") or {}).get("mean"),
            "gap": gap.get("value"), "flag": gap.get("flag"),
            "suppressed_groups": result.get("suppressed_groups") or []}  # fmt: skip


def _delta(before: Any, after: Any) -> float | None:
    return None if before is None or after is None else round(after - before, 2)


def competency_trends(rounds: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per competency: each closed full round's figures and the baseline -> final deltas."""
    closed = sorted((r for r in rounds if r["status"] == "closed" and r["purpose"] in FULL_ROUNDS),
                    key=lambda r: (FULL_ROUNDS.index(r["purpose"]), r["closed_at"]))  # fmt: skip
    names = {c["id"]: c["name"] for r in closed for c in r.get("competencies") or []}
    trends = []
    for competency, name in names.items():
        by_round = [
            {"round_id": r["_id"], "purpose": r["purpose"], **_figures(result)}
            for r in closed
            for result in r["results"]["competencies"] if result["competency"] == competency
        ]  # fmt: skip
        first, last = by_round[0], by_round[-1]
        trends.append({
            "competency": competency, "name": name, "rounds": by_round,
            "others_delta": _delta(first["others"], last["others"]) if len(by_round) > 1 else None,
            "self_delta": _delta(first["self"], last["self"]) if len(by_round) > 1 else None,
        })  # fmt: skip
    return trends


def behaviour_shift(
    areas: Sequence[Mapping[str, Any]], trends: Sequence[Mapping[str, Any]],
    rounds: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:  # fmt: skip
    """Per development area: how others saw the capability first and last, and pulses since."""
    by_competency = {t["competency"]: t for t in trends}
    shifts = []
    for area in areas:
        trend = by_competency.get(area["capability"])
        pulses = [
            {"round_id": r["_id"], "closed_at": r["closed_at"], **_figures(result)}
            for r in sorted(rounds, key=lambda r: r.get("closed_at") or "")
            if r["status"] == "closed" and r["purpose"] == "pulse"
            for result in r["results"]["competencies"] if result["competency"] == area["capability"]
        ]  # fmt: skip
        shifts.append({
            "capability": area["capability"], "rationale": area.get("rationale", ""),
            "first": trend["rounds"][0]["others"] if trend else None,
            "last": trend["rounds"][-1]["others"] if trend else None,
            "shift": trend["others_delta"] if trend else None, "pulses": pulses,
        })  # fmt: skip
    return shifts
