"""The Engagement aggregate: one coaching programme for one executive, and its lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import ClassVar

from shared.domain.aggregate import Aggregate, DomainEvent, sealed_since
from shared.domain.errors import InvalidCommand, InvalidTransition, NotFound
from shared.domain.personal import Personal

CONTEXT = "assessment"


class Phase(StrEnum):
    """Where an engagement stands in its lifecycle."""

    NEEDS_ASSESSMENT = "needs_assessment"
    KPI_ALIGNMENT = "kpi_alignment"
    RESULTS_MANAGEMENT = "results_management"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


# The only forward moves; cancellation is allowed from any open phase.
NEXT_PHASE = {
    Phase.NEEDS_ASSESSMENT: Phase.KPI_ALIGNMENT,
    Phase.KPI_ALIGNMENT: Phase.RESULTS_MANAGEMENT,
    Phase.RESULTS_MANAGEMENT: Phase.COMPLETED,
}
CLOSED = frozenset({Phase.COMPLETED, Phase.CANCELLED})
RELATIONSHIPS = ("manager", "peer", "direct_report", "other")


@dataclass(frozen=True)
class Person:
    """A participant as events name them: a stable id and a display name."""

    id: str
    name: str


@dataclass(frozen=True)
class OpenEngagement:
    """Command: open an engagement for an executive."""

    engagement_id: str
    organisation: str
    executive: Person
    coach: Person
    manager: Person
    programme: str
    start_date: date


@dataclass(frozen=True)
class EngagementOpened(DomainEvent):
    """An engagement was opened; it starts in the needs assessment."""

    NAME: ClassVar[str] = "EngagementOpened"
    VERSION: ClassVar[int] = 2
    PERSONAL: ClassVar[tuple[Personal, ...]] = tuple(
        Personal(f"{role}.name", f"{role}.id", "name") for role in ("executive", "coach", "manager")
    )
    engagement_id: str
    organisation: str
    executive: Person
    coach: Person
    manager: Person
    programme: str
    start_date: str


@dataclass(frozen=True)
class StakeholderAdded(DomainEvent):
    """A stakeholder of the executive joined the engagement (contact kept private)."""

    NAME: ClassVar[str] = "StakeholderAdded"
    VERSION: ClassVar[int] = 2
    PRIVATE: ClassVar[tuple[str, ...]] = ("contact",)
    PERSONAL: ClassVar[tuple[Personal, ...]] = (
        Personal("name", "stakeholder_id", "name"),
        Personal("contact", "stakeholder_id", "blank"),
    )
    engagement_id: str
    stakeholder_id: str
    name: str
    relationship: str
    contact: str = ""


@dataclass(frozen=True)
class StakeholderRemoved(DomainEvent):
    """A stakeholder left the engagement."""

    NAME: ClassVar[str] = "StakeholderRemoved"
    engagement_id: str
    stakeholder_id: str


@dataclass(frozen=True)
class CoachAssigned(DomainEvent):
    """The engagement's coach changed."""

    NAME: ClassVar[str] = "CoachAssigned"
    VERSION: ClassVar[int] = 2
    PERSONAL: ClassVar[tuple[Personal, ...]] = (
        Personal("coach.name", "coach.id", "name"),
        Personal("previous.name", "previous.id", "name"),
    )
    engagement_id: str
    coach: Person
    previous: Person


@dataclass(frozen=True)
class ManagerAssigned(DomainEvent):
    """The executive's manager for this engagement changed."""

    NAME: ClassVar[str] = "ManagerAssigned"
    VERSION: ClassVar[int] = 2
    PERSONAL: ClassVar[tuple[Personal, ...]] = (
        Personal("manager.name", "manager.id", "name"),
        Personal("previous.name", "previous.id", "name"),
    )
    engagement_id: str
    manager: Person
    previous: Person


@dataclass(frozen=True)
class EngagementPhaseChanged(DomainEvent):
    """The engagement moved forward in its lifecycle."""

    NAME: ClassVar[str] = "EngagementPhaseChanged"
    engagement_id: str
    from_phase: str
    to_phase: str


@dataclass(frozen=True)
class EngagementCancelled(DomainEvent):
    """The engagement was cancelled (the envelope carries the reason)."""

    NAME: ClassVar[str] = "EngagementCancelled"
    engagement_id: str
    from_phase: str


@dataclass(frozen=True)
class Stakeholder:
    """A stakeholder as the engagement knows them."""

    id: str
    name: str
    relationship: str
    contact: str


class Engagement(Aggregate):
    """State rebuilt from the engagement's stream."""

    CONTEXT = CONTEXT
    EVENTS = (
        EngagementOpened,
        StakeholderAdded,
        StakeholderRemoved,
        CoachAssigned,
        ManagerAssigned,
        EngagementPhaseChanged,
        EngagementCancelled,
    )
    UPCASTERS = sealed_since("EngagementOpened", "StakeholderAdded", "CoachAssigned",
                             "ManagerAssigned")  # fmt: skip

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.engagement_id = ""
        self.organisation = ""
        self.executive = self.coach = self.manager = Person("", "")
        self.programme = ""
        self.start_date = ""
        self.phase = Phase.NEEDS_ASSESSMENT
        self.stakeholders: dict[str, Stakeholder] = {}

    @staticmethod
    def stream_for(engagement_id: str) -> str:
        """The stream id of an engagement."""
        return f"engagement-{engagement_id}"

    @property
    def subject(self) -> str:
        return self.engagement_id

    @classmethod
    def open(cls, command: OpenEngagement) -> Engagement:
        """Decide on opening: the executive is neither their own coach nor their own manager."""
        _check_roles(command.executive, command.coach, command.manager)
        engagement = cls(cls.stream_for(command.engagement_id))
        engagement.record(
            EngagementOpened(
                engagement_id=command.engagement_id,
                organisation=command.organisation,
                executive=command.executive,
                coach=command.coach,
                manager=command.manager,
                programme=command.programme,
                start_date=command.start_date.isoformat(),
            )
        )
        return engagement

    def people(self) -> dict[str, str]:
        """Who takes part in the engagement by right: each participant role's subject."""
        return {"executive": self.executive.id, "coach": self.coach.id, "manager": self.manager.id}

    def add_stakeholder(self, stakeholder: Stakeholder) -> None:
        """Add a stakeholder; the relationship must be one of the rater groups but self."""
        self.require_open()
        if stakeholder.relationship not in RELATIONSHIPS:
            raise InvalidCommand(f"relationship must be one of {', '.join(RELATIONSHIPS)}")
        if stakeholder.id in self.stakeholders:
            raise InvalidTransition(f"stakeholder {stakeholder.id} is already on the engagement")
        self.record(
            StakeholderAdded(
                self.engagement_id, stakeholder.id, stakeholder.name, stakeholder.relationship,
                stakeholder.contact,
            )
        )  # fmt: skip

    def remove_stakeholder(self, stakeholder_id: str) -> None:
        """Remove a stakeholder who is on the engagement."""
        self.require_open()
        if stakeholder_id not in self.stakeholders:
            raise NotFound(f"stakeholder {stakeholder_id} is not on the engagement")
        self.record(StakeholderRemoved(self.engagement_id, stakeholder_id))

    def assign_coach(self, coach: Person, reason: str) -> None:
        """Change the coach; a change needs a reason."""
        self.require_open()
        _require_reason(reason)
        if coach.id == self.coach.id:
            raise InvalidTransition(f"{coach.id} already coaches this engagement")
        _check_roles(self.executive, coach, self.manager)
        self.record(CoachAssigned(self.engagement_id, coach, self.coach))

    def assign_manager(self, manager: Person, reason: str) -> None:
        """Change the manager; a change needs a reason."""
        self.require_open()
        _require_reason(reason)
        if manager.id == self.manager.id:
            raise InvalidTransition(f"{manager.id} already manages this engagement")
        _check_roles(self.executive, self.coach, manager)
        self.record(ManagerAssigned(self.engagement_id, manager, self.manager))

    def advance_to(self, phase: Phase) -> None:
        """Move to the next phase; skipping or going back is refused."""
        self.require_open()
        expected = NEXT_PHASE[self.phase]
        if phase is not expected:
            raise InvalidTransition(
                f"an engagement in {self.phase.value} moves to {expected.value}, not {phase.value}"
            )
        self.record(EngagementPhaseChanged(self.engagement_id, self.phase.value, phase.value))

    def cancel(self, reason: str) -> None:
        """Cancel an open engagement; a cancellation needs a reason."""
        self.require_open()
        _require_reason(reason)
        self.record(EngagementCancelled(self.engagement_id, self.phase.value))

    def require_open(self) -> None:
        """Refuse work on a completed or cancelled engagement."""
        if self.phase in CLOSED:
            raise InvalidTransition(f"the engagement is {self.phase.value}")

    def on_EngagementOpened(self, event: EngagementOpened) -> None:
        self.engagement_id = event.engagement_id
        self.organisation = event.organisation
        self.executive, self.coach, self.manager = event.executive, event.coach, event.manager
        self.programme = event.programme
        self.start_date = event.start_date
        self.phase = Phase.NEEDS_ASSESSMENT

    def on_StakeholderAdded(self, event: StakeholderAdded) -> None:
        self.stakeholders[event.stakeholder_id] = Stakeholder(
            event.stakeholder_id, event.name, event.relationship, event.contact
        )

    def on_StakeholderRemoved(self, event: StakeholderRemoved) -> None:
        self.stakeholders.pop(event.stakeholder_id, None)

    def on_CoachAssigned(self, event: CoachAssigned) -> None:
        self.coach = event.coach

    def on_ManagerAssigned(self, event: ManagerAssigned) -> None:
        self.manager = event.manager

    def on_EngagementPhaseChanged(self, event: EngagementPhaseChanged) -> None:
        self.phase = Phase(event.to_phase)

    def on_EngagementCancelled(self, event: EngagementCancelled) -> None:
        self.phase = Phase.CANCELLED


def _check_roles(executive: Person, coach: Person, manager: Person) -> None:
    if executive.id in (coach.id, manager.id):
        raise InvalidCommand("the executive cannot be their own coach or manager")
    if coach.id == manager.id:
        raise InvalidCommand("the coach and the manager must be different people")


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise InvalidCommand("a reason is required for this change")
