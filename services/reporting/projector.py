"""The reporting worker's handler: check the envelope, then feed every projection of the
generation being written."""

from __future__ import annotations

from typing import Any, Protocol

from pymongo.database import Database

from services.reporting.domain.audit import is_tenant_event
from services.reporting.projections.audit import AuditProjection
from services.reporting.projections.feedback import FeedbackProjection
from services.reporting.projections.indexes import IndexProjection
from services.reporting.projections.kpis import KpiProjection
from services.reporting.projections.overview import OverviewProjection
from services.reporting.projections.read_models import ReadModels
from services.reporting.projections.timeline import TimelineProjection
from shared.events.envelope import missing_attributes
from shared.projections.engagement_directory import MongoEngagementDirectory


class Projection(Protocol):
    """An idempotent read-model writer."""

    def setup(self) -> None: ...

    def handle(self, envelope: dict[str, Any]) -> None: ...


class Projector:
    """Applies each event to every projection; a malformed envelope is refused (dead-letter)."""

    def __init__(
        self,
        database: Database[Any],
        generation: int | None = None,
        models: ReadModels | None = None,
    ) -> None:
        """Writes to `models` when given (the rebuild's buffered generation), else to
        `generation`, else to the active one."""
        if models is None:
            models = (
                ReadModels.active(database)
                if generation is None
                else ReadModels(database, generation)
            )
        self.models = models
        self.audit = AuditProjection(models)
        self.projections: list[Projection] = [
            MongoEngagementDirectory(models["engagements"]),
            TimelineProjection(models),
            KpiProjection(models),
            self.audit,
            FeedbackProjection(models),
            IndexProjection(models),
            OverviewProjection(models),  # last: it reads what the others wrote
        ]

    def setup(self) -> None:
        """Create every projection's indexes."""
        for projection in self.projections:
            projection.setup()

    def __call__(self, envelope: dict[str, Any]) -> None:
        missing = missing_attributes(envelope)
        if missing:
            raise ValueError(f"not an event envelope: lacks {', '.join(missing)}")
        if is_tenant_event(envelope):  # a webhook subscription's: the tenant's audit trail
            self.audit.handle(envelope)
            return
        for projection in self.projections:
            projection.handle(envelope)
