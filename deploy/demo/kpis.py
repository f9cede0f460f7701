"""The story's KPIs: four aligned with the manager, measured at six monthly reviews."""

from __future__ import annotations

from deploy.demo.client import wait_for
from deploy.demo.story import COACH, EXECUTIVE, MANAGER, Story

# name, kind, capability, unit, baseline, proposed target, direction, weight, evidence
Kpi = tuple[str, str, str | None, str, float, float, str, int, str]
KPIS: tuple[Kpi, ...] = (
    ("Net revenue retention", "performance", None, "%", 90, 96, "increase", 35,
     "Finance: monthly revenue close"),
    ("Regretted attrition", "performance", None, "%", 12, 8, "decrease", 25,
     "HR: attrition report, rolling 12 months"),
    ("Listening in 1:1s", "behavioural", "listening", "pulse score", -1, 2, "increase", 20,
     "Team pulse after 1:1s (9 direct and skip-level reports)"),
    ("Tough conversations held", "behavioural", "tough_conversations", "per month", 0, 4,
     "increase", 20, "Executive's log, confirmed by the HR business partner"),
)  # fmt: skip
# One row per month, one value per KPI: attrition slips to at_risk in months 2 to 4.
MEASUREMENTS = (
    (90.6, 11.5, -0.6, 1),
    (91.2, 11.6, 0.0, 1),
    (92.0, 11.2, 0.4, 2),
    (93.1, 10.1, 0.8, 3),
    (93.9, 8.9, 1.2, 3),
    (94.6, 8.0, 1.6, 4),
)


def align_kpis(story: Story) -> None:
    """Four KPIs proposed; one sent back and revised; all aligned 183 days ago."""
    story.http.chapter = "kpi-alignment"
    await_kpi_service(story)
    for kpi in KPIS:
        story.kpi_ids.append(story.coach("POST", f"{story.kpi}/kpis", proposal(story, kpi))["id"])
    attrition = f"{story.kpi}/kpis/{story.kpi_ids[1]}"
    comment = {"comment": "8% is not ambitious enough: the industry median is 7%"}
    story.manager("POST", f"{attrition}/send-back", comment)
    story.coach("PATCH", attrition, {"changes": {"target": 7}})
    for kpi_id in story.kpi_ids:
        aligned = {"aligned_on": story.aligned_on.isoformat()}
        story.manager("POST", f"{story.kpi}/kpis/{kpi_id}/approval", aligned)
    story.expected.update({"KpiProposed": 4, "KpiSentBack": 1, "KpiReproposed": 1,
                           "KpiAligned": 4})  # fmt: skip
    story.advance("results_management", "KPIs aligned with Dana Manager")


def proposal(story: Story, kpi: Kpi) -> dict[str, object]:
    """The coach's proposal of one KPI, due 210 days after alignment."""
    name, kind, capability, unit, baseline, target, direction, weight, _ = kpi
    body: dict[str, object] = {"name": name, "kind": kind, "unit": unit, "baseline": baseline,
                               "target": target, "direction": direction, "weight": weight,
                               "due_on": story.due_on.isoformat()}  # fmt: skip
    if capability:
        body["capability"] = capability
    if unit == "pulse score":  # on the pulse's -3..+3 scale: pulse rounds measure it
        body["measured_by"] = "feedback_rounds"
    return body


def await_kpi_service(story: Story) -> None:
    """Wait until the kpi and reporting workers have read the assessment story so far."""
    # The kpi service learns engagements from the assessment topic. Its worker must also be
    # past the baseline round's closing before KPIs are aligned (it would measure them), and
    # the reporting timeline catching up is the only outside sign of that.
    kpis = f"{story.kpi}/kpis"
    wait_for(lambda: story.http.found(kpis, story.tokens.coach) is not None, story.wait,
             "the kpi service to learn the engagement")  # fmt: skip
    so_far = sum(story.expected.values())
    wait_for(lambda: story.timeline_total() >= so_far, story.wait,
             f"the reporting timeline to show {so_far} events")  # fmt: skip


def review(story: Story, month: int) -> str:
    """The monthly review with a measurement of every KPI; its id."""
    held_on = story.on(30 * month)
    attendees = [MANAGER, EXECUTIVE] + ([COACH] if month % 3 == 0 else [])
    measurements = [
        {"kpi_id": kpi_id, "value": value, "measured_on": held_on, "evidence": kpi[-1]}
        for kpi_id, value, kpi in zip(story.kpi_ids, MEASUREMENTS[month - 1], KPIS, strict=True)
    ]
    body = {"held_on": held_on, "attendees": attendees, "measurements": measurements}
    held = story.manager("POST", f"{story.kpi}/reviews", body)
    story.expected.update({"ReviewHeld": 1, "MeasurementRecorded": len(measurements)})
    return str(held["review_id"])


def change_at_review(story: Story, month: int, review_id: str) -> None:
    """Month 2: a lower revenue target; month 3: a barrier resolved; month 4: new weights."""
    if month == 2:
        change = {"changes": {"target": 95}, "review_id": review_id,
                  "reason": "market contraction in EMEA"}  # fmt: skip
        story.manager("PATCH", f"{story.kpi}/kpis/{story.kpi_ids[0]}", change)
        story.expected["KpiRevised"] += 1
    elif month == 3:
        note = {"note": "Meeting norms agreed with the leadership team; peers see the change"}
        story.coach("POST", f"{story.assessment}/barriers/{story.barrier_ids[0]}/resolution", note)
        story.expected["BarrierResolved"] += 1
    elif month == 4:
        weights = {
            "weights": {story.kpi_ids[0]: 30, story.kpi_ids[1]: 30},
            "review_id": review_id,
            "reason": "Attrition is at risk: retention now weighs as much as revenue",
        }
        story.manager("PUT", f"{story.kpi}/kpis/weights", weights)
        story.expected["KpiRevised"] += 2
