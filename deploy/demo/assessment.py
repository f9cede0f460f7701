"""The story's opening and needs assessment: stakeholders, a profile, barriers, focus areas."""

from __future__ import annotations

from deploy.demo.story import COACH, EXECUTIVE, MANAGER, Story, contact

STAKEHOLDERS = (
    ("Priya Patel", "peer"),
    ("Marco Rossi", "peer"),
    ("Jordan Lee", "direct_report"),
    ("Sam Okafor", "direct_report"),
)
# description, source, impact, capability
BARRIERS = (
    ("Interrupts and answers for others in meetings", "peer", "high", "listening"),
    ("Avoids conflict with the sales leadership", "manager", "medium", "tough_conversations"),
)


def open_engagement(story: Story) -> None:
    """The coach opens the engagement and names four stakeholders."""
    story.http.chapter = "opening"
    body = {"executive": EXECUTIVE, "manager": MANAGER,
            "programme": f"Personal mastery {story.aligned_on.year}",
            "start_date": story.on(-35)}  # fmt: skip
    story.engagement_id = story.coach("POST", f"{story.urls.assessment}/engagements", body)["id"]
    story.expected["EngagementOpened"] += 1
    for name, relationship in STAKEHOLDERS:
        stakeholder = {"name": name, "contact": contact(name), "relationship": relationship}
        story.coach("POST", f"{story.assessment}/stakeholders", stakeholder)
        story.expected["StakeholderAdded"] += 1


def needs_assessment(story: Story) -> None:
    """A profile, two barriers and three development areas; then on to KPI alignment."""
    story.http.chapter = "needs-assessment"
    profile_id = record_profile(story)
    for description, source, impact, capability in BARRIERS:
        barrier = {"description": description, "source": source, "impact": impact,
                   "capability": capability}  # fmt: skip
        state = story.coach("POST", f"{story.assessment}/barriers", barrier)
        story.barrier_ids.append(state["barriers"][-1]["id"])
    select_areas(story, profile_id)
    story.expected.update({"ProfileRecorded": 1, "BarrierIdentified": 2})
    story.advance("kpi_alignment", "Needs assessment done: baseline 360, profile, areas agreed")


def record_profile(story: Story) -> str:
    """The coach records the executive's Hogan profile; its id."""
    profile = {
        "instrument": "Hogan HPI",
        "scales": [{"name": "Adjustment", "score": 58}, {"name": "Ambition", "score": 91},
                   {"name": "Interpersonal sensitivity", "score": 34, "band": "low"}],
        "strengths": ["drive", "commercial judgement"],
        "development_needs": ["patience under pressure", "staying with conflict"],
        "administered_on": story.on(-26), "administered_by": COACH["name"],
    }  # fmt: skip
    recorded = story.coach("POST", f"{story.assessment}/profiles", profile)
    return recorded["profiles"][-1]["id"]


def select_areas(story: Story, profile_id: str) -> None:
    """Three development areas, linked to the baseline round, the barriers and the profile."""
    baseline = {"kind": "round", "id": story.round_ids[0]}
    interrupts, conflict = ({"kind": "barrier", "id": b} for b in story.barrier_ids)
    profile = {"kind": "profile", "id": profile_id}
    areas = [
        {"capability": "listening", "rationale": "Blind spot in the baseline 360",
         "linked_to": [baseline, interrupts]},
        {"capability": "tough_conversations", "rationale": "The manager's main concern",
         "linked_to": [conflict, profile]},
        {"capability": "accepting_responsibility", "rationale": "Direct reports' comments",
         "linked_to": [baseline]},
    ]  # fmt: skip
    story.coach("PUT", f"{story.assessment}/development-areas", {"areas": areas})
    story.expected["DevelopmentAreasSelected"] += 1
