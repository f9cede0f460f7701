"""Timeline queries: a page of an engagement's events, oldest first, and its newest events;
each a few reads by `_id` (projections/timeline.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.reporting.projections.read_models import ReadModels
from services.reporting.projections.timeline import timeline
from services.reporting.queries.access import visible_engagement, withholds_unshared_rounds
from shared.auth.tokens import Principal

INTERNAL = ("_id", "key", "tenant", "engagement_id", "withheld_from_manager")


def _view(caller: Principal, engagement: dict[str, Any]) -> str:
    """The rows the caller sees: all, or the manager's (without those withheld from them)."""
    return "manager" if withholds_unshared_rounds(caller, engagement) else "all"


def timeline_page(
    read: ReadModels, caller: Principal, engagement_id: str, limit: int, offset: int
) -> dict[str, Any]:
    """One page of an engagement's timeline, oldest first, and how many events it has."""
    engagement = visible_engagement(read, caller, engagement_id)
    view = _view(caller, engagement)
    rows, total = timeline(read).page(engagement_id, caller.tenant, view, offset, limit)
    entries = [public_entry(row) for row in rows]
    return {"engagement_id": engagement_id, "total": total, "entries": entries,
            "limit": limit, "offset": offset}  # fmt: skip


def public_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A timeline entry as the caller reads it: its id, none of the internal fields."""
    return {"id": entry["_id"], **{k: v for k, v in entry.items() if k not in INTERNAL}}


def newest_events(
    read: ReadModels, caller: Principal, engagement: dict[str, Any], limit: int
) -> tuple[list[dict[str, Any]], int]:
    """The newest `limit` events (time, event, line, actor), newest first, and the total."""
    view = _view(caller, engagement)
    rows, total = timeline(read).newest(engagement["_id"], caller.tenant, view, limit)
    shown = ("time", "event", "line", "actor")
    return [{"_id": r["_id"], **{k: r[k] for k in shown if k in r}} for r in rows], total
