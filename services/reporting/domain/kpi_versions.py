"""Bitemporal KPI versions as pure functions: effective time (valid time) and recorded time
(transaction time), with the semantics of a bitemporal database such as XTDB.

Each KPI event that changes its definition or state is a change: the fields it sets (its
`delta`), when it takes effect in the engagement (`effective_from`: the alignment date for an
alignment, the review's date for a change made at a review, otherwise when it was recorded)
and when it was recorded (`recorded_at`). The KPI as of T, known at K, is the result of
applying, in effective-time order (ties in stream order), every change recorded by K whose
effective time is at most T (`state_as_of`, the definition the rest is tested against). So a
change recorded late but effective early changes the answers for T at or after its effective
time, and only for K at or after its recording; a field it does not set keeps, at every T,
the value the other changes give it there.

Pre-alignment changes (proposal, send-back, re-proposal) take effect when recorded, but never
after the alignment that follows them: an alignment recorded late brings them forward to its
own effective time, where, later in stream order, it overtakes them.

Stored form, so that one page read answers a query (version_pages): each change's row carries
a snapshot, its KPI's state at the row's effective time as known when it was recorded. A
back-dated change (effective before versions already recorded) also adds a restatement for
each later effective point whose state it changes: that point, known from the change's
recording, with the new state. As of T known at K is then the snapshot of the row with the
greatest (effective time, stream order) among the rows effective by T and recorded by K
(`latest_row`). Recorded times are taken to grow with the stream (the projection makes them).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from shared.events.envelope import event_name

PRE_ALIGNMENT = ("KpiProposed", "KpiSentBack", "KpiReproposed")
VERSIONED = (*PRE_ALIGNMENT, "KpiAligned", "KpiRevised", "KpiRetired")
STATE_FIELDS = ("state", "definition", "baseline_on", "sent_back_comment")
END_OF_TIME = "9999-12-31T23:59:59.999Z"
Row = Mapping[str, Any]


def delta_of(name: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """What one change sets: a whole definition (a proposal), fields of it, and state."""
    if name in ("KpiProposed", "KpiReproposed"):
        return {"state": "proposed", "definition": dict(data["definition"])}
    if name == "KpiSentBack":
        return {"state": "sent_back", "sent_back_comment": data["comment"]}
    if name == "KpiAligned":
        fields = {"baseline": data["baseline"]} | (
            {"weight": data["weight"]} if "weight" in data else {}
        )
        return {"state": "aligned", "baseline_on": data["baseline_on"], "fields": fields}
    if name == "KpiRevised":
        return {"fields": {change["field"]: change["after"] for change in data["changes"]}}
    return {"state": "retired"}  # KpiRetired


def apply_delta(state: Mapping[str, Any] | None, delta: Mapping[str, Any]) -> dict[str, Any]:
    """The state after one change (a new dict; `state` is left as it was)."""
    new = copy.deepcopy(dict(state)) if state else {
        "state": "proposed", "definition": {}, "baseline_on": None, "sent_back_comment": ""
    }  # fmt: skip
    if "definition" in delta:
        new["definition"] = dict(delta["definition"])
    new["definition"].update(delta.get("fields", {}))
    for key in ("state", "baseline_on", "sent_back_comment"):
        if key in delta:
            new[key] = delta[key]
    return new


def in_effect_order(rows: Iterable[Row]) -> list[tuple[str, int, Row]]:
    """(effective time, stream version, row) of changes in the order they apply; a
    pre-alignment change takes effect no later than the alignment among `rows`."""
    changes = list(rows)
    aligned = min((r["effective_from"] for r in changes if r["event"] == "KpiAligned"),
                  default=None)  # fmt: skip

    def effective(row: Row) -> str:
        if aligned is not None and row["event"] in PRE_ALIGNMENT:
            return min(row["effective_from"], aligned)
        return str(row["effective_from"])

    return sorted(((effective(r), r["seq"], r) for r in changes), key=lambda c: (c[0], c[1]))


def fold(rows: Iterable[Row], instant: str) -> dict[str, Any] | None:
    """The state from every change among `rows` effective by `instant` (None: none is)."""
    state = None
    for effective, _seq, row in in_effect_order(rows):
        if effective > instant:
            break
        state = apply_delta(state, row["delta"])
    return state


def state_as_of(rows: Iterable[Row], instant: str, known_at: str) -> dict[str, Any] | None:
    """The KPI as of `instant`, known at `known_at`, straight from the definition."""
    return fold((r for r in rows if r["recorded_at"] <= known_at), instant)


def snapshot(row: Row) -> dict[str, Any]:
    """The state a stored row carries."""
    return {key: row.get(key) for key in STATE_FIELDS}


def record(
    row: Row, latest: Mapping[str, Any] | None, known: Sequence[Row] | None
) -> list[dict[str, Any]]:
    """The rows to store for a new change: itself with its snapshot, then a restatement per
    later effective point it changes. `known` holds the KPI's earlier change rows; None when
    the change is effective no earlier than all of them, then `latest` (the state after
    them) is enough."""
    if known is None:
        return [{**row, **apply_delta(latest, row["delta"])}]
    changes = [*_originals(known), row]
    points = sorted({r["effective_from"] for r in changes} - {""})
    points = [point for point in points if point >= row["effective_from"]]
    before, after = _states_at(changes[:-1], points), _states_at(changes, points)
    stored = [{**row, **copy.deepcopy(after[0] or {})}]
    for point, old, new in zip(points[1:], before[1:], after[1:], strict=True):
        if new is not None and new != old:
            stored.append({**row, **copy.deepcopy(new), "_id": f"{row['_id']}@{point}",
                           "effective_from": point, "restates": True})  # fmt: skip
    return stored


def _states_at(rows: Iterable[Row], points: Sequence[str]) -> list[dict[str, Any] | None]:
    """The fold at each of `points` (ascending), in one sweep of the changes."""
    ordered, states, state, applied = in_effect_order(rows), [], None, 0
    for point in points:
        while applied < len(ordered) and ordered[applied][0] <= point:
            state = apply_delta(state, ordered[applied][2]["delta"])
            applied += 1
        states.append(state)
    return states


def latest_state(rows: Iterable[Row]) -> dict[str, Any] | None:
    """The KPI as of now, known now: every change applied (restatements are ignored)."""
    return fold(_originals(rows), END_OF_TIME)


def latest_row(rows: Iterable[Row], instant: str, known_at: str) -> Row | None:
    """The stored row whose snapshot answers as of `instant`, known at `known_at`."""
    eligible = [r for r in rows if r["effective_from"] <= instant and r["recorded_at"] <= known_at]
    return max(eligible, key=lambda r: (r["effective_from"], r["seq"]), default=None)


def _originals(rows: Iterable[Row]) -> list[Row]:
    return [r for r in rows if not r.get("restates")]


def change_row(
    envelope: Mapping[str, Any], review_dates: Mapping[str, str], recorded_after: str = ""
) -> dict[str, Any] | None:
    """The change row of a definition- or state-changing event (None for other events); its
    recorded time is never before `recorded_after`, the KPI's previous one (clock skew)."""
    name, data = event_name(str(envelope["type"])), envelope["data"]
    if name not in VERSIONED:
        return None
    return {
        "_id": envelope["id"],
        "tenant": envelope["tenant"],
        "engagement_id": data["engagement_id"],
        "kpi_id": data["kpi_id"],
        "effective_from": effective_time(name, data, envelope["time"], review_dates),
        "recorded_at": max(str(envelope["time"]), recorded_after),
        "seq": envelope["streamversion"],
        "event": name,
        "delta": delta_of(name, data),
        "actor": envelope["actor"],
        "reason": envelope.get("reason", ""),
        "changes": data.get("changes", []),
    }


def effective_time(
    name: str, data: Mapping[str, Any], recorded: str, review_dates: Mapping[str, str]
) -> str:
    """When a change takes effect in the engagement (see the module docstring)."""
    if name == "KpiAligned":
        return day_start(data["baseline_on"])
    review = data.get("review_id")
    if review and review in review_dates:
        return day_start(review_dates[review])
    return str(recorded)


def day_start(day: str) -> str:
    """A calendar date as the instant it begins (UTC), comparable with event times."""
    return f"{day}T00:00:00.000Z"


def history(rows: Iterable[Row]) -> list[dict[str, Any]]:
    """Every change of one KPI in stream order, each with the state it brought into force as
    known now, valid from its effective time until the next change in effective order takes
    effect (valid_to None: still in force; superseded: overtaken at the instant it took
    effect), and, where a later back-dated change restated it, its state as recorded."""
    ordered = in_effect_order(_originals(rows))
    state: dict[str, Any] | None = None
    versions = {}
    for n, (effective, seq, row) in enumerate(ordered):
        state = apply_delta(state, _delta(row))
        valid_to = ordered[n + 1][0] if n + 1 < len(ordered) else None
        version = {**row, **state, "valid_from": effective, "valid_to": valid_to,
                   "superseded": valid_to is not None and valid_to <= effective}  # fmt: skip
        if snapshot(row) != snapshot(version):
            version["as_recorded"] = snapshot(row)
        versions[seq] = version
    return [versions[seq] for seq in sorted(versions)]


def _delta(row: Row) -> Mapping[str, Any]:
    """A row's change; a row stored before changes were kept (until `make rebuild`) stands
    for its whole recorded state."""
    if "delta" in row:
        return row["delta"]
    return {"state": row["state"], "definition": row["definition"],
            "baseline_on": row["baseline_on"]}  # fmt: skip
