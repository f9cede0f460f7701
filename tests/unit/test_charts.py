"""The dashboard's SVG charts: geometry of a known KPI, escaping, one pair of bars per
competency, and accessibility (role="img" with a title)."""

import re
import xml.etree.ElementTree as ET
from datetime import date

from services.reporting.api.engagement_sections import improved
from services.reporting.domain.charts import (
    KPI_PLOT,
    STATUS_COLOURS,
    Box,
    CompetencyPair,
    competency_pairs,
    feedback_chart,
    kpi_chart,
    status_bar,
)

SVG = "{http://www.w3.org/2000/svg}"


def kpi(**changes):
    """Baseline 90 on 1 Jan, target 100 due 11 Jan: ten days, ten points."""
    definition = {"name": "Net revenue retention", "unit": "%", "baseline": 90, "target": 100,
                  "direction": "increase", "tolerance": 0, "due_on": "2026-01-11",
                  "weight": 100, "kind": "performance"}  # fmt: skip
    measurements = [
        {"measured_on": "2026-01-06", "value": 95, "status": "on_track", "expected": 95,
         "source": {"kind": "manual", "round_id": None}},
        {"measured_on": "2026-01-11", "value": 97.5, "status": "at_risk", "expected": 100,
         "source": {"kind": "manual", "round_id": None}},
    ]  # fmt: skip
    doc = {"_id": "kpi-1", "state": "aligned", "baseline_on": "2026-01-01",
           "definition": definition | changes.pop("definition", {}), "measurements": measurements,
           "latest": measurements[-1], "status": "at_risk"}  # fmt: skip
    return doc | changes


def parsed(svg: str) -> ET.Element:
    """The chart as XML: escaping mistakes make it unparseable."""
    return ET.fromstring(svg)


def attribute(svg: str, element: str, css_class: str, name: str) -> str:
    found = parsed(svg).find(f".//{SVG}{element}[@class='{css_class}']")
    assert found is not None, f"no {element}.{css_class}"
    return found.attrib[name]


def test_the_geometry_the_expectations_below_assume():
    assert Box(left=40, top=22, right=468, bottom=168) == KPI_PLOT


def test_a_known_kpi_has_its_measurements_as_polyline_points():
    # x: 1 Jan at 40, 11 Jan at 468, so 42.8 a day; y: 89..101 (the values 90..100 and a
    # tenth spare each side) over 168..22, so 146 / 12 a unit: y(95) = 168 - 6 * 146 / 12.
    svg = kpi_chart(kpi(), today=date(2026, 1, 8))
    assert attribute(svg, "polyline", "measured", "points") == "254.0,95.0 468.0,64.6"


def test_the_expected_progress_line_runs_from_baseline_to_target():
    svg = kpi_chart(kpi(), today=date(2026, 1, 8))
    line = {k: attribute(svg, "line", "expected", k) for k in ("x1", "y1", "x2", "y2")}
    assert line == {"x1": "40.0", "y1": "155.8", "x2": "468.0", "y2": "34.2"}
    assert attribute(svg, "line", "target", "y1") == "34.2"


def test_points_are_coloured_by_status_and_today_is_marked():
    svg = kpi_chart(kpi(), today=date(2026, 1, 8))
    assert attribute(svg, "circle", "point status-on_track", "fill") == STATUS_COLOURS["on_track"]
    assert attribute(svg, "circle", "point status-at_risk", "fill") == STATUS_COLOURS["at_risk"]
    assert attribute(svg, "line", "today", "x1") == "339.6"  # 7 of 10 days
    assert 'class="today"' not in kpi_chart(kpi(), today=date(2026, 3, 1))


def test_a_decrease_kpi_descends_and_a_maintain_kpi_expects_its_target_throughout():
    falling = kpi(definition={"baseline": 12, "target": 8, "direction": "decrease"},
                  measurements=[])  # fmt: skip
    svg = kpi_chart(falling, today=date(2026, 1, 8))
    start, end = (float(attribute(svg, "line", "expected", y)) for y in ("y1", "y2"))
    assert start < end  # 12 is drawn higher up than 8
    assert 'class="measured"' not in svg
    steady = kpi(definition={"baseline": 50, "target": 50, "direction": "maintain",
                             "tolerance": 5})  # fmt: skip
    svg = kpi_chart(steady, today=date(2026, 1, 8))
    assert attribute(svg, "line", "expected", "y1") == attribute(svg, "line", "expected", "y2")
    assert parsed(svg).find(f".//{SVG}rect[@class='tolerance']") is not None


def test_a_kpi_before_alignment_gets_a_placeholder():
    svg = kpi_chart(kpi(state="proposed", baseline_on=None, measurements=[], latest=None),
                    today=date(2026, 1, 8))  # fmt: skip
    assert "once the KPI is aligned" in svg and "<polyline" not in svg
    assert parsed(svg).attrib["role"] == "img"


def test_charts_are_images_with_a_title():
    svg = kpi_chart(kpi(), today=date(2026, 1, 8))
    root = parsed(svg)
    assert root.attrib["role"] == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text is not None
    assert title.text.startswith("Net revenue retention: 97.5 % on 11 Jan 2026, at risk")
    assert root.attrib["aria-labelledby"] == f"{title.attrib['id']} kpi-kpi-1-desc"


def test_user_strings_are_escaped():
    hostile = '<script>alert("x")</script> & "quotes"'
    svg = kpi_chart(kpi(definition={"name": hostile, "unit": "<b>"}), today=date(2026, 1, 8))
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;" in svg
    parsed(svg)
    chart = feedback_chart([CompetencyPair(hostile, 2.0, 3.0, 4.0, 4.0)], 1, 5)
    assert "<script>" not in chart and "&lt;script&gt;" in chart
    parsed(chart)
    odd_id = kpi_chart(kpi(_id='"><script>'), today=date(2026, 1, 8))
    assert "<script>" not in odd_id
    parsed(odd_id)


def test_the_360_chart_draws_one_pair_of_bars_per_competency():
    pairs = [
        CompetencyPair("Listening", 2.5, 3.63, 5, 4, "blind_spot"),
        CompetencyPair("Tough conversations", 2.38, 3.25, 3, 4),
        CompetencyPair("Accepting responsibility", 3.63, 3.88, 4, 4),
    ]
    root = parsed(feedback_chart(pairs, 1, 5))
    bars = root.findall(f".//{SVG}rect")
    baseline = [b for b in bars if b.attrib.get("class") == "bar baseline"]
    final = [b for b in bars if b.attrib.get("class") == "bar final"]
    assert len(baseline) == len(final) == 3
    assert len(root.findall(f".//{SVG}path[@class='self']")) == 6
    # on 1..5 a mean of 3 fills half the bar area (220 to 534)
    half = feedback_chart([CompetencyPair("Listening", 3.0, 5.0)], 1, 5)
    widths = re.findall(r'class="bar \w+" x="220.0" y="[\d.]+" width="([\d.]+)"', half)
    assert widths == ["157.0", "314.0"]
    assert "blind spot at baseline" in ET.tostring(root, encoding="unicode")


def test_with_only_a_baseline_round_there_are_no_final_bars():
    baseline = {"purpose": "baseline", "self": 5, "others": 2.5, "flag": None}
    trends = [{"competency": "listening", "name": "Listening", "rounds": [baseline]}]
    pairs = competency_pairs(trends)
    assert pairs == [CompetencyPair("Listening", 2.5, None, 5, None, None)]
    svg = feedback_chart(pairs, 1, 5)
    assert svg.count('class="bar baseline"') == 1 and 'class="bar final"' not in svg


def test_withheld_means_draw_an_empty_bar_and_say_so():
    svg = feedback_chart([CompetencyPair("Listening", None, 3.0)], 1, 5)
    assert 'class="bar baseline" x="220.0" y="48" width="0.0"' in svg and "withheld" in svg


def test_the_status_bar_splits_by_status():
    svg = status_bar({"achieved": 1, "on_track": 3, "at_risk": 0, "off_track": 0,
                      "not_measured": 0})  # fmt: skip
    widths = re.findall(r'class="segment status-(\w+)" x="[\d.]+" y="0" width="([\d.]+)"', svg)
    assert widths == [("achieved", "100.0"), ("on_track", "300.0")]


def test_a_competency_rising_from_a_mean_of_zero_counts_as_improved():
    pairs = [
        CompetencyPair("Listening", 0.0, 1.5),
        CompetencyPair("Delegation", -1.0, 0.0),
        CompetencyPair("Strategy", 2.0, 1.0),
        CompetencyPair("Courage", None, 2.0),
    ]
    assert improved(pairs) == 2
