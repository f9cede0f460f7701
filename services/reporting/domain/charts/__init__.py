"""Inline SVG charts for the dashboards, as pure functions of read-model documents.

Every string that came from a person (KPI names, units, competency names) is escaped with
html.escape before it lands in the markup, and every chart is an accessible image: role="img"
with a <title> (and a <desc>) the SVG points at with aria-labelledby. Standard library only.

One module a chart (kpi, feedback, status_bar); kpi_axes places dates and values on the KPI
chart; svg and labels hold what every chart uses. The names below are the package's API.
"""

from services.reporting.domain.charts.feedback import (
    CompetencyPair,
    competency_pairs,
    feedback_chart,
)
from services.reporting.domain.charts.kpi import kpi_chart, kpi_title
from services.reporting.domain.charts.kpi_axes import KPI_PLOT, KpiScale, kpi_scale
from services.reporting.domain.charts.labels import (
    STATUS_COLOURS,
    day_label,
    number,
    status_colour,
    status_label,
)
from services.reporting.domain.charts.status_bar import status_bar
from services.reporting.domain.charts.svg import Box, ticks

__all__ = [
    "KPI_PLOT",
    "STATUS_COLOURS",
    "Box",
    "CompetencyPair",
    "KpiScale",
    "competency_pairs",
    "day_label",
    "feedback_chart",
    "kpi_chart",
    "kpi_scale",
    "kpi_title",
    "number",
    "status_bar",
    "status_colour",
    "status_label",
    "ticks",
]
