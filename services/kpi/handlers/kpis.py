"""Handlers of an engagement's KPI plan: propose, send back, change, approve, retire,
re-weight, and the reads. Each loads the plan, checks access (services/kpi/access.py),
lets the plan decide and saves through Repository.update (If-Match 412, conflict 409)."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable

from services.kpi import access
from services.kpi.commands import (
    ApproveKpi,
    ChangeKpi,
    ProposeKpi,
    RetireKpi,
    ReweightKpis,
    SendBackKpi,
)
from services.kpi.domain.kpi_plan import KpiPlan, KpiState
from services.kpi.handlers.answers import kpi_answer, plan_answer
from services.kpi.handlers.base import EngagementRef, Result, Services, engagement_for
from shared.auth.access import Rule
from shared.auth.caller import Caller
from shared.commands import EngagementCommand
from shared.domain.errors import InvalidCommand, NotFound


def load_plan(
    services: Services, caller: Caller, engagement_id: str
) -> tuple[EngagementRef, KpiPlan]:
    """The engagement and its KPI plan (empty, version 0, before the first proposal)."""
    ref = engagement_for(services, caller, engagement_id)
    return ref, services.plans().get_or_new(caller.tenant, KpiPlan.stream_for(engagement_id))


def change_plan(
    services: Services, caller: Caller, command: EngagementCommand, rule: Rule,
    act: Callable[[KpiPlan], None], reason: str = "",
) -> tuple[KpiPlan, bool]:  # fmt: skip
    """Let a caller the access rule allows change the plan of an open engagement; the plan,
    and whether measurements from rounds not shared with the manager are withheld from the
    caller in the answer (the manager's own answers obey the rule too)."""
    ref, plan = load_plan(services, caller, command.engagement_id)
    access.require(rule, caller.principal, ref)
    changed = services.plans().update(
        plan, ref.while_open(act), caller.context(reason), command.if_match
    )
    return changed, access.withholds_unshared_rounds(caller.principal, ref)


def one_kpi(plan: KpiPlan, kpi_id: str, withhold_unshared: bool = False) -> Result:
    """One KPI of the plan as an answer (NotFound when the plan has no such KPI)."""
    if kpi_id not in plan.kpis:
        raise NotFound(f"KPI {kpi_id} not found")
    return Result(kpi_answer(plan.kpis[kpi_id], plan.version, withhold_unshared), plan.version)


def propose_kpi(services: Services, command: ProposeKpi, caller: Caller) -> Result:
    """Propose a KPI (the coach or the manager); its id is generated here."""
    kpi_id = secrets.token_hex(8)

    def propose(plan: KpiPlan) -> None:
        plan.propose(kpi_id, command.definition, services.clock.today())

    plan, withheld = change_plan(services, caller, command, access.PROPOSE, propose)
    return dataclasses.replace(one_kpi(plan, kpi_id, withheld), created_id=kpi_id)


def send_back_kpi(services: Services, command: SendBackKpi, caller: Caller) -> Result:
    """The manager returns a proposed KPI with a comment."""
    plan, withheld = change_plan(
        services, caller, command, access.ALIGN,
        lambda p: p.send_back(command.kpi_id, command.comment), command.comment,
    )  # fmt: skip
    return one_kpi(plan, command.kpi_id, withheld)


def change_kpi(services: Services, command: ChangeKpi, caller: Caller) -> Result:
    """Change one KPI: a sent-back one is revised and proposed again (the coach or the
    manager), any other changed by the manager at a review or explicitly outside one."""
    ref, plan = load_plan(services, caller, command.engagement_id)
    roles = access.roles_of(caller.principal, ref)
    access.PROPOSE.require(roles)

    def change(plan: KpiPlan) -> None:
        kpi = plan.kpis.get(command.kpi_id)
        sent_back = kpi is not None and kpi.state is KpiState.SENT_BACK
        access.change_rule(sent_back).require(roles)
        if sent_back:
            plan.repropose(command.kpi_id, command.changes, services.clock.today())
            return
        if not (command.review_id or command.outside_review):
            raise InvalidCommand("give review_id, or outside_review: true, for this change")
        plan.revise(command.kpi_id, command.changes, command.review_id, command.reason)

    ctx = caller.context(command.reason)
    plan = services.plans().update(plan, ref.while_open(change), ctx, command.if_match)
    withheld = access.withholds_unshared_rounds(caller.principal, ref)
    return one_kpi(plan, command.kpi_id, withheld)


def approve_kpi(services: Services, command: ApproveKpi, caller: Caller) -> Result:
    """The manager aligns a proposed KPI: its baseline and its date are fixed."""

    def approve(plan: KpiPlan) -> None:
        today = services.clock.today()
        aligned_on = command.aligned_on or today
        plan.approve(command.kpi_id, aligned_on, command.weights, today)

    plan, withheld = change_plan(services, caller, command, access.ALIGN, approve)
    return one_kpi(plan, command.kpi_id, withheld)


def retire_kpi(services: Services, command: RetireKpi, caller: Caller) -> Result:
    """The manager retires a KPI, re-weighting the rest, with a reason."""

    def retire(plan: KpiPlan) -> None:
        plan.retire(command.kpi_id, command.review_id, command.reason, command.weights)

    plan, withheld = change_plan(services, caller, command, access.ALIGN, retire, command.reason)
    return one_kpi(plan, command.kpi_id, withheld)


def reweight_kpis(services: Services, command: ReweightKpis, caller: Caller) -> Result:
    """The manager re-weights aligned KPIs together (they must sum to 100), with a reason."""

    def reweight(plan: KpiPlan) -> None:
        plan.reweight(command.weights, command.review_id, command.reason)

    plan, withheld = change_plan(services, caller, command, access.ALIGN, reweight, command.reason)
    return Result(plan_answer(plan, withheld), plan.version)


def read_plan(services: Services, engagement_id: str, caller: Caller) -> Result:
    """Every KPI of the engagement as it stands now, for a caller who may read it (without
    the measurements from rounds not shared with the manager, when withheld from them)."""
    ref, plan = load_plan(services, caller, engagement_id)
    withheld = access.withholds_unshared_rounds(caller.principal, ref)
    return Result(plan_answer(plan, withheld), plan.version)


def read_kpi(services: Services, engagement_id: str, kpi_id: str, caller: Caller) -> Result:
    """One KPI as it stands now, with its measurements (as read_plan leaves them)."""
    ref, plan = load_plan(services, caller, engagement_id)
    return one_kpi(plan, kpi_id, access.withholds_unshared_rounds(caller.principal, ref))
