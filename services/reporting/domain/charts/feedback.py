"""The 360 chart: per competency, others' mean at the first and the last full round as two
horizontal bars, the executive's own rating marked on each."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from services.reporting.domain.charts.labels import esc, number
from services.reporting.domain.charts.svg import safe_id, svg_open

BASELINE_COLOUR = "#afb8c1"
FINAL_COLOUR = "#0969da"
SELF_COLOUR = "#24292f"
# The geometry, in viewBox units: one block of two bars per competency.
FEEDBACK_WIDTH = 640
FEEDBACK_LABEL_WIDTH = 220
FEEDBACK_VALUES = 84  # the column of figures at the right
FEEDBACK_ROW = 52
FEEDBACK_BAR = 15
FEEDBACK_TOP = 48
FLAGS = {"blind_spot": "blind spot", "hidden_strength": "hidden strength"}

Scale = Callable[[float], float]


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


class _Bar(NamedTuple):
    """One of a competency's two bars."""

    kind: str  # baseline or final: the CSS class
    label: str
    value: float | None  # others' mean (None when withheld)
    own: float | None  # the executive's own rating
    colour: str
    y: float


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


def feedback_chart(
    pairs: Sequence[CompetencyPair],
    minimum: float,
    maximum: float,
    labels: tuple[str, str] = ("Baseline", "Final"),
    chart_id: str = "feedback-360",
) -> str:
    """Per competency, the first and the last round's "all others" mean as two horizontal bars
    on the round's scale (from its minimum), the executive's own rating marked on each."""
    height = FEEDBACK_TOP + FEEDBACK_ROW * len(pairs) + 10
    x = _x_scale(minimum, maximum)
    title = (
        f"360 feedback, {labels[0].lower()} and {labels[1].lower()}: all others' mean per "
        f"competency on the {number(minimum)}..{number(maximum)} scale, self marked"
    )
    desc = _summary(pairs) or "No closed 360 round yet."
    parts = [
        svg_open(FEEDBACK_WIDTH, height, safe_id(chart_id), "chart feedback-chart", title, desc)
    ]
    parts.append(_legend(labels))
    parts += _grid(minimum, maximum, x, height)
    has_final = any(p.final is not None or p.self_final is not None for p in pairs)
    for n, pair in enumerate(pairs):
        parts += _pair(pair, FEEDBACK_TOP + n * FEEDBACK_ROW, x, labels, has_final)
    parts.append("</svg>")
    return "".join(parts)


def _x_scale(minimum: float, maximum: float) -> Scale:
    """Where a rating lands across the bar area (clamped to the scale)."""
    left, right = FEEDBACK_LABEL_WIDTH, FEEDBACK_WIDTH - FEEDBACK_VALUES - 22
    span = (maximum - minimum) or 1

    def x(value: float) -> float:
        return left + (min(max(value, minimum), maximum) - minimum) / span * (right - left)

    return x


def _summary(pairs: Sequence[CompetencyPair]) -> str:
    return "; ".join(
        f"{p.name}: others {number(p.baseline)} → {number(p.final)}, self "
        f"{number(p.self_baseline)} → {number(p.self_final)}"
        for p in pairs
    )


def _grid(minimum: float, maximum: float, x: Scale, height: int) -> list[str]:
    """A labelled line at each whole point of the scale."""
    return [
        f'<line class="grid" x1="{x(value):.1f}" y1="{FEEDBACK_TOP - 8}" x2="{x(value):.1f}" '
        f'y2="{height - 10}" stroke="#d0d7de" stroke-width="0.5"/>'
        f'<text x="{x(value):.1f}" y="{FEEDBACK_TOP - 12}" text-anchor="middle" '
        f'fill="#57606a">{value}</text>'
        for value in range(math.ceil(minimum), math.floor(maximum) + 1)
    ]


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
    x: Scale,
    labels: tuple[str, str],
    has_final: bool,
) -> list[str]:
    """A competency's block: its name (and gap flag), then a bar a round."""
    bars = (
        _Bar("baseline", labels[0], pair.baseline, pair.self_baseline, BASELINE_COLOUR, top),
        _Bar("final", labels[1], pair.final, pair.self_final, FINAL_COLOUR, top + FEEDBACK_BAR + 4),
    )
    parts = [f'<g class="competency">{_name(pair, top, labels[0])}']
    for bar in bars[: 2 if has_final else 1]:
        parts += _bar(pair, bar, x)
    parts.append("</g>")
    return parts


def _name(pair: CompetencyPair, top: float, first_label: str) -> str:
    """The competency's name, wrapped, right-aligned against the bars; its flag below."""
    lines = _wrap(pair.name)
    tspans = "".join(
        f'<tspan x="{FEEDBACK_LABEL_WIDTH - 10}" dy="{0 if n == 0 else 13}">{esc(line)}</tspan>'
        for n, line in enumerate(lines)
    )
    text = (
        f'<text x="{FEEDBACK_LABEL_WIDTH - 10}" y="{top + 12}" '
        f'text-anchor="end" fill="#24292f" font-weight="600">{tspans}</text>'
    )
    flag = FLAGS.get(pair.flag or "")
    if flag:
        text += (
            f'<text x="{FEEDBACK_LABEL_WIDTH - 10}" y="{top + 12 + 13 * len(lines)}" '
            f'text-anchor="end" fill="#bf8700">{esc(flag)} at {esc(first_label.lower())}</text>'
        )
    return text


def _wrap(text: str, width: int = 28, lines: int = 2) -> list[str]:
    wrapped = textwrap.wrap(text, width) or [""]
    if len(wrapped) > lines:
        wrapped = [
            *wrapped[: lines - 1],
            textwrap.shorten(" ".join(wrapped[lines - 1 :]), width, placeholder="…"),
        ]
    return wrapped


def _bar(pair: CompetencyPair, bar: _Bar, x: Scale) -> list[str]:
    """Others' mean as a bar from the scale's minimum with its figure at the right (and the
    change since the first round on the final bar); the executive's own rating on it."""
    origin = x(-math.inf)  # the scale's minimum: bars grow from it
    width = 0.0 if bar.value is None else x(bar.value) - origin
    shown = "withheld" if bar.value is None else number(bar.value)
    delta = _delta(pair.baseline, bar.value) if bar.kind == "final" else ""
    parts = [
        f'<rect class="bar {bar.kind}" x="{origin:.1f}" y="{bar.y}" width="{width:.1f}" '
        f'height="{FEEDBACK_BAR}" fill="{bar.colour}" rx="2"><title>{esc(pair.name)}, '
        f"{esc(bar.label.lower())}: all others {esc(shown)}</title></rect>"
        f'<text x="{FEEDBACK_WIDTH - FEEDBACK_VALUES}" y="{bar.y + 11.5}" fill="#24292f">'
        f"{esc(shown)}{delta}</text>"
    ]
    if bar.own is not None:
        cx, cy = x(bar.own), bar.y + FEEDBACK_BAR / 2
        parts.append(
            f'<path class="self" d="M{cx:.1f},{cy - 7.5:.1f} l6,7.5 l-6,7.5 l-6,-7.5 z" '
            f'fill="{SELF_COLOUR}" stroke="#ffffff" stroke-width="1.2"><title>'
            f"{esc(pair.name)}, {esc(bar.label.lower())}: self {esc(number(bar.own))}"
            f"</title></path>"
        )
    return parts


def _delta(baseline: float | None, value: float | None) -> str:
    """The change from the first round, coloured: green up, red down, grey none."""
    if baseline is None or value is None:
        return ""
    change = value - baseline
    sign, tone = ("+", "#1a7f37") if change > 0 else ("", "#cf222e" if change else "#57606a")
    return f' <tspan fill="{tone}" font-weight="600">{sign}{esc(number(change))}</tspan>'
