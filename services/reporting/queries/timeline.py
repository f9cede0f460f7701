"""Timeline queries: a page of an engagement's events, oldest first, and its newest events."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING

from services.reporting.projections.read_models import ReadModels, visible_to
from services.reporting.queries.access import visible_engagement, withholds_unshared_rounds
from shared.auth.tokens import Principal

IN_ORDER = [("time", ASCENDING), ("stream_id", ASCENDING), ("stream_version", ASCENDING)]
NEWEST_FIRST = [(key, DESCENDING) for key, _ in IN_ORDER]
INTERNAL = ("_id", "tenant", "engagement_id", "withheld_from_manager")


def _scope(caller: Principal, engagement: dict[str, Any]) -> dict[str, Any]:
    """The engagement's events the caller sees (without those withheld from the manager)."""
    scope = {"tenant": caller.tenant, "engagement_id": engagement["_id"]}
    return visible_to(withholds_unshared_rounds(caller, engagement), scope)


def timeline_page(
    read: ReadModels, caller: Principal, engagement_id: str, limit: int, offset: int
) -> dict[str, Any]:
    """One page of an engagement's timeline, oldest first, and how many events it has."""
    engagement = visible_engagement(read, caller, engagement_id)
    query = _scope(caller, engagement)
    found = read["timeline"].find(query).sort(IN_ORDER).skip(offset).limit(limit)
    entries = [public_entry(entry) for entry in found]
    total = read["timeline"].count_documents(query)
    return {"engagement_id": engagement_id, "total": total, "entries": entries,
            "limit": limit, "offset": offset}  # fmt: skip


def public_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """A timeline entry as the caller reads it: its id, none of the internal fields."""
    return {"id": entry["_id"], **{k: v for k, v in entry.items() if k not in INTERNAL}}


def newest_events(
    read: ReadModels, caller: Principal, engagement: dict[str, Any], limit: int
) -> tuple[list[dict[str, Any]], int]:
    """The newest `limit` events (time, event, line, actor), newest first, and the total."""
    query = _scope(caller, engagement)
    shown = {"time": 1, "event": 1, "line": 1, "actor": 1}
    events = list(read["timeline"].find(query, shown).sort(NEWEST_FIRST).limit(limit))
    return events, read["timeline"].count_documents(query)
