"""Engagement timeline: every event of an engagement, in order, with a readable line.

Kept as ordered rows in pages per engagement (projections/paged_rows.py): the head document
is the engagement's id, its directory counts every page's rows and those the manager sees,
so a page of the timeline is the head and one or two pages read by `_id`."""

from __future__ import annotations

from typing import Any

from services.reporting.domain.kpi_views import event_withheld_from_manager
from services.reporting.domain.timeline_lines import describe, shown
from services.reporting.projections.paged_rows import PagedRows
from services.reporting.projections.read_models import ReadModels
from shared.events.envelope import event_name

COLLECTION = "timeline_pages"
# The views the directory counts: "all", and what the manager sees
VIEWS = {"manager": lambda row: not row.get("withheld_from_manager")}


def timeline(models: ReadModels) -> PagedRows:
    """The engagements' timelines in this generation."""
    return PagedRows(models[COLLECTION], VIEWS)


class TimelineProjection:
    """One row per event in its engagement's pages, keyed by the event id and ordered by
    (time, stream, version): a redelivery is a no-op."""

    def __init__(self, models: ReadModels) -> None:
        self._timeline = timeline(models)

    def setup(self) -> None:
        """Nothing to index: every read is by `_id`."""

    def handle(self, envelope: dict[str, Any]) -> None:
        """Add the event to its engagement's timeline once (if it has a line: `shown`)."""
        if not shown(envelope):
            return
        entry = {
            "tenant": envelope["tenant"],
            "engagement_id": envelope["subject"],
            "time": envelope["time"],
            "type": envelope["type"],
            "event": event_name(envelope["type"]),
            "stream_id": envelope["streamid"],
            "stream_version": envelope["streamversion"],
            "actor": envelope["actor"],
            "reason": envelope.get("reason", ""),
            "line": describe(envelope),
            "correlation_id": envelope["correlationid"],
            "hash": envelope["hash"],
            "withheld_from_manager": event_withheld_from_manager(envelope),
        }
        key = [envelope["time"], envelope["streamid"], envelope["streamversion"]]
        self._timeline.add(envelope["subject"], envelope["tenant"],
                           {"_id": envelope["id"], "key": key, **entry})  # fmt: skip
