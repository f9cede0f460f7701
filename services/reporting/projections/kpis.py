"""KPI read models: current state per KPI, one bitemporal row per change (kpi_history, for
the history route) and the same rows with their restatements in pages (kpi_versions, for
as-of queries: domain/kpi_versions.py, domain/version_pages.py), and reviews."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING

from services.reporting.domain import kpi_versions, version_pages
from services.reporting.domain.kpi_views import KPI_EVENTS, apply_kpi_event
from services.reporting.projections.packed import PackedCollection
from services.reporting.projections.paged_rows import PagedRows
from services.reporting.projections.read_models import ReadModels
from shared.events.envelope import event_name
from shared.projections.writes import insert_once, replace_read

MEASUREMENTS = "measurements"  # a KPI's measurements (domain/kpi_views.py)
# A KPI document's nested fields, stored packed: nothing filters inside them, and FerretDB
# reads a document value by value (projections/packed.py).
KPI_PACKED = (version_pages.DIRECTORY, MEASUREMENTS, "definition", "latest", "trend")


def current_kpis(models: ReadModels) -> PackedCollection:
    """Each KPI as known now, its nested fields stored packed (the page directory and the
    measurements grow with its history: projections/packed.py)."""
    return PackedCollection(models["kpis"], fields=KPI_PACKED)


def version_pages_of(models: ReadModels) -> PackedCollection:
    """The KPIs' version pages, each page's versions stored packed (projections/packed.py)."""
    return PackedCollection(models["kpi_versions"], fields=(version_pages.VERSIONS,))


def kpi_history(models: ReadModels) -> PagedRows:
    """Each KPI's changes in stream order (owner: the KPI's id), for the history route."""
    return PagedRows(models["kpi_history"], {})


class KpiProjection:
    """kpis (one document per KPI, with its directory of version pages), kpi_history (one
    row per change), kpi_versions (the rows and their restatements in pages), reviews."""

    def __init__(self, models: ReadModels) -> None:
        self._current = current_kpis(models)
        self._history = kpi_history(models)
        self._pages = version_pages_of(models)
        self._reviews = models["reviews"]

    def setup(self) -> None:
        """Indexes backing the queries: per engagement, and as-of per KPI."""
        self._current.create_index([("tenant", ASCENDING), ("engagement_id", ASCENDING)])
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
        if updated is current:
            return  # a redelivery of a version already counted
        previous = current or {}
        row = kpi_versions.change_row(envelope, self._review_dates(data),
                                      previous.get("last_recorded", ""))  # fmt: skip
        if row is not None:
            self._version_in(updated, previous, row)
        replace_read(self._current, current, updated)  # last; a stale read loses here

    def _version_in(self, kpi: dict[str, Any], previous: dict[str, Any], row: dict) -> None:
        """Store the change's row in the history and its rows in their pages (once), count them
        in the KPI's directory and set the KPI's definition and state as known now."""
        directory = previous.get(version_pages.DIRECTORY, [])
        forward = row["effective_from"] >= previous.get("last_effective", "")
        known = None if forward else self._stored_rows(previous)
        rows = kpi_versions.record(row, kpi_versions.snapshot(previous) if previous else None,
                                   known)  # fmt: skip
        self._history.add(kpi["_id"], row["tenant"], {**rows[0], "key": [rows[0]["seq"]]})
        directory, placed = version_pages.add_rows(directory, rows)
        for page in sorted({page for page, _row in placed}):
            self._store_page(kpi["_id"], page, [r for p, r in placed if p == page], row)
        latest = rows[0] if forward else kpi_versions.latest_state([*(known or []), row])
        kpi.update(kpi_versions.snapshot(latest or rows[0]))
        kpi[version_pages.DIRECTORY] = directory
        kpi["last_effective"] = max(row["effective_from"], previous.get("last_effective", ""))
        kpi["last_recorded"] = row["recorded_at"]

    def _store_page(self, kpi_id: str, page: int, rows: list, change: dict[str, Any]) -> None:
        _id = version_pages.page_id(kpi_id, page)
        read: dict[str, Any] | None = self._pages.find_one({"_id": _id})
        document = read
        for row in rows:
            document = version_pages.with_row(document, row, _id=_id, tenant=change["tenant"],
                                              engagement_id=change["engagement_id"],
                                              kpi_id=kpi_id, page=page)  # fmt: skip
        if document is not None and document is not read:
            replace_read(self._pages, read, document)

    def _stored_rows(self, kpi: dict[str, Any]) -> list[dict[str, Any]]:
        """The KPI's rows counted in its directory (a crashed attempt's extra rows left out)."""
        directory = kpi.get(version_pages.DIRECTORY, [])
        last_seq = directory[-1]["last_seq"] if directory else 0
        rows = []
        for entry in directory:
            page = self._pages.find_one({"_id": version_pages.page_id(kpi["_id"], entry["page"])})
            held = (page or {}).get(version_pages.VERSIONS, [])
            rows += [r for r in held if r["seq"] <= last_seq]
        return rows

    def _review_dates(self, data: dict[str, Any]) -> dict[str, str]:
        review_id = data.get("review_id")
        review = self._reviews.find_one({"_id": review_id}) if review_id else None
        return {review_id: review["held_on"]} if review and review_id else {}
