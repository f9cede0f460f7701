"""The kpi service's policies: its reactions to the assessment context's events, called by
its worker (services/kpi/worker.py) for each event of the assessment topic.

`measure_kpis_from_closed_round`: when a round closes covering the capability of a
behavioural KPI that asked for it (measured_by: feedback_rounds, on the rounds' scale), the
KPI gets a measurement (source: that round) from the round's published "all others" mean,
provided the KPI's baseline and target lie on the round's scale (a -3..+3 pulse measures a
pulse-score KPI; a 1..5 360 does not). Idempotent: one measurement per KPI and round,
however often the event is delivered.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from services.kpi.domain.kpi_events import MeasurementSource
from services.kpi.domain.kpi_plan import Kpi, KpiPlan, KpiState
from services.kpi.handlers.base import Services
from shared.events.envelope import EventContext, event_name

ACTOR = "kpi-service"


def round_means(results: dict[str, Any]) -> dict[str, float]:
    """Competency id -> the mean of all raters but self, where the round reported one."""
    means = {}
    for competency in results.get("competencies") or []:
        others = competency.get("others")
        if others:
            means[competency["competency"]] = float(others["mean"])
    return means


def on_scale(kpi: Kpi, scale: dict[str, Any]) -> bool:
    """The KPI is expressed on the round's scale: its baseline and target lie within it."""
    low, high = scale.get("minimum"), scale.get("maximum")
    if low is None or high is None:
        return False
    return all(low <= v <= high for v in (kpi.definition.baseline, kpi.definition.target))


def _due(
    kpi: Kpi, means: dict[str, float], round_id: str, closed_on: date, scale: dict[str, Any]
) -> bool:
    return (
        kpi.state is KpiState.ALIGNED
        and on_scale(kpi, scale)
        and kpi.definition.measured_by == "feedback_rounds"
        and kpi.definition.capability in means
        and not any(m.measurement_id == f"round-{round_id}" for m in kpi.measurements)
        and date.fromisoformat(kpi.baseline_on or "9999-12-31") <= closed_on
    )


def measure_kpis_from_closed_round(services: Services, envelope: dict[str, Any]) -> int:
    """Record a closed round's measurements on the engagement's behavioural KPIs; how many."""
    if event_name(envelope["type"]) != "FeedbackRoundClosed":
        return 0
    data = envelope["data"]
    repo = services.plans()
    plan = repo.get_or_new(envelope["tenant"], KpiPlan.stream_for(data["engagement_id"]))
    means = round_means(data.get("results") or {})
    closed_on = min(date.fromisoformat(envelope["time"][:10]), services.clock.today())
    scale = (data.get("results") or {}).get("scale") or {}
    due = [k for k in plan.kpis.values() if _due(k, means, data["round_id"], closed_on, scale)]
    if not due:
        return 0
    shared = bool(data.get("results_visible_to_manager", False))  # v1 did not say: withheld
    source = MeasurementSource("round", data["round_id"], shared)

    def act(plan: KpiPlan) -> None:
        for kpi in due:
            plan.measure(
                kpi.id, f"round-{data['round_id']}", means[str(kpi.definition.capability)],
                closed_on, f"{data['round_id']} feedback round, all raters but self", None,
                source, services.clock.today(), services.thresholds,
            )  # fmt: skip

    repo.update(plan, act, _caused_by(envelope))
    return len(due)


def _caused_by(envelope: dict[str, Any]) -> EventContext:
    """The context of events the service records itself in reaction to `envelope`."""
    return EventContext(
        envelope["tenant"], ACTOR, envelope["correlationid"], envelope["id"],
        actor_roles=("system",),
    )  # fmt: skip


Policy = Callable[[Services, dict[str, Any]], int]
# Every policy; each ignores the events it does not react to.
POLICIES: tuple[Policy, ...] = (measure_kpis_from_closed_round,)


def react(services: Services, envelope: dict[str, Any]) -> None:
    """Run every policy on one event of the assessment topic."""
    for policy in POLICIES:
        policy(services, envelope)
