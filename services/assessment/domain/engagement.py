"""The Engagement aggregate: one coaching programme for one executive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import ClassVar

from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import InvalidCommand

CONTEXT = "assessment"


class Phase(StrEnum):
    """Where an engagement stands in its lifecycle."""

    NEEDS_ASSESSMENT = "needs_assessment"
    KPI_ALIGNMENT = "kpi_alignment"
    RESULTS_MANAGEMENT = "results_management"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


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
    engagement_id: str
    organisation: str
    executive: Person
    coach: Person
    manager: Person
    programme: str
    start_date: str


class Engagement(Aggregate):
    """State rebuilt from the engagement's stream."""

    CONTEXT = CONTEXT
    EVENTS = (EngagementOpened,)

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.engagement_id = ""
        self.organisation = ""
        self.executive = self.coach = self.manager = Person("", "")
        self.programme = ""
        self.start_date = ""
        self.phase = Phase.NEEDS_ASSESSMENT

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
        if command.executive.id in (command.coach.id, command.manager.id):
            raise InvalidCommand("the executive cannot be their own coach or manager")
        if command.coach.id == command.manager.id:
            raise InvalidCommand("the coach and the manager must be different people")
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

    def participant_ids(self) -> set[str]:
        """Everyone who takes part in the engagement by right."""
        return {self.executive.id, self.coach.id, self.manager.id}

    def on_EngagementOpened(self, event: EngagementOpened) -> None:
        self.engagement_id = event.engagement_id
        self.organisation = event.organisation
        self.executive, self.coach, self.manager = event.executive, event.coach, event.manager
        self.programme = event.programme
        self.start_date = event.start_date
        self.phase = Phase.NEEDS_ASSESSMENT
