"""Handlers of results-management reviews: record one with its measurements (all or
nothing, the manager), and read them."""

from __future__ import annotations

import secrets

from services.kpi import access
from services.kpi.commands import RecordReview
from services.kpi.domain.kpi_events import MeasurementSource
from services.kpi.domain.kpi_plan import KpiPlan
from services.kpi.handlers.answers import review_answer
from services.kpi.handlers.base import Result, Services
from services.kpi.handlers.kpis import change_plan, load_plan
from shared.auth.caller import Caller

MANUAL = MeasurementSource("manual")


def record_review(services: Services, command: RecordReview, caller: Caller) -> Result:
    """Record a review (possibly late) and its measurements; its id is generated here."""
    review_id = secrets.token_hex(8)
    services.protection.refuse_erased(caller.tenant, [a.id for a in command.attendees])

    def hold(plan: KpiPlan) -> None:
        today = services.clock.today()
        plan.hold_review(review_id, command.held_on, command.attendees, today)
        for n, m in enumerate(command.measurements):
            plan.measure(
                m.kpi_id, f"{review_id}-{n}", m.value, m.measured_on, m.evidence, review_id,
                MANUAL, today, services.thresholds,
            )  # fmt: skip

    plan, _withheld = change_plan(services, caller, command, access.ALIGN, hold)  # manual only
    return Result(review_answer(plan, review_id), plan.version, review_id)


def read_reviews(services: Services, engagement_id: str, caller: Caller) -> Result:
    """Every review of the engagement, oldest first, with its measurements (a review's
    measurements are manual: nothing in them is withheld from the manager)."""
    _, plan = load_plan(services, caller, engagement_id)
    return Result({"reviews": [review_answer(plan, r) for r in plan.reviews]}, plan.version)
