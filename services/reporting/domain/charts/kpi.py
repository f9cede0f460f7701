"""A KPI's trajectory chart: the expected line from baseline to target, the target line,
the measurements coloured by status, a marker at today."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from services.reporting.domain.charts.kpi_axes import (
    KPI_HEIGHT,
    KPI_WIDTH,
    KpiScale,
    kpi_scale,
    measured_on,
    measurements,
    month_grid,
    value_grid,
)
from services.reporting.domain.charts.labels import (
    NO_STATUS_COLOUR,
    day_label,
    esc,
    number,
    parse_day,
    status_colour,
    status_label,
)
from services.reporting.domain.charts.svg import pt, safe_id, svg_open

TARGET_COLOUR = "#1a7f37"
TODAY_COLOUR = "#8250df"


def kpi_title(kpi: Mapping[str, Any]) -> str:
    """One sentence: where the KPI stands (the chart's accessible name)."""
    definition = kpi.get("definition") or {}
    name, unit = definition.get("name") or "KPI", definition.get("unit") or ""
    target = f"target {number(definition.get('target'))} {unit}".rstrip()
    due = parse_day(definition.get("due_on"))
    by = f" by {day_label(due, True)}" if due else ""
    latest = kpi.get("latest")
    if not latest:
        return f"{name}: not measured yet; {target}{by}"
    measured = parse_day(latest.get("measured_on"))
    on = f" on {day_label(measured, True)}" if measured else ""
    value = f"{number(latest.get('value'))} {unit}".rstrip()
    return f"{name}: {value}{on}, {status_label(latest.get('status'))}; {target}{by}"


def kpi_chart(kpi: Mapping[str, Any], today: date, chart_id: str = "") -> str:
    """A KPI's trajectory: dates from the baseline date to the due date across; the expected
    line from baseline to target (a maintain KPI expects its target throughout, within its
    tolerance band); the target line; the measurements as a polyline with points coloured by
    status; a marker at today."""
    unit = str((kpi.get("definition") or {}).get("unit") or "")
    chart_id = safe_id(chart_id or f"kpi-{kpi.get('_id') or kpi.get('kpi_id') or ''}")
    measured = measurements(kpi)
    desc = _describe(measured, unit) or "No measurements yet."
    parts = [svg_open(KPI_WIDTH, KPI_HEIGHT, chart_id, "chart kpi-chart", kpi_title(kpi), desc)]
    scale = kpi_scale(kpi)
    if scale is None:
        parts.append(
            f'<text x="{KPI_WIDTH / 2}" y="{KPI_HEIGHT / 2}" text-anchor="middle" '
            f'fill="{NO_STATUS_COLOUR}">Trajectory shown once the KPI is aligned</text></svg>'
        )
        return "".join(parts)
    parts += _background(kpi, scale)
    parts += _plan(kpi, scale, unit, today)
    parts += _measured(measured, scale, unit)
    parts.append("</svg>")
    return "".join(parts)


def _describe(measured: Sequence[Mapping[str, Any]], unit: str) -> str:
    """Every measurement in words (the chart's description)."""
    return "; ".join(
        f"{m['measured_on']}: {number(m['value'])} {unit} ({status_label(m.get('status'))},"
        f" expected {number(m.get('expected'))})"
        for m in measured
    )


def _background(kpi: Mapping[str, Any], scale: KpiScale) -> list[str]:
    """The plotting area, both axes' grids, and a maintain KPI's tolerance band."""
    box, definition = scale.box, kpi["definition"]
    parts = [
        f'<rect class="plot" x="{box.left}" y="{box.top}" width="{box.right - box.left}" '
        f'height="{box.bottom - box.top}" fill="#f6f8fa"/>',
        *value_grid(scale),
        *month_grid(scale),
    ]
    target, tolerance = float(definition["target"]), float(definition.get("tolerance") or 0)
    if definition.get("direction") == "maintain" and tolerance:
        top, bottom = scale.y(target + tolerance), scale.y(target - tolerance)
        parts.append(
            f'<rect class="tolerance" x="{box.left}" y="{top:.1f}" '
            f'width="{box.right - box.left}" height="{bottom - top:.1f}" fill="#dafbe1"/>'
        )
    return parts


def _plan(kpi: Mapping[str, Any], scale: KpiScale, unit: str, today: date) -> list[str]:
    """The target line, the expected progress from the baseline date to the due date, the
    baseline point, and today's marker while the KPI runs."""
    box, definition = scale.box, kpi["definition"]
    baseline, target = float(definition["baseline"]), float(definition["target"])
    start, end = parse_day(kpi["baseline_on"]), parse_day(definition["due_on"])
    assert start is not None and end is not None  # kpi_scale checked them
    first = target if definition.get("direction") == "maintain" else baseline
    near_top = scale.y(target) - box.top < 16  # then its label goes under the target line
    parts = [
        f'<line class="target" x1="{box.left}" y1="{scale.y(target):.1f}" x2="{box.right}" '
        f'y2="{scale.y(target):.1f}" stroke="{TARGET_COLOUR}" stroke-width="1.5"/>'
        f'<text x="{box.left + 6}" y="{scale.y(target) + (13 if near_top else -5):.1f}" '
        f'fill="{TARGET_COLOUR}" font-weight="600">'
        f"target {esc(number(target))}{esc(' ' + unit if unit else '')}</text>",
        f'<line class="expected" x1="{scale.x(start):.1f}" y1="{scale.y(first):.1f}" '
        f'x2="{scale.x(end):.1f}" y2="{scale.y(target):.1f}" stroke="#57606a" '
        f'stroke-width="1.5" stroke-dasharray="6 4"><title>expected progress</title></line>',
        f'<circle class="baseline" cx="{scale.x(start):.1f}" cy="{scale.y(baseline):.1f}" r="3.5"'
        f' fill="#ffffff" stroke="#57606a" stroke-width="1.5"><title>baseline '
        f"{esc(number(baseline))} {esc(unit)} on {esc(day_label(start, True))}</title></circle>",
    ]
    if start <= today <= scale.end:
        x = scale.x(today)
        parts.append(
            f'<line class="today" x1="{x:.1f}" y1="{box.top - 4}" x2="{x:.1f}" y2="{box.bottom}"'
            f' stroke="{TODAY_COLOUR}" stroke-width="1" stroke-dasharray="2 2"/>'
            f'<text x="{x:.1f}" y="{box.top - 8}" text-anchor="middle" fill="{TODAY_COLOUR}">'
            "today</text>"
        )
    return parts


def _measured(measured: Sequence[Mapping[str, Any]], scale: KpiScale, unit: str) -> list[str]:
    """The measurements as a line, each a point coloured by its status."""
    if not measured:
        return []
    points = " ".join(pt(scale.x(measured_on(m)), scale.y(float(m["value"]))) for m in measured)
    return [
        f'<polyline class="measured" points="{points}" fill="none" stroke="#24292f" '
        f'stroke-width="2" stroke-linejoin="round"/>',
        *(_point(scale, m, unit) for m in measured),
    ]


def _point(scale: KpiScale, measurement: Mapping[str, Any], unit: str) -> str:
    day, status = measured_on(measurement), measurement.get("status")
    source = measurement.get("source") or {}
    via = " (from a feedback round)" if source.get("kind") == "round" else ""
    label = (
        f"{day_label(day, True)}: {number(measurement['value'])} {unit}, {status_label(status)}"
        f" (expected {number(measurement.get('expected'))}){via}"
    )
    return (
        f'<circle class="point status-{esc(status or "none")}" '
        f'cx="{scale.x(day):.1f}" cy="{scale.y(float(measurement["value"])):.1f}" r="4.5" '
        f'fill="{status_colour(status)}" stroke="#ffffff" stroke-width="1.5">'
        f"<title>{esc(label)}</title></circle>"
    )
