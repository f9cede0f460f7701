"""Events of the KPI plan of an engagement, and the values they carry.

Every change event names its actor and reason in the envelope and carries the
values before and after, so an auditor can replay any KPI exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shared.domain.aggregate import DomainEvent
from shared.domain.personal import Personal

Value = str | float | int | None


@dataclass(frozen=True)
class KpiDefinition:
    """What a KPI measures and what it aims for."""

    name: str
    description: str
    kind: str  # performance | behavioural
    capability: str | None
    unit: str
    baseline: float
    target: float
    direction: str  # increase | decrease | maintain
    tolerance: float
    weight: int
    cadence: str  # weekly | monthly | quarterly
    due_on: str
    # manual, or feedback_rounds: a behavioural KPI on the rounds' own scale, measured by
    # each closed round that covers its capability
    measured_by: str = "manual"


@dataclass(frozen=True)
class FieldChange:
    """One field of a KPI, before and after a change."""

    field: str
    before: Value
    after: Value


@dataclass(frozen=True)
class Person:
    """Someone present at a review."""

    id: str
    name: str


@dataclass(frozen=True)
class MeasurementSource:
    """Where a measurement came from: entered at a review, or a closed feedback round."""

    kind: str  # manual | round
    round_id: str | None = None
    # False for a round whose results are not shared with the manager: the measurement is
    # then withheld from the manager wherever they look (README, "360 results")
    shared_with_manager: bool = True

    def withheld_from_manager(self) -> bool:
        """Whether the engagement's manager may not see a measurement from this source."""
        return self.kind == "round" and not self.shared_with_manager


@dataclass(frozen=True)
class KpiProposed(DomainEvent):
    NAME: ClassVar[str] = "KpiProposed"
    engagement_id: str
    kpi_id: str
    definition: KpiDefinition


@dataclass(frozen=True)
class KpiSentBack(DomainEvent):
    NAME: ClassVar[str] = "KpiSentBack"
    VERSION: ClassVar[int] = 2
    PERSONAL: ClassVar[tuple[Personal, ...]] = (Personal("comment", "@actor", "text"),)
    engagement_id: str
    kpi_id: str
    comment: str
    kpi_name: str = ""


@dataclass(frozen=True)
class KpiReproposed(DomainEvent):
    NAME: ClassVar[str] = "KpiReproposed"
    engagement_id: str
    kpi_id: str
    changes: tuple[FieldChange, ...]
    definition: KpiDefinition


@dataclass(frozen=True)
class KpiAligned(DomainEvent):
    NAME: ClassVar[str] = "KpiAligned"
    engagement_id: str
    kpi_id: str
    baseline: float
    baseline_on: str
    weight: int
    kpi_name: str = ""


@dataclass(frozen=True)
class KpiRevised(DomainEvent):
    NAME: ClassVar[str] = "KpiRevised"
    engagement_id: str
    kpi_id: str
    review_id: str | None
    changes: tuple[FieldChange, ...]
    definition: KpiDefinition


@dataclass(frozen=True)
class KpiRetired(DomainEvent):
    NAME: ClassVar[str] = "KpiRetired"
    engagement_id: str
    kpi_id: str
    review_id: str | None
    weight_before: int
    kpi_name: str = ""


@dataclass(frozen=True)
class ReviewHeld(DomainEvent):
    NAME: ClassVar[str] = "ReviewHeld"
    VERSION: ClassVar[int] = 2
    PERSONAL: ClassVar[tuple[Personal, ...]] = (
        Personal("attendees[].name", "attendees[].id", "name"),
    )
    engagement_id: str
    review_id: str
    held_on: str
    attendees: tuple[Person, ...]


@dataclass(frozen=True)
class MeasurementRecorded(DomainEvent):
    NAME: ClassVar[str] = "MeasurementRecorded"
    VERSION: ClassVar[int] = 3
    PERSONAL: ClassVar[tuple[Personal, ...]] = (Personal("evidence", "@executive", "text"),)
    engagement_id: str
    kpi_id: str
    measurement_id: str
    review_id: str | None
    value: float
    measured_on: str
    evidence: str
    source: MeasurementSource
    status: str
    expected: float
    kpi_name: str = ""
