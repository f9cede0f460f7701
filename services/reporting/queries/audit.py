"""Audit queries: a page of the trail, the whole selection (for the export), and the
re-hashing of an engagement's streams."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from services.reporting.projections.audit import engagement_owner, received, tenant_owner, trail
from services.reporting.projections.paged_rows import PagedRows
from services.reporting.projections.read_models import ReadModels
from services.reporting.queries.access import (
    require_tenant_wide,
    visible_engagement,
    withholds_unshared_rounds,
)
from shared.auth.tokens import Principal
from shared.events.envelope import verify_chain

INTERNAL = ("tenant", "withheld_from_manager", "key")


@dataclass(frozen=True)
class AuditSelection:
    """Which records: from and to (instants), one engagement, actor, event type."""

    start: str | None = None
    end: str | None = None
    engagement: str | None = None
    actor: str | None = None
    type: str | None = None


@dataclass(frozen=True)
class Source:
    """Where the caller's selection is read: whose rows, in which view, and what else a
    record must match (None: nothing else)."""

    owner: str
    view: str
    keep: Callable[[Mapping[str, Any]], bool] | None


def audit_source(read: ReadModels, caller: Principal, selection: AuditSelection) -> Source:
    """The caller's rows: tenant-wide for admin/HR/auditor, else one engagement's (403 or
    404 when the caller may not read it; the manager's view without withheld records)."""
    if selection.engagement:
        engagement = visible_engagement(read, caller, selection.engagement)
        view = "manager" if withholds_unshared_rounds(caller, engagement) else "all"
        owner = engagement_owner(selection.engagement)
    else:
        require_tenant_wide(caller)
        view, owner = "all", tenant_owner(caller.tenant)
    actor, kind = selection.actor, selection.type

    def keep(record: Mapping[str, Any]) -> bool:
        return (actor is None or record["actor"] == actor) and (
            kind is None or kind in (record["type"], record["event"]))  # fmt: skip

    return Source(owner, view, keep if actor or kind else None)


def public_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """An audit record as the caller reads it (its id, none of the internal fields)."""
    shown = {k: v for k, v in record.items() if k not in (*INTERNAL, "_id")}
    return {"id": record["_id"], **shown}


def audit_page(
    read: ReadModels, caller: Principal, selection: AuditSelection, limit: int, offset: int
) -> dict[str, Any]:
    """One page of the selected records, in time order, and how many there are: the
    directory's counts and one or two pages when only whose records is chosen; a read of
    the records in the time span when an actor, a type or a span narrows them."""
    source = audit_source(read, caller, selection)
    rows = trail(read)
    if source.keep is None and not (selection.start or selection.end):
        page, total = rows.page(source.owner, caller.tenant, source.view, offset, limit)
    else:
        matching = list(_selected(rows, caller, selection, source))
        page, total = matching[offset : offset + limit], len(matching)
    return {"total": total, "limit": limit, "offset": offset,
            "records": [public_record(r) for r in page]}  # fmt: skip


def audit_records(
    read: ReadModels, caller: Principal, selection: AuditSelection
) -> Iterator[dict[str, Any]]:
    """Every selected record in time order, read a page at a time as the caller iterates
    (access is checked now, before the first record)."""
    source = audit_source(read, caller, selection)
    return (public_record(r) for r in _selected(trail(read), caller, selection, source))


def _selected(
    rows: PagedRows, caller: Principal, selection: AuditSelection, source: Source
) -> Iterator[Mapping[str, Any]]:
    since = [selection.start] if selection.start else None
    until = [selection.end] if selection.end else None
    for record in rows.rows(source.owner, caller.tenant, source.view, since, until):
        if source.keep is None or source.keep(record):
            yield record


def verify_engagement(read: ReadModels, caller: Principal, engagement_id: str) -> dict:
    """Recompute every stream's hash chain from the events received: intact, or where it
    first breaks."""
    visible_engagement(read, caller, engagement_id)
    envelopes = (row["envelope"] for row in received(read).rows(engagement_id, caller.tenant))
    streams = []
    for stream_id, group in groupby(envelopes, key=lambda envelope: envelope["streamid"]):
        events = list(group)
        broken = verify_chain(events)
        streams.append({"stream_id": stream_id, "events": len(events), "intact": broken is None,
                        "break": vars(broken) if broken else None})  # fmt: skip
    intact = all(s["intact"] for s in streams)
    return {"engagement_id": engagement_id, "status": "intact" if intact else "broken",
            "streams": streams}  # fmt: skip
