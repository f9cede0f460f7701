"""Use cases of the kpi service: who may act on an engagement's KPIs, then load, decide, save.

The kpi service knows engagements only from the assessment topic (its engagement
directory): an engagement it has not heard of is a 404, a closed one a 409.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.kpi.domain.kpi_plan import KpiPlan
from shared.auth.tokens import Principal
from shared.domain.errors import Forbidden, InvalidTransition, NotFound
from shared.events.envelope import EventContext
from shared.eventstore.port import EventStore
from shared.eventstore.repository import Repository
from shared.projections.engagement_directory import EngagementDirectory

TENANT_READERS = ("admin", "hr", "auditor")
CLOSED_PHASES = ("completed", "cancelled")


@dataclass(frozen=True)
class EngagementRef:
    """What the kpi service knows of an engagement."""

    id: str
    tenant: str
    executive_id: str
    coach_id: str
    manager_id: str
    manager_name: str
    phase: str

    def roles_of(self, caller: Principal) -> set[str]:
        """The caller's roles in this engagement (admin counts everywhere in its tenant)."""
        roles = {"admin"} if caller.has_any("admin") else set()
        for role, person in (("executive", self.executive_id), ("coach", self.coach_id),
                             ("manager", self.manager_id)):  # fmt: skip
            if caller.subject == person:
                roles.add(role)
        return roles


def engagement_for(
    directory: EngagementDirectory, caller: Principal, engagement_id: str
) -> EngagementRef:
    """The engagement, if the caller's tenant has it and the caller may read it."""
    doc = directory.find(caller.tenant, engagement_id)
    if doc is None:
        raise NotFound(f"engagement {engagement_id} is not known to the kpi service")
    ref = EngagementRef(
        engagement_id, doc["tenant"], doc["executive"]["id"], doc["coach"]["id"],
        doc["manager"]["id"], doc["manager"]["name"], doc["phase"],
    )  # fmt: skip
    if not caller.has_any(*TENANT_READERS) and not ref.roles_of(caller):
        raise Forbidden("only the engagement's participants, HR and auditors may read it")
    return ref


def plans(store: EventStore) -> Repository[KpiPlan]:
    """The KPI plan repository over a store."""
    return Repository(store, KpiPlan)


def plan_for(
    store: EventStore, directory: EngagementDirectory, caller: Principal, engagement_id: str
) -> tuple[EngagementRef, KpiPlan]:
    """The engagement and its KPI plan (empty before the first proposal)."""
    ref = engagement_for(directory, caller, engagement_id)
    return ref, plans(store).get_or_new(caller.tenant, KpiPlan.stream_for(engagement_id))


def change_plan(
    store: EventStore, directory: EngagementDirectory, caller: Principal, engagement_id: str,
    allowed: set[str], act: Callable[[KpiPlan], None], ctx: EventContext,
    if_match: int | None = None,
) -> KpiPlan:  # fmt: skip
    """Let a caller holding one of `allowed` engagement roles (or an admin) change the plan."""
    ref, plan = plan_for(store, directory, caller, engagement_id)
    if not ref.roles_of(caller) & (allowed | {"admin"}):
        raise Forbidden(f"this change is for the engagement's {' or '.join(sorted(allowed))}")
    if ref.phase in CLOSED_PHASES:
        raise InvalidTransition(f"the engagement is {ref.phase}")
    return plans(store).update(plan, act, ctx, if_match)
