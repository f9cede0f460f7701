"""KPI status at a measurement, judged against linear expected progress to the target.

Increase and decrease KPIs are ``achieved`` once the value reaches the target in the
direction of travel. Otherwise the expected value moves in a straight line from the
baseline (on its date) to the target (on the due date), clamped at both ends, and the
shortfall is how far the value lags that expectation as a fraction of the whole
baseline-to-target distance: ``on_track`` below ``on_track_below``, ``at_risk`` up to and
including ``at_risk_up_to``, ``off_track`` beyond. Being ahead gives a negative shortfall.

Maintain KPIs are judged against the target alone: within ``tolerance`` of it is
``on_track`` (``achieved`` on or after the due date), within twice the tolerance is
``at_risk``, further away is ``off_track``; with a tolerance of 0 any deviation is
``off_track``.

Numbers are compared as exact fractions of their decimal form, so a value that sits
exactly on a boundary always falls on the same side of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from fractions import Fraction

from shared.domain.errors import InvalidCommand


class Direction(StrEnum):
    """Which way a KPI should move from its baseline."""

    INCREASE = "increase"
    DECREASE = "decrease"
    MAINTAIN = "maintain"


class Status(StrEnum):
    """How a KPI stands at a measurement."""

    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"


_DIRECTION_NAMES = frozenset(d.value for d in Direction)


def _exact(value: object, label: str) -> Fraction:
    """The number as an exact fraction of its decimal form, or InvalidCommand."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidCommand(f"{label} must be a number, got {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidCommand(f"{label} must be finite, got {value!r}")
        return Fraction(repr(value))
    try:
        float(value)
    except OverflowError:
        raise InvalidCommand(f"{label} is too large") from None
    return Fraction(value)


def _check_date(value: object, label: str) -> date:
    """The calendar date itself, or InvalidCommand if it is not one."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidCommand(f"{label} must be a calendar date, got {value!r}")
    return value


@dataclass(frozen=True)
class StatusThresholds:
    """Shortfall fractions that separate on_track, at_risk and off_track."""

    on_track_below: float = 0.165
    at_risk_up_to: float = 0.33

    def __post_init__(self) -> None:
        low, high = self.bounds()
        if not 0 < low <= high:
            raise InvalidCommand("thresholds need 0 < on_track_below <= at_risk_up_to")

    def bounds(self) -> tuple[Fraction, Fraction]:
        """The two thresholds as exact fractions."""
        return (
            _exact(self.on_track_below, "on_track_below"),
            _exact(self.at_risk_up_to, "at_risk_up_to"),
        )


DEFAULT_THRESHOLDS = StatusThresholds()


@dataclass(frozen=True)
class Trajectory:
    """A KPI's agreed path: baseline at alignment, target at the due date."""

    direction: Direction
    baseline: float
    target: float
    baseline_on: date
    due_on: date
    tolerance: float = 0

    def __post_init__(self) -> None:
        if not isinstance(self.direction, str) or self.direction not in _DIRECTION_NAMES:
            raise InvalidCommand(f"unknown direction {self.direction!r}")
        object.__setattr__(self, "direction", Direction(self.direction))
        self._check_values()
        self._check_dates()

    def _check_values(self) -> None:
        """Numbers are finite and the target lies in the direction of travel."""
        baseline, target = _exact(self.baseline, "baseline"), _exact(self.target, "target")
        tolerance = _exact(self.tolerance, "tolerance")
        if tolerance < 0:
            raise InvalidCommand("tolerance must not be negative")
        if self.direction is Direction.MAINTAIN:
            return
        if tolerance != 0:
            raise InvalidCommand("only a maintain KPI has a tolerance")
        if self.direction is Direction.INCREASE and target <= baseline:
            raise InvalidCommand("an increase KPI needs a target above its baseline")
        if self.direction is Direction.DECREASE and target >= baseline:
            raise InvalidCommand("a decrease KPI needs a target below its baseline")

    def _check_dates(self) -> None:
        """Both dates are calendar dates and the due date comes after the baseline's."""
        baseline_on = _check_date(self.baseline_on, "baseline_on")
        due_on = _check_date(self.due_on, "due_on")
        if due_on <= baseline_on:
            raise InvalidCommand("the due date must come after the baseline date")


@dataclass(frozen=True)
class Assessment:
    """A KPI's status at one measurement; shortfall is None for maintain KPIs."""

    status: Status
    expected: float
    shortfall: float | None

    def to_data(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"status": self.status.value, "expected": self.expected, "shortfall": self.shortfall}


def _elapsed(trajectory: Trajectory, on: date) -> Fraction:
    """Fraction of the baseline-to-due period gone by on that date, clamped to [0, 1]."""
    total = (trajectory.due_on - trajectory.baseline_on).days
    gone = (_check_date(on, "measured_on") - trajectory.baseline_on).days
    return min(max(Fraction(gone, total), Fraction(0)), Fraction(1))


def _expected(trajectory: Trajectory, on: date) -> Fraction:
    """The exact value expected on that date; a maintain KPI expects its target throughout."""
    baseline, target = _exact(trajectory.baseline, "baseline"), _exact(trajectory.target, "target")
    if trajectory.direction is Direction.MAINTAIN:
        return target
    return baseline + (target - baseline) * _elapsed(trajectory, on)


def expected_at(trajectory: Trajectory, on: date) -> float:
    """The value expected on that date along the straight line from baseline to target."""
    return float(_expected(trajectory, on))


def _grade(shortfall: Fraction, thresholds: StatusThresholds) -> Status:
    """on_track, at_risk or off_track for a shortfall of the baseline-to-target distance."""
    on_track_below, at_risk_up_to = thresholds.bounds()
    if shortfall < on_track_below:
        return Status.ON_TRACK
    if shortfall <= at_risk_up_to:
        return Status.AT_RISK
    return Status.OFF_TRACK


def _assess_maintain(trajectory: Trajectory, value: Fraction, measured_on: date) -> Assessment:
    """Status of a maintain KPI from the value's distance to the target."""
    target = _exact(trajectory.target, "target")
    tolerance = _exact(trajectory.tolerance, "tolerance")
    deviation = abs(value - target)
    if deviation <= tolerance:
        due = _check_date(measured_on, "measured_on") >= trajectory.due_on
        status = Status.ACHIEVED if due else Status.ON_TRACK
    else:
        status = Status.AT_RISK if deviation <= 2 * tolerance else Status.OFF_TRACK
    return Assessment(status, float(target), None)


def assess(
    trajectory: Trajectory,
    value: float,
    measured_on: date,
    thresholds: StatusThresholds = DEFAULT_THRESHOLDS,
) -> Assessment:
    """The KPI's status when it measured value on measured_on."""
    exact_value = _exact(value, "value")
    if trajectory.direction is Direction.MAINTAIN:
        return _assess_maintain(trajectory, exact_value, measured_on)
    baseline, target = _exact(trajectory.baseline, "baseline"), _exact(trajectory.target, "target")
    expected = _expected(trajectory, measured_on)
    shortfall = (expected - exact_value) / (target - baseline)
    met = (
        exact_value >= target
        if trajectory.direction is Direction.INCREASE
        else exact_value <= target
    )
    status = Status.ACHIEVED if met else _grade(shortfall, thresholds)
    return Assessment(status, float(expected), float(shortfall))
