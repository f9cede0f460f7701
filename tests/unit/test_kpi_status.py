import json
from dataclasses import FrozenInstanceError
from datetime import date, datetime, timedelta

import pytest

from services.kpi.domain.status import (
    Assessment,
    Direction,
    Status,
    StatusThresholds,
    Trajectory,
    assess,
    expected_at,
)
from shared.domain.errors import InvalidCommand

BASE = date(2025, 1, 1)
DUE = BASE + timedelta(days=100)
HALF = BASE + timedelta(days=50)


def day(n: int) -> date:
    return BASE + timedelta(days=n)


def increase(baseline: float = 0, target: float = 100) -> Trajectory:
    return Trajectory(Direction.INCREASE, baseline, target, BASE, DUE)


def decrease(baseline: float = 100, target: float = 0) -> Trajectory:
    return Trajectory(Direction.DECREASE, baseline, target, BASE, DUE)


def maintain(target: float = 50, tolerance: float = 2, baseline: float = 50) -> Trajectory:
    return Trajectory(Direction.MAINTAIN, baseline, target, BASE, DUE, tolerance)


# --- expected progress ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "expected"),
    [(BASE, 0), (day(25), 25), (HALF, 50), (day(75), 75), (DUE, 100)],
)
def test_expected_value_moves_in_a_straight_line_from_baseline_to_target(on, expected):
    assert expected_at(increase(), on) == expected


def test_expected_value_falls_in_a_straight_line_for_a_decrease():
    assert expected_at(decrease(), day(25)) == 75


def test_expected_value_uses_the_exact_fraction_of_days_elapsed():
    trajectory = Trajectory(Direction.INCREASE, 0, 3, BASE, day(3))
    assert expected_at(trajectory, day(1)) == 1.0


def test_before_the_baseline_date_the_baseline_is_expected():
    assert expected_at(increase(10, 20), day(-30)) == 10


def test_after_the_due_date_the_target_is_expected():
    assert expected_at(increase(10, 20), day(400)) == 20


def test_a_maintain_kpi_expects_its_target_throughout():
    assert expected_at(maintain(target=50, baseline=40), BASE) == 50


# --- increase and decrease: boundaries -----------------------------------------------------

# At HALF, increase 0->100 and decrease 100->0 both expect 50; the distance is 100.
BOUNDARIES = [
    pytest.param(33.5, 66.5, Status.AT_RISK, id="exactly-16.5%-behind-is-at-risk"),
    pytest.param(33.51, 66.49, Status.ON_TRACK, id="just-under-16.5%-behind-is-on-track"),
    pytest.param(17, 83, Status.AT_RISK, id="exactly-33%-behind-is-at-risk"),
    pytest.param(16.99, 83.01, Status.OFF_TRACK, id="just-over-33%-behind-is-off-track"),
    pytest.param(50, 50, Status.ON_TRACK, id="exactly-on-schedule-is-on-track"),
    pytest.param(0, 100, Status.OFF_TRACK, id="no-progress-at-halfway-is-off-track"),
]


@pytest.mark.parametrize(("up", "down", "status"), BOUNDARIES)
def test_an_increase_is_graded_by_its_shortfall(up, down, status):
    assert assess(increase(), up, HALF).status is status


@pytest.mark.parametrize(("up", "down", "status"), BOUNDARIES)
def test_a_decrease_is_graded_by_its_shortfall(up, down, status):
    assert assess(decrease(), down, HALF).status is status


def test_shortfall_is_the_lag_as_a_fraction_of_the_whole_distance():
    assessment = assess(increase(), 33.5, HALF)
    assert assessment == Assessment(Status.AT_RISK, 50.0, 0.165)


def test_a_decrease_shortfall_is_measured_downwards():
    assessment = assess(decrease(), 83, HALF)
    assert assessment == Assessment(Status.AT_RISK, 50.0, 0.33)


def test_a_decimal_value_exactly_on_the_on_track_boundary_is_at_risk():
    # in binary floating point this shortfall comes out as 0.16499999999999998
    assessment = assess(increase(0, 1.0), 0.335, HALF)
    assert assessment.status is Status.AT_RISK
    assert assessment.shortfall == 0.165


def test_a_decimal_value_exactly_on_the_at_risk_boundary_is_at_risk():
    # in binary floating point this shortfall comes out as 0.33000000000000007
    assessment = assess(decrease(3.0, 0), 2.49, HALF)
    assert assessment.status is Status.AT_RISK
    assert assessment.shortfall == 0.33


def test_ahead_of_schedule_an_increase_is_on_track_with_a_negative_shortfall():
    assessment = assess(increase(), 60, HALF)
    assert (assessment.status, assessment.shortfall) == (Status.ON_TRACK, -0.1)


def test_ahead_of_schedule_a_decrease_is_on_track_with_a_negative_shortfall():
    assessment = assess(decrease(), 40, HALF)
    assert (assessment.status, assessment.shortfall) == (Status.ON_TRACK, -0.1)


# --- achieved -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [100, 100.0, 120])
def test_an_increase_reaching_or_passing_its_target_is_achieved(value):
    assert assess(increase(), value, HALF).status is Status.ACHIEVED


@pytest.mark.parametrize("value", [0, 0.0, -5])
def test_a_decrease_reaching_or_going_below_its_target_is_achieved(value):
    assert assess(decrease(), value, HALF).status is Status.ACHIEVED


def test_an_increase_just_short_of_its_target_at_the_due_date_is_not_achieved():
    assert assess(increase(), 99.99, DUE).status is Status.ON_TRACK


def test_a_target_met_before_the_baseline_date_is_achieved():
    assert assess(increase(), 100, day(-1)).status is Status.ACHIEVED


def test_an_achieved_assessment_still_reports_the_expectation():
    assessment = assess(increase(), 120, HALF)
    assert (assessment.expected, assessment.shortfall) == (50.0, -0.7)


# --- clamping -------------------------------------------------------------------------------


def test_before_the_baseline_date_a_value_at_the_baseline_is_on_track():
    assessment = assess(increase(), 0, day(-10))
    assert assessment == Assessment(Status.ON_TRACK, 0.0, 0.0)


def test_before_the_baseline_date_a_value_below_the_baseline_is_behind():
    assert assess(increase(), -20, day(-10)).status is Status.AT_RISK


@pytest.mark.parametrize(
    ("value", "status"),
    [(90, Status.ON_TRACK), (80, Status.AT_RISK), (60, Status.OFF_TRACK)],
)
def test_after_the_due_date_the_value_is_judged_against_the_target(value, status):
    assessment = assess(increase(), value, day(365))
    assert (assessment.status, assessment.expected) == (status, 100.0)


# --- maintain -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [50, 51, 49.5])
def test_a_maintain_kpi_inside_its_tolerance_is_on_track(value):
    assert assess(maintain(), value, HALF) == Assessment(Status.ON_TRACK, 50.0, None)


@pytest.mark.parametrize("value", [52, 48])
def test_a_maintain_kpi_exactly_at_its_tolerance_is_on_track(value):
    assert assess(maintain(), value, HALF).status is Status.ON_TRACK


@pytest.mark.parametrize("value", [52.01, 47.99, 54, 46])
def test_a_maintain_kpi_within_twice_its_tolerance_is_at_risk(value):
    assert assess(maintain(), value, HALF).status is Status.AT_RISK


@pytest.mark.parametrize("value", [54.01, 45.99, 0])
def test_a_maintain_kpi_beyond_twice_its_tolerance_is_off_track(value):
    assert assess(maintain(), value, HALF).status is Status.OFF_TRACK


def test_a_decimal_value_exactly_at_the_tolerance_is_on_track():
    # in binary floating point |0.4 - 0.1| comes out as 0.30000000000000004
    assert assess(maintain(0.1, 0.3, 0.1), 0.4, HALF).status is Status.ON_TRACK


def test_a_decimal_value_exactly_at_twice_the_tolerance_is_at_risk():
    # in binary floating point |-1.1 - 0.1| comes out as 1.2000000000000002
    assert assess(maintain(0.1, 0.6, 0.1), -1.1, HALF).status is Status.AT_RISK


@pytest.mark.parametrize("on", [DUE, day(200)])
def test_a_maintain_kpi_inside_its_tolerance_on_or_after_the_due_date_is_achieved(on):
    assert assess(maintain(), 51, on).status is Status.ACHIEVED


def test_a_maintain_kpi_inside_its_tolerance_the_day_before_the_due_date_is_on_track():
    assert assess(maintain(), 51, day(99)).status is Status.ON_TRACK


def test_a_maintain_kpi_outside_its_tolerance_at_the_due_date_is_not_achieved():
    assert assess(maintain(), 53, DUE).status is Status.AT_RISK


def test_with_no_tolerance_a_maintain_kpi_exactly_on_target_is_on_track_then_achieved():
    assert assess(maintain(tolerance=0), 50, HALF).status is Status.ON_TRACK
    assert assess(maintain(tolerance=0), 50, DUE).status is Status.ACHIEVED


@pytest.mark.parametrize("value", [50.001, 49.999])
def test_with_no_tolerance_any_deviation_is_off_track(value):
    assert assess(maintain(tolerance=0), value, HALF).status is Status.OFF_TRACK


def test_a_maintain_kpi_is_judged_against_its_target_not_its_baseline():
    assert assess(maintain(target=50, baseline=40), 40, BASE).status is Status.OFF_TRACK


def test_a_maintain_kpi_ignores_the_shortfall_thresholds():
    thresholds = StatusThresholds(0.01, 0.02)
    assert assess(maintain(), 53, HALF, thresholds).status is Status.AT_RISK


# --- thresholds -----------------------------------------------------------------------------


def test_default_thresholds_are_16_5_and_33_percent():
    assert StatusThresholds() == StatusThresholds(on_track_below=0.165, at_risk_up_to=0.33)


@pytest.mark.parametrize(
    ("value", "status"),
    [(41, Status.ON_TRACK), (40, Status.AT_RISK), (30, Status.AT_RISK), (29.9, Status.OFF_TRACK)],
)
def test_custom_thresholds_move_the_boundaries(value, status):
    thresholds = StatusThresholds(on_track_below=0.1, at_risk_up_to=0.2)
    assert assess(increase(), value, HALF, thresholds).status is status


def test_equal_thresholds_leave_at_risk_only_exactly_on_the_boundary():
    thresholds = StatusThresholds(0.2, 0.2)
    assert assess(increase(), 30, HALF, thresholds).status is Status.AT_RISK
    assert assess(increase(), 30.01, HALF, thresholds).status is Status.ON_TRACK
    assert assess(increase(), 29.99, HALF, thresholds).status is Status.OFF_TRACK


@pytest.mark.parametrize(
    ("on_track_below", "at_risk_up_to"),
    [
        (0, 0.33),
        (-0.1, 0.33),
        (0.3, 0.2),
        (float("nan"), 0.33),
        (0.165, float("inf")),
        ("0.165", 0.33),
        (True, 0.33),
    ],
)
def test_thresholds_must_be_finite_positive_and_ordered(on_track_below, at_risk_up_to):
    with pytest.raises(InvalidCommand):
        StatusThresholds(on_track_below, at_risk_up_to)


# --- invalid input --------------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["grow", "INCREASE", "", None, 1])
def test_an_unknown_direction_is_refused(direction):
    with pytest.raises(InvalidCommand, match="direction"):
        Trajectory(direction, 0, 100, BASE, DUE)


def test_a_direction_given_as_text_becomes_a_direction():
    trajectory = Trajectory("decrease", 100, 0, BASE, DUE)  # type: ignore[arg-type]
    assert trajectory.direction is Direction.DECREASE


@pytest.mark.parametrize("target", [100, 99.5])
def test_an_increase_needs_a_target_above_its_baseline(target):
    with pytest.raises(InvalidCommand, match="above"):
        increase(100, target)


@pytest.mark.parametrize("target", [100, 100.5])
def test_a_decrease_needs_a_target_below_its_baseline(target):
    with pytest.raises(InvalidCommand, match="below"):
        decrease(100, target)


def test_a_negative_tolerance_is_refused():
    with pytest.raises(InvalidCommand, match="tolerance"):
        maintain(tolerance=-0.1)


def test_only_a_maintain_kpi_takes_a_tolerance():
    with pytest.raises(InvalidCommand, match="tolerance"):
        Trajectory(Direction.INCREASE, 0, 100, BASE, DUE, tolerance=1)


@pytest.mark.parametrize("due_on", [BASE, day(-1)])
def test_the_due_date_must_come_after_the_baseline_date(due_on):
    with pytest.raises(InvalidCommand, match="due date"):
        Trajectory(Direction.INCREASE, 0, 100, BASE, due_on)


@pytest.mark.parametrize(
    "field", ["baseline", "target", "tolerance"], ids=lambda f: f"non-finite-{f}"
)
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_trajectory_numbers_are_refused(field, bad):
    numbers = {"baseline": 50.0, "target": 50.0, "tolerance": 1.0} | {field: bad}
    with pytest.raises(InvalidCommand, match="finite"):
        Trajectory(Direction.MAINTAIN, baseline_on=BASE, due_on=DUE, **numbers)


@pytest.mark.parametrize("bad", ["50", None, True, 10**400])
def test_trajectory_numbers_must_be_real_numbers(bad):
    with pytest.raises(InvalidCommand, match="baseline"):
        Trajectory(Direction.INCREASE, bad, 100, BASE, DUE)


@pytest.mark.parametrize("bad", [datetime(2025, 1, 1, 9, 0), "2025-01-01", None])
def test_trajectory_dates_must_be_calendar_dates(bad):
    with pytest.raises(InvalidCommand, match="calendar date"):
        Trajectory(Direction.INCREASE, 0, 100, bad, DUE)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf"), "60", None])
def test_a_measured_value_must_be_a_finite_number(bad):
    with pytest.raises(InvalidCommand, match="value"):
        assess(increase(), bad, HALF)


@pytest.mark.parametrize("trajectory", [increase(), maintain()], ids=["increase", "maintain"])
def test_the_measurement_date_must_be_a_calendar_date(trajectory):
    with pytest.raises(InvalidCommand, match="calendar date"):
        assess(trajectory, 50, datetime(2025, 2, 20, 12, 0))


# --- shape ----------------------------------------------------------------------------------


def test_integers_are_accepted_as_numbers():
    assert assess(increase(0, 10), 5, HALF) == Assessment(Status.ON_TRACK, 5.0, 0.0)


def test_an_assessment_reads_as_json_ready_data():
    data = assess(increase(), 33.5, HALF).to_data()
    assert data == {"status": "at_risk", "expected": 50.0, "shortfall": 0.165}
    assert json.loads(json.dumps(data)) == data


def test_a_maintain_assessment_has_no_shortfall_in_its_data():
    assert assess(maintain(), 50, HALF).to_data() == {
        "status": "on_track",
        "expected": 50.0,
        "shortfall": None,
    }


def test_trajectories_and_assessments_are_immutable():
    trajectory, assessment = increase(), assess(increase(), 50, HALF)
    with pytest.raises(FrozenInstanceError):
        trajectory.target = 200  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        assessment.status = Status.ACHIEVED  # type: ignore[misc]
