"""Engagement timeline: every event of an engagement, in order, with a readable line."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING

from services.reporting.domain.kpi_views import event_withheld_from_manager
from services.reporting.domain.timeline_lines import describe, shown
from services.reporting.projections.read_models import ReadModels
from shared.events.envelope import event_name
from shared.projections.writes import insert_once

COLLECTION = "timeline"


class TimelineProjection:
    """One document per event, keyed by the event id: a redelivery is a no-op."""

    def __init__(self, models: ReadModels) -> None:
        self._timeline = models[COLLECTION]

    def setup(self) -> None:
        """Index backing the timeline query (queries/timeline.py)."""
        self._timeline.create_index(
            [("tenant", ASCENDING), ("engagement_id", ASCENDING), ("time", ASCENDING)],
            name="engagement_time",
        )

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
        insert_once(self._timeline, {"_id": envelope["id"], **entry})
