"""Audit queries: a page of the trail, the whole selection (for the export), and the
re-hashing of an engagement's streams."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from services.reporting.projections.read_models import ReadModels, visible_to
from services.reporting.queries.access import (
    require_tenant_wide,
    visible_engagement,
    withholds_unshared_rounds,
)
from shared.auth.tokens import Principal
from shared.events.envelope import verify_chain

IN_ORDER = [("time", 1), ("stream_id", 1), ("stream_version", 1)]
INTERNAL = ("tenant", "withheld_from_manager")


@dataclass(frozen=True)
class AuditSelection:
    """Which records: from and to (instants), one engagement, actor, event type."""

    start: str | None = None
    end: str | None = None
    engagement: str | None = None
    actor: str | None = None
    type: str | None = None


def audit_filter(read: ReadModels, caller: Principal, selection: AuditSelection) -> dict:
    """The Mongo filter for the caller: tenant-wide for admin/HR/auditor, else one engagement
    (403 or 404 when the caller may not read it)."""
    query: dict[str, Any] = {"tenant": caller.tenant}
    if selection.engagement:
        engagement = visible_engagement(read, caller, selection.engagement)
        query = visible_to(withholds_unshared_rounds(caller, engagement), query)
        query["engagement_id"] = selection.engagement
    else:
        require_tenant_wide(caller)
    if selection.actor:
        query["actor"] = selection.actor
    if selection.type:
        query["$or"] = [{"type": selection.type}, {"event": selection.type}]
    span = {op: value for op, value in (("$gte", selection.start), ("$lt", selection.end))
            if value}  # fmt: skip
    if span:
        query["time"] = span
    return query


def public_record(record: dict[str, Any]) -> dict[str, Any]:
    """An audit record as the caller reads it (its id, none of the internal fields)."""
    shown = {k: v for k, v in record.items() if k not in (*INTERNAL, "_id")}
    return {"id": record["_id"], **shown}


def audit_page(
    read: ReadModels, caller: Principal, selection: AuditSelection, limit: int, offset: int
) -> dict[str, Any]:
    """One page of the selected records, in time order, and how many there are."""
    query = audit_filter(read, caller, selection)
    page = read["audit"].find(query).sort(IN_ORDER).skip(offset).limit(limit)
    return {"total": read["audit"].count_documents(query), "limit": limit, "offset": offset,
            "records": [public_record(r) for r in page]}  # fmt: skip


def audit_records(
    read: ReadModels, caller: Principal, selection: AuditSelection
) -> Iterator[dict[str, Any]]:
    """Every selected record in time order, read as the caller iterates (access is checked
    now, before the first record)."""
    cursor = read["audit"].find(audit_filter(read, caller, selection)).sort(IN_ORDER)
    return (public_record(r) for r in cursor)


def verify_engagement(read: ReadModels, caller: Principal, engagement_id: str) -> dict:
    """Recompute every stream's hash chain from the events received: intact, or where it
    first breaks."""
    visible_engagement(read, caller, engagement_id)
    received = (
        read["received_events"]
        .find({"tenant": caller.tenant, "subject": engagement_id})
        .sort([("streamid", 1), ("streamversion", 1)])
    )
    streams = []
    for stream_id, docs in groupby(received, key=lambda d: d["streamid"]):
        events = [d["envelope"] for d in docs]
        broken = verify_chain(events)
        streams.append({"stream_id": stream_id, "events": len(events), "intact": broken is None,
                        "break": vars(broken) if broken else None})  # fmt: skip
    intact = all(s["intact"] for s in streams)
    return {"engagement_id": engagement_id, "status": "intact" if intact else "broken",
            "streams": streams}  # fmt: skip
