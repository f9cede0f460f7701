"""KPI read models: current state per KPI, bitemporal history rows, and reviews."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING

from services.reporting.domain.kpi_views import KPI_EVENTS, apply_kpi_event, history_row
from services.reporting.projections.read_models import ReadModels
from shared.events.envelope import event_name
from shared.projections.writes import insert_once


class KpiProjection:
    """kpis (one document per KPI), kpi_history (one row per version), reviews."""

    def __init__(self, models: ReadModels) -> None:
        self._current = models["kpis"]
        self._history = models["kpi_history"]
        self._reviews = models["reviews"]

    def setup(self) -> None:
        """Indexes backing the queries: per engagement, and as-of per KPI."""
        self._current.create_index([("tenant", ASCENDING), ("engagement_id", ASCENDING)])
        # as-of: the newest version (stream order) effective and recorded by the instants
        self._history.create_index(
            [("tenant", ASCENDING), ("engagement_id", ASCENDING), ("kpi_id", ASCENDING),
             ("seq", DESCENDING)],
            name="as_of_seq",
        )  # fmt: skip
        self._reviews.create_index([("tenant", ASCENDING), ("engagement_id", ASCENDING)])

    def handle(self, envelope: dict[str, Any]) -> None:
        """Apply one kpi event (others are ignored); replays change nothing."""
        name, data = event_name(envelope["type"]), envelope["data"]
        if name == "ReviewHeld":
            review = {"tenant": envelope["tenant"], "engagement_id": data["engagement_id"],
                      "held_on": data["held_on"], "attendees": data["attendees"],
                      "recorded_at": envelope["time"]}  # fmt: skip
            insert_once(self._reviews, {"_id": data["review_id"], **review})
            return
        if name not in KPI_EVENTS:
            return
        current = self._current.find_one({"_id": data["kpi_id"]})
        updated = apply_kpi_event(current, envelope)
        if updated is not current:
            self._current.replace_one({"_id": updated["_id"]}, updated, upsert=True)
        row = history_row(updated, envelope, self._review_dates(data))
        if row is not None:
            insert_once(self._history, row)

    def _review_dates(self, data: dict[str, Any]) -> dict[str, str]:
        review_id = data.get("review_id")
        review = self._reviews.find_one({"_id": review_id}) if review_id else None
        return {review_id: review["held_on"]} if review and review_id else {}
