import dataclasses
from datetime import date

import pytest

from services.kpi.domain.kpi_events import (
    KpiAligned,
    KpiDefinition,
    KpiRevised,
    MeasurementSource,
    Person,
)
from services.kpi.domain.kpi_plan import KpiPlan, KpiState
from services.kpi.domain.status import StatusThresholds
from shared.domain.errors import InvalidCommand, InvalidTransition, NotFound
from tests.privacy import protection

PROTECTION = protection("kpi")

JAN, FEB, MAR = date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 15)
MANUAL = MeasurementSource("manual")


def definition(name: str = "Net revenue retention", weight: int = 25, **changes) -> KpiDefinition:
    values = dict(
        name=name, description="", kind="performance", capability=None, unit="%",
        baseline=90.0, target=96.0, direction="increase", tolerance=0.0, weight=weight,
        cadence="monthly", due_on="2026-07-15",
    )  # fmt: skip
    return KpiDefinition(**(values | changes))


def plan_with(*weights: int) -> KpiPlan:
    plan = KpiPlan("kpi-plan-e1")
    for n, weight in enumerate(weights):
        plan.propose(f"k{n}", definition(f"KPI {n}", weight), JAN)
    return plan


def aligned(*weights: int) -> KpiPlan:
    plan = plan_with(*weights)
    for n in range(len(weights)):
        plan.approve(f"k{n}", JAN, {}, JAN)
    plan.pending.clear()
    return plan


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "behavioural"},
        {"kind": "behavioural", "capability": "charisma"},
        {"kind": "strategic"},
        {"weight": 0},
        {"weight": 101},
        {"target": 80.0},
        {"direction": "sideways"},
        {"due_on": "2026-01-01"},
        {"due_on": "someday"},
        {"cadence": "hourly"},
        {"name": "  "},
    ],
)
def test_malformed_kpis_are_refused(changes):
    with pytest.raises(InvalidCommand):
        plan_with().propose("k1", definition(**changes), JAN)


def test_a_behavioural_kpi_names_a_capability():
    plan = plan_with()
    plan.propose("k1", definition(kind="behavioural", capability="listening"), JAN)
    assert plan.kpis["k1"].state is KpiState.PROPOSED


def test_sent_back_kpis_are_revised_and_reproposed_before_alignment():
    plan = plan_with(100)
    with pytest.raises(InvalidCommand):
        plan.send_back("k0", " ")
    plan.send_back("k0", "Too ambitious for Q1")
    with pytest.raises(InvalidTransition):
        plan.approve("k0", JAN, {}, JAN)
    plan.repropose("k0", {"target": 94.0}, JAN)
    assert plan.kpis["k0"].definition.target == 94.0
    plan.approve("k0", FEB, {}, FEB)
    assert plan.kpis["k0"].state is KpiState.ALIGNED
    assert plan.pending[-1] == KpiAligned("e1", "k0", 90.0, "2026-02-15", 100, "KPI 0")


def test_weights_must_sum_to_100_once_everything_is_aligned():
    plan = plan_with(50, 40)
    plan.approve("k0", JAN, {}, JAN)
    with pytest.raises(InvalidCommand, match="sum to 90"):
        plan.approve("k1", JAN, {}, JAN)
    plan.approve("k1", JAN, {"k0": 60}, JAN)
    assert [k.definition.weight for k in plan.live()] == [60, 40]


def test_retiring_a_kpi_needs_a_reason_and_new_weights():
    plan = aligned(50, 50)
    with pytest.raises(InvalidCommand):
        plan.retire("k1", None, "", {"k0": 100})
    with pytest.raises(InvalidCommand, match="sum to 50"):
        plan.retire("k1", None, "merged into k0", {})
    plan = aligned(50, 50)
    plan.retire("k1", None, "merged into k0", {"k0": 100})
    assert plan.kpis["k1"].state is KpiState.RETIRED


def test_a_revision_records_every_field_before_and_after():
    plan = aligned(100)
    plan.hold_review("r1", FEB, (Person("m1", "Dana"),), FEB)
    plan.revise("k0", {"target": 95.0, "name": "NRR"}, "r1", "market expansion")
    event = plan.pending[-1]
    assert isinstance(event, KpiRevised) and event.review_id == "r1"
    assert {(c.field, c.before, c.after) for c in event.changes} == {
        ("target", 96.0, 95.0), ("name", "KPI 0", "NRR")
    }  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "reason", "error"),
    [
        ({"target": 95.0}, "", InvalidCommand),
        ({"baseline": 80.0}, "rebase", InvalidCommand),
        ({"target": 96.0}, "same", InvalidCommand),
        ({"weight": 60}, "heavier", InvalidCommand),
    ],
    ids=["no-reason", "baseline-is-fixed", "no-change", "weights-off-100"],
)
def test_refused_revisions(changes, reason, error):
    plan = aligned(100)
    with pytest.raises(error):
        plan.revise("k0", changes, None, reason)


def test_measurements_are_graded_and_only_for_aligned_kpis():
    plan = aligned(100)
    plan.propose("k9", definition("Pending", 10), JAN)
    thresholds = StatusThresholds()
    plan.measure("k0", "m1", 91.0, MAR, "CRM export", None, MANUAL, MAR, thresholds)
    recorded = plan.pending[-1]
    assert recorded.status == "on_track" and recorded.expected == pytest.approx(91.96, abs=0.01)
    with pytest.raises(InvalidTransition):
        plan.measure("k9", "m2", 1.0, MAR, "", None, MANUAL, MAR, thresholds)
    with pytest.raises(NotFound):
        plan.measure("nope", "m3", 1.0, MAR, "", None, MANUAL, MAR, thresholds)
    with pytest.raises(InvalidCommand):
        plan.measure("k0", "m4", 91.0, date(2026, 1, 1), "", None, MANUAL, MAR, thresholds)
    with pytest.raises(InvalidCommand):
        plan.measure("k0", "m5", 91.0, date(2026, 4, 1), "", None, MANUAL, MAR, thresholds)
    with pytest.raises(InvalidTransition):
        plan.measure("k0", "m1", 91.0, MAR, "", None, MANUAL, MAR, thresholds)
    with pytest.raises(NotFound):
        plan.measure("k0", "m6", 91.0, MAR, "", "no-review", MANUAL, MAR, thresholds)


def test_a_retired_kpi_takes_no_measurement():
    plan = aligned(50, 50)
    plan.retire("k1", None, "dropped", {"k0": 100})
    with pytest.raises(InvalidTransition):
        plan.measure("k1", "m1", 1.0, MAR, "", None, MANUAL, MAR, StatusThresholds())


def test_reviews_are_never_in_the_future_and_have_attendees():
    plan = aligned(100)
    with pytest.raises(InvalidCommand):
        plan.hold_review("r1", date(2026, 4, 1), (Person("m1", "Dana"),), MAR)
    with pytest.raises(InvalidCommand):
        plan.hold_review("r1", MAR, (), MAR)


def test_replaying_the_plan_restores_it():
    from shared.events.envelope import EventContext
    from shared.eventstore.memory_event_store import MemoryEventStore
    from shared.eventstore.repository import Repository

    store = MemoryEventStore()
    repo = Repository(store, KpiPlan, PROTECTION)
    plan = plan_with(100)
    plan.approve("k0", JAN, {}, JAN)
    plan.measure("k0", "m1", 92.0, MAR, "", None, MANUAL, MAR, StatusThresholds())
    repo.save(plan, EventContext("acme", "m1", "corr"))
    loaded = repo.get("acme", "kpi-plan-e1")
    assert dataclasses.asdict(loaded.kpis["k0"]) == dataclasses.asdict(plan.kpis["k0"])
