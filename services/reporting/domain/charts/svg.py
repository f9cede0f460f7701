"""The pieces every chart is built from: the accessible <svg> root, safe ids, coordinates,
and round tick values."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from services.reporting.domain.charts.labels import esc


@dataclass(frozen=True)
class Box:
    """The plotting area inside an SVG's viewBox."""

    left: float
    top: float
    right: float
    bottom: float


def safe_id(text: str) -> str:
    """An XML id made of safe characters only."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", text)[:80] or "chart"


def pt(x: float, y: float) -> str:
    """A point of a polyline, to a tenth of a unit."""
    return f"{x:.1f},{y:.1f}"


def svg_open(width: int, height: int, chart_id: str, css_class: str, title: str, desc: str) -> str:
    """The opening <svg> tag of an accessible image, with its <title> and <desc>."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMidYMid meet" font-family="system-ui, sans-serif" font-size="11">'
        f'<title id="{chart_id}-title">{esc(title)}</title>'
        f'<desc id="{chart_id}-desc">{esc(desc)}</desc>'
    )


def ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round values between low and high, about `count` of them."""
    if high <= low:
        return [low]
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [round(first + n * step, 10) for n in range(int((high - first) / step + 1e-9) + 1)]
