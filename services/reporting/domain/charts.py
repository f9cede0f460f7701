"""Inline SVG charts for the dashboards, as pure functions of read-model documents.

Every string that came from a person (KPI names, units, competency names) is escaped with
html.escape before it lands in the markup, and every chart is an accessible image: role="img"
with a <title> (and a <desc>) the SVG points at with aria-labelledby. Standard library only.
"""

from __future__ import annotations

import html
import math
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

STATUS_COLOURS = {
    "achieved": "#1a7f37",
    "on_track": "#2da44e",
    "at_risk": "#bf8700",
    "off_track": "#cf222e",
}
NO_STATUS_COLOUR = "#8c959f"
STATUS_LABELS = {
    "achieved": "achieved",
    "on_track": "on track",
    "at_risk": "at risk",
    "off_track": "off track",
}
BASELINE_COLOUR = "#afb8c1"
FINAL_COLOUR = "#0969da"
SELF_COLOUR = "#24292f"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Box:
    """The plotting area inside an SVG's viewBox."""

    left: float
    top: float
    right: float
    bottom: float


# The KPI chart's geometry, in viewBox units (it scales to its container's width).
KPI_WIDTH, KPI_HEIGHT = 480, 200
KPI_PLOT = Box(left=40, top=22, right=468, bottom=168)
# The 360 chart: one block of two bars per competency.
FEEDBACK_WIDTH = 640
FEEDBACK_LABEL_WIDTH = 220
FEEDBACK_VALUES = 84  # the column of figures at the right
FEEDBACK_ROW = 52
FEEDBACK_BAR = 15
FEEDBACK_TOP = 48


def esc(value: Any) -> str:
    """A value as text safe inside SVG/HTML content and attribute values."""
    return html.escape(str(value), quote=True)


def number(value: float | int | None) -> str:
    """A figure for people: at most two decimals, no trailing zeros."""
    if value is None:
        return "n/a"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def status_label(status: str | None) -> str:
    """'on track' for on_track; 'not measured' without a status."""
    return STATUS_LABELS.get(status or "", "not measured")


def status_colour(status: str | None) -> str:
    """The colour of a status (grey without one)."""
    return STATUS_COLOURS.get(status or "", NO_STATUS_COLOUR)


def day_label(day: date, with_year: bool = False) -> str:
    """8 Dec (or 8 Dec 2026)."""
    text = f"{day.day} {MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if with_year else text


def _id(text: str) -> str:
    """An XML id made of safe characters only."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", text)[:80] or "chart"


def _pt(x: float, y: float) -> str:
    return f"{x:.1f},{y:.1f}"


def _parse_day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round values between low and high, about `count` of them."""
    if high <= low:
        return [low]
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [round(first + n * step, 10) for n in range(int((high - first) / step + 1e-9) + 1)]


def _value_range(values: Sequence[float]) -> tuple[float, float]:
    """The y range: every value, with a tenth of the span spare on both sides."""
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 if high > low else max(abs(low) * 0.1, 1.0)
    return low - pad, high + pad


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
    start, end = _parse_day(kpi.get("baseline_on")), _parse_day(definition.get("due_on"))
    baseline, target = definition.get("baseline"), definition.get("target")
    if start is None or end is None or baseline is None or target is None:
        return None
    measured = _measurements(kpi)
    days = [_day(m["measured_on"]) for m in measured]
    start, end = min([start, *days]), max([end, *days])
    if end <= start:
        end = start + timedelta(days=1)
    values = [float(baseline), float(target), *(float(m["value"]) for m in measured)]
    tolerance = float(definition.get("tolerance") or 0)
    if definition.get("direction") == "maintain" and tolerance:
        values += [float(target) - tolerance, float(target) + tolerance]
    low, high = _value_range(values)
    return KpiScale(start, end, low, high)


def _measurements(kpi: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = [
        m
        for m in kpi.get("measurements") or []
        if _parse_day(m.get("measured_on")) and isinstance(m.get("value"), int | float)
    ]
    return sorted(found, key=lambda m: str(m["measured_on"]))


def _svg(width: int, height: int, chart_id: str, css_class: str, title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMidYMid meet" font-family="system-ui, sans-serif" font-size="11">'
        f'<title id="{chart_id}-title">{esc(title)}</title>'
        f'<desc id="{chart_id}-desc">{esc(desc)}</desc>'
    )


def kpi_title(kpi: Mapping[str, Any]) -> str:
    """One sentence: where the KPI stands (the chart's accessible name)."""
    definition = kpi.get("definition") or {}
    name, unit = definition.get("name") or "KPI", definition.get("unit") or ""
    target = f"target {number(definition.get('target'))} {unit}".rstrip()
    due = _parse_day(definition.get("due_on"))
    by = f" by {day_label(due, True)}" if due else ""
    latest = kpi.get("latest")
    if not latest:
        return f"{name}: not measured yet; {target}{by}"
    measured_on = _parse_day(latest.get("measured_on"))
    on = f" on {day_label(measured_on, True)}" if measured_on else ""
    value = f"{number(latest.get('value'))} {unit}".rstrip()
    return f"{name}: {value}{on}, {status_label(latest.get('status'))}; {target}{by}"


def kpi_chart(kpi: Mapping[str, Any], today: date, chart_id: str = "") -> str:
    """A KPI's trajectory: dates from the baseline date to the due date across; the expected
    line from baseline to target (a maintain KPI expects its target throughout, within its
    tolerance band); the target line; the measurements as a polyline with points coloured by
    status; a marker at today."""
    definition = kpi.get("definition") or {}
    unit = str(definition.get("unit") or "")
    chart_id = _id(chart_id or f"kpi-{kpi.get('_id') or kpi.get('kpi_id') or ''}")
    scale = kpi_scale(kpi)
    measurements = _measurements(kpi)
    desc = "; ".join(
        f"{m['measured_on']}: {number(m['value'])} {unit} ({status_label(m.get('status'))},"
        f" expected {number(m.get('expected'))})"
        for m in measurements
    )
    parts = [
        _svg(
            KPI_WIDTH,
            KPI_HEIGHT,
            chart_id,
            "chart kpi-chart",
            kpi_title(kpi),
            desc or "No measurements yet.",
        ),
    ]
    if scale is None:
        parts.append(
            f'<text x="{KPI_WIDTH / 2}" y="{KPI_HEIGHT / 2}" text-anchor="middle" '
            f'fill="{NO_STATUS_COLOUR}">Trajectory shown once the KPI is aligned</text></svg>'
        )
        return "".join(parts)
    box = scale.box
    baseline, target = float(definition["baseline"]), float(definition["target"])
    parts.append(
        f'<rect class="plot" x="{box.left}" y="{box.top}" width="{box.right - box.left}" '
        f'height="{box.bottom - box.top}" fill="#f6f8fa"/>'
    )
    parts += _value_grid(scale)
    parts += _month_grid(scale)
    tolerance = float(definition.get("tolerance") or 0)
    maintain = definition.get("direction") == "maintain"
    if maintain and tolerance:
        top, bottom = scale.y(target + tolerance), scale.y(target - tolerance)
        parts.append(
            f'<rect class="tolerance" x="{box.left}" y="{top:.1f}" '
            f'width="{box.right - box.left}" height="{bottom - top:.1f}" fill="#dafbe1"/>'
        )
    start, end = _parse_day(kpi["baseline_on"]), _parse_day(definition["due_on"])
    assert start is not None and end is not None  # kpi_scale checked them
    first = target if maintain else baseline
    near_top = scale.y(target) - box.top < 16  # then its label goes under the target line
    parts.append(
        f'<line class="target" x1="{box.left}" y1="{scale.y(target):.1f}" x2="{box.right}" '
        f'y2="{scale.y(target):.1f}" stroke="#1a7f37" stroke-width="1.5"/>'
        f'<text x="{box.left + 6}" y="{scale.y(target) + (13 if near_top else -5):.1f}" '
        f'fill="#1a7f37" font-weight="600">'
        f"target {esc(number(target))}{esc(' ' + unit if unit else '')}</text>"
    )
    parts.append(
        f'<line class="expected" x1="{scale.x(start):.1f}" y1="{scale.y(first):.1f}" '
        f'x2="{scale.x(end):.1f}" y2="{scale.y(target):.1f}" stroke="#57606a" '
        f'stroke-width="1.5" stroke-dasharray="6 4"><title>expected progress</title></line>'
    )
    parts.append(
        f'<circle class="baseline" cx="{scale.x(start):.1f}" cy="{scale.y(baseline):.1f}" r="3.5"'
        f' fill="#ffffff" stroke="#57606a" stroke-width="1.5"><title>baseline '
        f"{esc(number(baseline))} {esc(unit)} on {esc(day_label(start, True))}</title></circle>"
    )
    if start <= today <= scale.end:
        x = scale.x(today)
        parts.append(
            f'<line class="today" x1="{x:.1f}" y1="{box.top - 4}" x2="{x:.1f}" y2="{box.bottom}"'
            f' stroke="#8250df" stroke-width="1" stroke-dasharray="2 2"/>'
            f'<text x="{x:.1f}" y="{box.top - 8}" text-anchor="middle" fill="#8250df">today</text>'
        )
    if measurements:
        points = " ".join(
            _pt(scale.x(_day(m["measured_on"])), scale.y(float(m["value"]))) for m in measurements
        )
        parts.append(
            f'<polyline class="measured" points="{points}" fill="none" stroke="#24292f" '
            f'stroke-width="2" stroke-linejoin="round"/>'
        )
        parts += [_point(scale, m, unit) for m in measurements]
    parts.append("</svg>")
    return "".join(parts)


def _day(value: Any) -> date:
    found = _parse_day(value)
    assert found is not None  # _measurements keeps parseable dates only
    return found


def _point(scale: KpiScale, measurement: Mapping[str, Any], unit: str) -> str:
    day, status = _day(measurement["measured_on"]), measurement.get("status")
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


def _value_grid(scale: KpiScale) -> list[str]:
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


def _month_grid(scale: KpiScale) -> list[str]:
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


@dataclass(frozen=True)
class CompetencyPair:
    """One competency in the 360 chart: others' mean at the first and last full rounds,
    and the executive's own rating at each."""

    name: str
    baseline: float | None
    final: float | None
    self_baseline: float | None = None
    self_final: float | None = None
    flag: str | None = None  # the gap flag at the first round (blind_spot, hidden_strength)


def competency_pairs(trends: Sequence[Mapping[str, Any]]) -> list[CompetencyPair]:
    """Per competency, the first and the last full round's figures (competency_trends rows);
    with a single round there is no final."""
    pairs = []
    for trend in trends:
        rounds = trend.get("rounds") or []
        if not rounds:
            continue
        first, last = rounds[0], rounds[-1] if len(rounds) > 1 else None
        pairs.append(
            CompetencyPair(
                name=str(trend.get("name") or trend.get("competency")),
                baseline=first.get("others"),
                final=last.get("others") if last else None,
                self_baseline=first.get("self"),
                self_final=last.get("self") if last else None,
                flag=first.get("flag"),
            )
        )
    return pairs


def _wrap(text: str, width: int = 28, lines: int = 2) -> list[str]:
    wrapped = textwrap.wrap(text, width) or [""]
    if len(wrapped) > lines:
        wrapped = [
            *wrapped[: lines - 1],
            textwrap.shorten(" ".join(wrapped[lines - 1 :]), width, placeholder="…"),
        ]
    return wrapped


def feedback_chart(
    pairs: Sequence[CompetencyPair],
    minimum: float,
    maximum: float,
    labels: tuple[str, str] = ("Baseline", "Final"),
    chart_id: str = "feedback-360",
) -> str:
    """Per competency, the first and the last round's "all others" mean as two horizontal bars
    on the round's scale (from its minimum), the executive's own rating marked on each."""
    chart_id = _id(chart_id)
    height = FEEDBACK_TOP + FEEDBACK_ROW * len(pairs) + 10
    left, right = FEEDBACK_LABEL_WIDTH, FEEDBACK_WIDTH - FEEDBACK_VALUES - 22
    span = (maximum - minimum) or 1

    def x(value: float) -> float:
        return left + (min(max(value, minimum), maximum) - minimum) / span * (right - left)

    summary = "; ".join(
        f"{p.name}: others {number(p.baseline)} → {number(p.final)}, self "
        f"{number(p.self_baseline)} → {number(p.self_final)}"
        for p in pairs
    )
    title = (
        f"360 feedback, {labels[0].lower()} and {labels[1].lower()}: all others' mean per "
        f"competency on the {number(minimum)}..{number(maximum)} scale, self marked"
    )
    parts = [
        _svg(
            FEEDBACK_WIDTH,
            height,
            chart_id,
            "chart feedback-chart",
            title,
            summary or "No closed 360 round yet.",
        )
    ]
    parts.append(_legend(labels))
    for value in range(math.ceil(minimum), math.floor(maximum) + 1):
        parts.append(
            f'<line class="grid" x1="{x(value):.1f}" y1="{FEEDBACK_TOP - 8}" x2="{x(value):.1f}" '
            f'y2="{height - 10}" stroke="#d0d7de" stroke-width="0.5"/>'
            f'<text x="{x(value):.1f}" y="{FEEDBACK_TOP - 12}" text-anchor="middle" '
            f'fill="#57606a">{value}</text>'
        )
    has_final = any(p.final is not None or p.self_final is not None for p in pairs)
    for n, pair in enumerate(pairs):
        parts += _pair(pair, FEEDBACK_TOP + n * FEEDBACK_ROW, x, labels, has_final)
    parts.append("</svg>")
    return "".join(parts)


def _legend(labels: tuple[str, str]) -> str:
    return (
        f'<g class="legend"><rect x="{FEEDBACK_LABEL_WIDTH}" y="6" width="12" height="10" '
        f'fill="{BASELINE_COLOUR}"/><text x="{FEEDBACK_LABEL_WIDTH + 16}" y="15">'
        f"{esc(labels[0])} (all others)</text>"
        f'<rect x="{FEEDBACK_LABEL_WIDTH + 150}" y="6" width="12" height="10" '
        f'fill="{FINAL_COLOUR}"/><text x="{FEEDBACK_LABEL_WIDTH + 166}" y="15">'
        f"{esc(labels[1])} (all others)</text>"
        f'<path d="M{FEEDBACK_LABEL_WIDTH + 300},5 l5,6 l-5,6 l-5,-6 z" fill="{SELF_COLOUR}"/>'
        f'<text x="{FEEDBACK_LABEL_WIDTH + 309}" y="15">Self</text>'
        "</g>"
    )


def _pair(
    pair: CompetencyPair,
    top: float,
    x: Callable[[float], float],
    labels: tuple[str, str],
    has_final: bool,
) -> list[str]:
    lines = _wrap(pair.name)
    flag = {"blind_spot": "blind spot", "hidden_strength": "hidden strength"}.get(pair.flag or "")
    label = "".join(
        f'<tspan x="{FEEDBACK_LABEL_WIDTH - 10}" dy="{0 if n == 0 else 13}">{esc(line)}</tspan>'
        for n, line in enumerate(lines)
    )
    parts = [
        f'<g class="competency"><text x="{FEEDBACK_LABEL_WIDTH - 10}" y="{top + 12}" '
        f'text-anchor="end" fill="#24292f" font-weight="600">{label}</text>'
    ]
    if flag:
        parts.append(
            f'<text x="{FEEDBACK_LABEL_WIDTH - 10}" y="{top + 12 + 13 * len(lines)}" '
            f'text-anchor="end" fill="#bf8700">{esc(flag)} at {esc(labels[0].lower())}</text>'
        )
    rows = (
        ("baseline", labels[0], pair.baseline, pair.self_baseline, BASELINE_COLOUR, top),
        ("final", labels[1], pair.final, pair.self_final, FINAL_COLOUR, top + FEEDBACK_BAR + 4),
    )
    origin = x(-math.inf)  # the scale's minimum: bars grow from it
    figures = FEEDBACK_WIDTH - FEEDBACK_VALUES
    for kind, label_text, value, own, colour, y in rows[: 2 if has_final else 1]:
        width = 0.0 if value is None else x(value) - origin
        shown = "withheld" if value is None else number(value)
        delta = ""
        if kind == "final" and pair.baseline is not None and value is not None:
            change = value - pair.baseline
            sign, tone = (
                ("+", "#1a7f37") if change > 0 else ("", "#cf222e" if change else "#57606a")
            )
            delta = f' <tspan fill="{tone}" font-weight="600">{sign}{esc(number(change))}</tspan>'
        parts.append(
            f'<rect class="bar {kind}" x="{origin:.1f}" y="{y}" width="{width:.1f}" '
            f'height="{FEEDBACK_BAR}" fill="{colour}" rx="2"><title>{esc(pair.name)}, '
            f"{esc(label_text.lower())}: all others {esc(shown)}</title></rect>"
            f'<text x="{figures}" y="{y + 11.5}" fill="#24292f">{esc(shown)}{delta}</text>'
        )
        if own is not None:
            cx, cy = x(own), y + FEEDBACK_BAR / 2
            parts.append(
                f'<path class="self" d="M{cx:.1f},{cy - 7.5:.1f} l6,7.5 l-6,7.5 l-6,-7.5 z" '
                f'fill="{SELF_COLOUR}" stroke="#ffffff" stroke-width="1.2"><title>'
                f"{esc(pair.name)}, {esc(label_text.lower())}: self {esc(number(own))}"
                f"</title></path>"
            )
    parts.append("</g>")
    return parts


def status_bar(counts: Mapping[str, int], chart_id: str = "status-bar") -> str:
    """A single stacked bar of KPI counts by status (for the organisation overview)."""
    chart_id = _id(chart_id)
    order = ("achieved", "on_track", "at_risk", "off_track", None)
    total = sum(counts.values())
    text = ", ".join(f"{counts.get(s or 'not_measured', 0)} {status_label(s)}" for s in order)
    parts = [_svg(400, 28, chart_id, "chart status-bar", f"KPIs by status: {text}", text)]
    x = 0.0
    for status in order:
        count = counts.get(status or "not_measured", 0)
        if not count or not total:
            continue
        width = count / total * 400
        parts.append(
            f'<rect class="segment status-{status or "none"}" x="{x:.1f}" y="0" '
            f'width="{width:.1f}" height="28" fill="{status_colour(status)}">'
            f"<title>{count} {esc(status_label(status))}</title></rect>"
        )
        x += width
    parts.append("</svg>")
    return "".join(parts)
