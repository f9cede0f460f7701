"""The organisation overview's chart: one stacked bar of KPI counts by status."""

from __future__ import annotations

from collections.abc import Mapping

from services.reporting.domain.charts.labels import esc, status_colour, status_label
from services.reporting.domain.charts.svg import safe_id, svg_open

# Best first; None is "not measured", counted under that key.
ORDER = ("achieved", "on_track", "at_risk", "off_track", None)
WIDTH, HEIGHT = 400, 28


def status_bar(counts: Mapping[str, int], chart_id: str = "status-bar") -> str:
    """A single stacked bar of KPI counts by status (for the organisation overview)."""
    chart_id = safe_id(chart_id)
    total = sum(counts.values())
    text = ", ".join(f"{counts.get(s or 'not_measured', 0)} {status_label(s)}" for s in ORDER)
    parts = [svg_open(WIDTH, HEIGHT, chart_id, "chart status-bar", f"KPIs by status: {text}", text)]
    x = 0.0
    for status in ORDER:
        count = counts.get(status or "not_measured", 0)
        if not count or not total:
            continue
        width = count / total * WIDTH
        parts.append(
            f'<rect class="segment status-{status or "none"}" x="{x:.1f}" y="0" '
            f'width="{width:.1f}" height="{HEIGHT}" fill="{status_colour(status)}">'
            f"<title>{count} {esc(status_label(status))}</title></rect>"
        )
        x += width
    parts.append("</svg>")
    return "".join(parts)
