"""What every kpi handler works with: its adapters, the engagement it acts on, its answer.

The kpi service knows engagements only from the assessment topic (its engagement
directory): an engagement it has not heard of is a 404, a closed one a 409.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from services.kpi import access
from services.kpi.domain.coaching_log import CoachingLog
from services.kpi.domain.kpi_plan import KpiPlan
from services.kpi.domain.status import StatusThresholds
from shared.auth.caller import Caller
from shared.clock import Clock
from shared.commands import Result as Result  # the handlers' answer, for this service's modules
from shared.config import ServiceConfig
from shared.domain.errors import InvalidTransition, NotFound
from shared.eventstore.port import EventStore
from shared.eventstore.repository import Repository
from shared.privacy.key_store import SubjectKeys
from shared.privacy.protection import Protection
from shared.projections.engagement_directory import EngagementDirectory

CLOSED_PHASES = ("completed", "cancelled")
T = TypeVar("T")


class Adapters(Protocol):
    """The ports the handlers use (shared/resources.py Resources opens them on first use)."""

    @property
    def event_store(self) -> EventStore: ...

    @property
    def engagement_directory(self) -> EngagementDirectory: ...

    @property
    def subject_keys(self) -> SubjectKeys: ...


@dataclass(frozen=True)
class Services:
    """A handler's dependencies, built once per process by its composition root."""

    adapters: Adapters
    clock: Clock
    thresholds: StatusThresholds

    @classmethod
    def configured(cls, adapters: Adapters, config: ServiceConfig, clock: Clock) -> Services:
        """The services of a process with this configuration."""
        return cls(adapters, clock, StatusThresholds(config.on_track_below, config.at_risk_up_to))

    @property
    def protection(self) -> Protection:
        """Seals personal fields with this service's subject keys, and opens them."""
        return Protection(self.adapters.subject_keys, self._executive_of)

    def _executive_of(self, tenant: str, engagement_id: str) -> str:
        engagement = self.adapters.engagement_directory.find(tenant, engagement_id)
        if engagement is None:
            raise NotFound(f"engagement {engagement_id} not found")
        return str(engagement["executive"]["id"])

    def plans(self) -> Repository[KpiPlan]:
        """The KPI plans (one stream per engagement)."""
        return Repository(self.adapters.event_store, KpiPlan, self.protection)

    def logs(self) -> Repository[CoachingLog]:
        """The coaching logs (one stream per engagement)."""
        return Repository(self.adapters.event_store, CoachingLog, self.protection)


@dataclass(frozen=True)
class EngagementRef:
    """What the kpi service knows of an engagement."""

    id: str
    tenant: str
    executive_id: str
    coach_id: str
    manager_id: str
    phase: str

    def people(self) -> dict[str, str]:
        """Each participant role's subject."""
        return {"executive": self.executive_id, "coach": self.coach_id,
                "manager": self.manager_id}  # fmt: skip

    def while_open(self, act: Callable[[T], None]) -> Callable[[T], None]:
        """`act`, refused (409) once the engagement is closed; run inside Repository.update,
        so a stale If-Match is a 412 first."""

        def act_while_open(aggregate: T) -> None:
            if self.phase in CLOSED_PHASES:
                raise InvalidTransition(f"the engagement is {self.phase}")
            act(aggregate)

        return act_while_open


def engagement_for(services: Services, caller: Caller, engagement_id: str) -> EngagementRef:
    """The engagement, if the caller's tenant has it (else 404) and the caller may read it."""
    doc = services.adapters.engagement_directory.find(caller.tenant, engagement_id)
    if doc is None:
        raise NotFound(f"engagement {engagement_id} is not known to the kpi service")
    ref = EngagementRef(
        engagement_id, doc["tenant"], doc["executive"]["id"], doc["coach"]["id"],
        doc["manager"]["id"], doc["phase"],
    )  # fmt: skip
    access.require(access.READ, caller.principal, ref)
    return ref
