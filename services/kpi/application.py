"""Use cases of the kpi service: who may act on an engagement's KPIs (services/kpi/access.py),
then load, decide, save.

The kpi service knows engagements only from the assessment topic (its engagement
directory): an engagement it has not heard of is a 404, a closed one a 409.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from services.kpi import access
from services.kpi.domain.kpi_plan import KpiPlan, KpiState
from shared.auth.access import Rule
from shared.auth.tokens import Principal
from shared.clock import today
from shared.domain.errors import InvalidCommand, InvalidTransition, NotFound
from shared.events.envelope import EventContext
from shared.eventstore.port import EventStore
from shared.eventstore.repository import Repository
from shared.projections.engagement_directory import EngagementDirectory

CLOSED_PHASES = ("completed", "cancelled")
T = TypeVar("T")


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


def engagement_for(
    directory: EngagementDirectory, caller: Principal, engagement_id: str
) -> EngagementRef:
    """The engagement, if the caller's tenant has it (else 404) and the caller may read it."""
    doc = directory.find(caller.tenant, engagement_id)
    if doc is None:
        raise NotFound(f"engagement {engagement_id} is not known to the kpi service")
    ref = EngagementRef(
        engagement_id, doc["tenant"], doc["executive"]["id"], doc["coach"]["id"],
        doc["manager"]["id"], doc["manager"]["name"], doc["phase"],
    )  # fmt: skip
    access.require(access.READ, caller, ref)
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


def readable_plan(
    store: EventStore, directory: EngagementDirectory, caller: Principal, engagement_id: str
) -> tuple[KpiPlan, bool]:
    """The engagement's KPI plan for a reader, and whether measurements from rounds not shared
    with the manager are withheld from them."""
    ref, plan = plan_for(store, directory, caller, engagement_id)
    return plan, access.withholds_unshared_rounds(caller, ref)


def change_plan(
    store: EventStore, directory: EngagementDirectory, caller: Principal, engagement_id: str,
    rule: Rule, act: Callable[[KpiPlan], None], ctx: EventContext,
    if_match: int | None = None,
) -> KpiPlan:  # fmt: skip
    """Let a caller the access rule allows change the plan of an open engagement."""
    ref, plan = plan_for(store, directory, caller, engagement_id)
    access.require(rule, caller, ref)
    return plans(store).update(plan, ref.while_open(act), ctx, if_match)


@dataclass(frozen=True)
class ChangeKpi:
    """Revise a sent-back KPI and propose it again, or change an aligned one (a reason, and
    a review or explicitly outside one)."""

    kpi_id: str
    changes: Mapping[str, Any]
    reason: str = ""
    review_id: str | None = None
    outside_review: bool = False


def change_kpi(
    store: EventStore, directory: EngagementDirectory, caller: Principal, engagement_id: str,
    command: ChangeKpi, ctx: EventContext, if_match: int | None = None,
) -> KpiPlan:  # fmt: skip
    """Change one KPI: the coach or the manager, and who exactly depends on its state."""
    ref, plan = plan_for(store, directory, caller, engagement_id)
    roles = access.roles_of(caller, ref)
    access.PROPOSE.require(roles)
    return plans(store).update(plan, ref.while_open(_changing(command, roles)), ctx, if_match)


def _changing(command: ChangeKpi, roles: frozenset[str]) -> Callable[[KpiPlan], None]:
    """The decision on a ChangeKpi for a caller with these roles (access.change_rule)."""

    def act(plan: KpiPlan) -> None:
        kpi = plan.kpis.get(command.kpi_id)
        sent_back = kpi is not None and kpi.state is KpiState.SENT_BACK
        access.change_rule(sent_back).require(roles)
        if sent_back:
            plan.repropose(command.kpi_id, command.changes, today())
            return
        if not (command.review_id or command.outside_review):
            raise InvalidCommand("give review_id, or outside_review: true, for this change")
        plan.revise(command.kpi_id, command.changes, command.review_id, command.reason)

    return act
