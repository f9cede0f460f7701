"""The organisation's overview rows: one per engagement, in the tenant's pages (owner
`overview:<tenant>`), rewritten whenever the engagement, its KPIs or its reviews change
(domain/overview_rows.py). The overview's totals are the sums in the tenant's directory and
its table the newest rows: a few reads by `_id` whatever the tenant's history.

It runs after the projections it reads (the engagement directory, the KPIs, the lists), and
only once the engagement is known: a KPI event that comes before its engagement's opening
(a rebuild reads one topic after the other) is counted in when the opening arrives.
Every write recomputes the row from those read models, so a redelivery writes the same row
and changes nothing.
"""

from __future__ import annotations

from typing import Any

from services.reporting.domain.overview_rows import MEASURES, overview_row
from services.reporting.projections.indexes import kpi_documents, review_dates
from services.reporting.projections.paged_rows import PagedRows
from services.reporting.projections.read_models import ReadModels
from shared.events.envelope import event_name

COLLECTION = "overview_rows"
# The events that change what an engagement's row shows or counts
CHANGES = frozenset({
    "EngagementOpened", "EngagementPhaseChanged", "EngagementCancelled", "CoachAssigned",
    "ManagerAssigned", "KpiProposed", "KpiAligned", "KpiRevised", "KpiRetired",
    "KpiReproposed", "KpiSentBack", "MeasurementRecorded", "ReviewHeld",
})  # fmt: skip


def overview_rows(models: ReadModels) -> PagedRows:
    """Every tenant's overview rows in this generation."""
    return PagedRows(models[COLLECTION], MEASURES)


def tenant_owner(tenant: str) -> str:
    return f"overview:{tenant}"


def differs(stored: Any, row: Any) -> bool:
    return dict(stored) != dict(row)


class OverviewProjection:
    """Keeps each engagement's overview row as its read models stand."""

    def __init__(self, models: ReadModels) -> None:
        self._models = models
        self._rows = overview_rows(models)

    def setup(self) -> None:
        """Nothing to index: every read is by `_id`."""

    def handle(self, envelope: dict[str, Any]) -> None:
        if event_name(envelope["type"]) not in CHANGES:
            return
        tenant = envelope["tenant"]
        engagement_id = envelope["data"].get("engagement_id", envelope["subject"])
        engagement = self._models["engagements"].find_one({"_id": engagement_id})
        if engagement is None or engagement.get("tenant") != tenant:
            return
        kpis = kpi_documents(self._models, tenant, engagement_id)
        row = overview_row(engagement, kpis, review_dates(self._models, tenant, engagement_id))
        self._rows.add(tenant_owner(tenant), tenant, row, supersedes=differs)
