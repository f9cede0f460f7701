"""The KPI chart's axes: where a date and a value land in its plotting area, and the grid
lines and labels of both axes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.reporting.domain.charts.labels import MONTHS, day_label, esc, number, parse_day
from services.reporting.domain.charts.svg import Box, ticks

# The KPI chart's geometry, in viewBox units (it scales to its container's width).
KPI_WIDTH, KPI_HEIGHT = 480, 200
KPI_PLOT = Box(left=40, top=22, right=468, bottom=168)


@dataclass(frozen=True)
class KpiScale:
    """Where a date and a value land in the KPI chart's plotting area."""

    start: date
    end: date
    low: float
    high: float
    box: Box = KPI_PLOT

    def x(self, day: date) -> float:
        span = max((self.end - self.start).days, 1)
        return self.box.left + (day - self.start).days / span * (self.box.right - self.box.left)

    def y(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        return self.box.bottom - share * (self.box.bottom - self.box.top)


def kpi_scale(kpi: Mapping[str, Any]) -> KpiScale | None:
    """The scale of a KPI's chart: baseline date to due date (widened to take in every
    measurement), and every value the chart shows. None before the KPI has a baseline date."""
    definition = kpi.get("definition") or {}
    start, end = parse_day(kpi.get("baseline_on")), parse_day(definition.get("due_on"))
    baseline, target = definition.get("baseline"), definition.get("target")
    if start is None or end is None or baseline is None or target is None:
        return None
    measured = measurements(kpi)
    days = [measured_on(m) for m in measured]
    start, end = min([start, *days]), max([end, *days])
    if end <= start:
        end = start + timedelta(days=1)
    values = [float(baseline), float(target), *(float(m["value"]) for m in measured)]
    tolerance = float(definition.get("tolerance") or 0)
    if definition.get("direction") == "maintain" and tolerance:
        values += [float(target) - tolerance, float(target) + tolerance]
    low, high = _value_range(values)
    return KpiScale(start, end, low, high)


def measurements(kpi: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The KPI's measurements a chart can place (a date and a number), oldest first."""
    found = [
        m
        for m in kpi.get("measurements") or []
        if parse_day(m.get("measured_on")) and isinstance(m.get("value"), int | float)
    ]
    return sorted(found, key=lambda m: str(m["measured_on"]))


def measured_on(measurement: Mapping[str, Any]) -> date:
    """The date of a measurement that `measurements` kept."""
    found = parse_day(measurement["measured_on"])
    assert found is not None  # measurements keeps parseable dates only
    return found


def _value_range(values: Sequence[float]) -> tuple[float, float]:
    """The y range: every value, with a tenth of the span spare on both sides."""
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 if high > low else max(abs(low) * 0.1, 1.0)
    return low - pad, high + pad


def value_grid(scale: KpiScale) -> list[str]:
    """A labelled line at each round value of the y axis."""
    box, parts = scale.box, []
    for value in ticks(scale.low, scale.high):
        y = scale.y(value)
        parts.append(
            f'<line class="grid" x1="{box.left}" y1="{y:.1f}" x2="{box.right}" y2="{y:.1f}" '
            f'stroke="#d0d7de" stroke-width="0.5"/>'
            f'<text x="{box.left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#57606a">'
            f"{esc(number(value))}</text>"
        )
    return parts


def month_grid(scale: KpiScale) -> list[str]:
    """A tick at the first of each month, the start and due dates labelled at the ends."""
    box, parts = scale.box, []
    month = date(scale.start.year, scale.start.month, 1)
    while month <= scale.end:
        if month > scale.start:
            x = scale.x(month)
            parts.append(
                f'<line class="grid" x1="{x:.1f}" y1="{box.top}" x2="{x:.1f}" y2="{box.bottom}" '
                f'stroke="#d0d7de" stroke-width="0.5"/>'
                f'<text x="{x:.1f}" y="{box.bottom + 13}" text-anchor="middle" fill="#57606a">'
                f"{MONTHS[month.month - 1]}</text>"
            )
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    parts.append(
        f'<text x="{box.left}" y="{box.bottom + 26}" fill="#24292f">'
        f"{esc(day_label(scale.start, True))}</text>"
        f'<text x="{box.right}" y="{box.bottom + 26}" text-anchor="end" fill="#24292f">'
        f"due {esc(day_label(scale.end, True))}</text>"
    )
    return parts
