"""KPI read models: current state per KPI, bitemporal history rows (also kept in pages for
as-of queries: domain/version_pages.py), and reviews."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING

from services.reporting.domain import version_pages
from services.reporting.domain.kpi_views import KPI_EVENTS, apply_kpi_event, history_row
from services.reporting.projections.read_models import ReadModels
from shared.events.envelope import event_name
from shared.projections.writes import insert_once


class KpiProjection:
    """kpis (one document per KPI, with its directory of version pages), kpi_history (one
    row per version), kpi_versions (the same rows in pages), reviews."""

    def __init__(self, models: ReadModels) -> None:
        self._current = models["kpis"]
        self._history = models["kpi_history"]
        self._pages = models["kpi_versions"]
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
        row = history_row(updated, envelope, self._review_dates(data))
        if row is not None:
            insert_once(self._history, row)
            if updated is not current and _paged(current):
                self._page_in(updated, row)
        if updated is not current:  # last: a redelivery finds the version not yet counted
            self._current.replace_one({"_id": updated["_id"]}, updated, upsert=True)

    def _page_in(self, kpi: dict[str, Any], row: dict[str, Any]) -> None:
        """Store the row in its page (once) and count it in the KPI's directory."""
        directory, page = version_pages.add_version(kpi.get(version_pages.DIRECTORY, []), row)
        if page is None:
            return
        _id = version_pages.page_id(kpi["_id"], page)
        stored = self._pages.find_one({"_id": _id})
        document = version_pages.with_row(stored, row, _id=_id, tenant=row["tenant"],
                                          engagement_id=row["engagement_id"],
                                          kpi_id=row["kpi_id"], page=page)  # fmt: skip
        self._pages.replace_one({"_id": _id}, document, upsert=True)
        kpi[version_pages.DIRECTORY] = directory

    def _review_dates(self, data: dict[str, Any]) -> dict[str, str]:
        review_id = data.get("review_id")
        review = self._reviews.find_one({"_id": review_id}) if review_id else None
        return {review_id: review["held_on"]} if review and review_id else {}


def _paged(current: dict[str, Any] | None) -> bool:
    """Whether the KPI's versions are paged: a KPI projected before pages existed is not
    (until a rebuild), and its as-of answers come from kpi_history instead."""
    return current is None or version_pages.DIRECTORY in current
