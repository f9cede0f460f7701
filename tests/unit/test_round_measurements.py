"""The policy measuring behavioural KPIs from closed feedback rounds (services/kpi/policies.py)."""

import dataclasses
from datetime import UTC, date, datetime, time
from types import SimpleNamespace
from typing import Any

from services.kpi.domain.kpi_events import KpiDefinition
from services.kpi.domain.kpi_plan import KpiPlan, upcast_measurement_v1
from services.kpi.domain.status import StatusThresholds
from services.kpi.handlers.base import Services
from services.kpi.policies import measure_kpis_from_closed_round
from shared.clock import Clock
from shared.events.envelope import EventContext
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.eventstore.repository import Repository
from tests.privacy import ONE_EXECUTIVE, memory_keys, protection
from tests.unit.catalogued import catalogued

PROTECTION = protection("kpi")

ALIGNED_ON, CLOSED_ON = date(2026, 1, 10), date(2026, 3, 1)


def behavioural(capability: str, weight: int, measured_by: str = "feedback_rounds"):
    return KpiDefinition(
        f"Better at {capability}", "", "behavioural", capability, "score", 2.5, 4.0, "increase",
        0.0, weight, "monthly", "2026-07-01", measured_by,
    )  # fmt: skip


def plan_in(store) -> None:
    plan = KpiPlan("kpi-plan-e1")
    plan.propose("listen", behavioural("listening", 50), ALIGNED_ON)
    plan.propose("talk", behavioural("tough_conversations", 50), ALIGNED_ON)
    plan.approve("listen", ALIGNED_ON, {}, ALIGNED_ON)
    plan.approve("talk", ALIGNED_ON, {}, ALIGNED_ON)
    Repository(store, KpiPlan, PROTECTION).save(plan, EventContext("acme", "m1", "k"))


def measure(store, envelope: dict) -> int:
    """The policy over this store, on the day the round closed."""
    adapters = SimpleNamespace(
        event_store=store, engagement_directory=ONE_EXECUTIVE, subject_keys=memory_keys("kpi")
    )
    clock = Clock(lambda: datetime.combine(CLOSED_ON, time(12), UTC))
    return measure_kpis_from_closed_round(Services(adapters, clock, StatusThresholds()), envelope)


def round_closed(others_mean: float | None, shared: bool = False) -> dict:
    """A FeedbackRoundClosed v2 (valid for its published schema) on two competencies."""
    others = {"count": 6, "mean": others_mean, "distribution": []} if others_mean else None
    return catalogued({
        "id": "evt-1", "type": "mastery.assessment.FeedbackRoundClosed.v2", "tenant": "acme",
        "time": f"{CLOSED_ON.isoformat()}T10:00:00.000Z", "correlationid": "corr-9",
        "data": {
            "engagement_id": "e1", "round_id": "r7", "closed_by": "coach", "responses": [],
            "results_visible_to_manager": shared,
            "results": {"scale": {"minimum": 1, "maximum": 5}, "threshold": 3,
                        "suppressed_groups": [], "competencies": [
                {"competency": "listening", "groups": [], "others": others, "gap": None,
                 "suppressed_groups": []},
                {"competency": "strategy", "groups": [], "others": others, "gap": None,
                 "suppressed_groups": []},
            ]},
        },
    })  # fmt: skip


def test_a_closed_round_measures_the_behavioural_kpis_it_covers_once():
    store = MemoryEventStore()
    plan_in(store)
    assert measure(store, round_closed(3.2)) == 1
    assert measure(store, round_closed(3.2)) == 0
    plan = Repository(store, KpiPlan, PROTECTION).get("acme", "kpi-plan-e1")
    [measurement] = plan.kpis["listen"].measurements
    assert (measurement.value, measurement.measured_on) == (3.2, "2026-03-01")
    assert measurement.source.kind == "round" and measurement.source.round_id == "r7"
    assert plan.kpis["talk"].measurements == []
    event = store.load("kpi-plan-e1")[-1]
    assert event["actor"] == "kpi-service" and event["causationid"] == "evt-1"
    assert event["correlationid"] == "corr-9"


def test_a_round_without_an_others_figure_measures_nothing():
    store = MemoryEventStore()
    plan_in(store)
    assert measure(store, round_closed(None)) == 0


def test_other_events_and_unknown_engagements_are_ignored():
    store = MemoryEventStore()
    other = round_closed(3.0) | {"type": "mastery.assessment.RaterInvited.v1"}
    assert measure(store, other) == 0
    assert measure(store, round_closed(3.0)) == 0
    assert store.unpublished() == []


def test_manual_kpis_and_kpis_off_the_rounds_scale_are_not_measured():
    store = MemoryEventStore()
    plan = KpiPlan("kpi-plan-e1")
    plan.propose("manual", behavioural("listening", 50, "manual"), ALIGNED_ON)
    off_scale = dataclasses.replace(behavioural("listening", 50), name="Pulse", baseline=-1.0,
                                    target=2.0)  # fmt: skip
    plan.propose("pulse", off_scale, ALIGNED_ON)
    plan.approve("manual", ALIGNED_ON, {}, ALIGNED_ON)
    plan.approve("pulse", ALIGNED_ON, {}, ALIGNED_ON)
    Repository(store, KpiPlan, PROTECTION).save(plan, EventContext("acme", "m1", "k"))
    assert measure(store, round_closed(3.2)) == 0


def _source_after(closed: dict) -> Any:
    store = MemoryEventStore()
    plan_in(store)
    measure(store, closed)
    [measurement] = (
        Repository(store, KpiPlan, PROTECTION)
        .get("acme", "kpi-plan-e1")
        .kpis["listen"]
        .measurements
    )
    return measurement.source


def test_a_round_not_shared_with_the_manager_measures_for_everyone_but_the_manager():
    assert not _source_after(round_closed(3.2, shared=True)).withheld_from_manager()
    assert _source_after(round_closed(3.2, shared=False)).withheld_from_manager()
    v1 = round_closed(3.2) | {"type": "mastery.assessment.FeedbackRoundClosed.v1"}
    v1["data"] = {k: v for k, v in v1["data"].items() if k != "results_visible_to_manager"}
    assert _source_after(v1).withheld_from_manager()  # a v1 closing did not say


def test_a_v1_measurement_is_upcast_withheld_when_it_came_from_a_round():
    manual = {"source": {"kind": "manual", "round_id": None}}
    from_round = {"source": {"kind": "round", "round_id": "r7"}}
    assert upcast_measurement_v1(manual)["source"]["shared_with_manager"] is True
    assert upcast_measurement_v1(from_round)["source"]["shared_with_manager"] is False
