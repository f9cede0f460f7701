"""What the charts and pages write for people: escaped text, figures, dates, statuses."""

from __future__ import annotations

import html
from datetime import date
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
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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


def parse_day(value: Any) -> date | None:
    """The date an ISO date or timestamp starts with (None when it is not one)."""
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
