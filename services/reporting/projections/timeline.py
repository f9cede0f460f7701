"""Engagement timeline: every event of an engagement, in order, with a readable line."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING

from services.reporting.domain.kpi_views import event_withheld_from_manager
from services.reporting.domain.timeline_lines import describe, shown
from services.reporting.projections.read_models import ReadModels, visible_to
from shared.events.envelope import event_name
from shared.projections.writes import insert_once

COLLECTION = "timeline"


class TimelineProjection:
    """One document per event, keyed by the event id: a redelivery is a no-op."""

    def __init__(self, models: ReadModels) -> None:
        self._timeline = models[COLLECTION]

    def setup(self) -> None:
        """Index backing the timeline query."""
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

    def page(
        self, tenant: str, engagement_id: str, limit: int, offset: int, withhold: bool = False
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of an engagement's timeline, oldest first, and the total count; without
        what is withheld from the manager when `withhold`."""
        query = visible_to(withhold, {"tenant": tenant, "engagement_id": engagement_id})
        cursor = (
            self._timeline.find(query)
            .sort([("time", ASCENDING), ("stream_id", ASCENDING), ("stream_version", ASCENDING)])
            .skip(offset)
            .limit(limit)
        )
        return list(cursor), self._timeline.count_documents(query)
