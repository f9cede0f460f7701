"""The story's coaching sessions: one a month, each following up the last one's commitments."""

from __future__ import annotations

from datetime import timedelta

from deploy.demo.story import Story

# kind, minutes, capabilities, new commitments, outcomes of the previous ones, private notes
Session = tuple[str, int, tuple[str, ...], tuple[str, ...], tuple[tuple[str, str], ...], str]
SESSIONS: tuple[Session, ...] = (
    ("coaching", 90, ("listening",),
     ("Summarise what I heard before answering, in every 1:1",
      "Ask Jordan and Mia for one thing I should stop doing"),
     (), "Defensive about the listening blind spot at first; softened over the comments."),
    ("coaching", 60, ("listening", "tough_conversations"),
     ("Hold the overdue performance conversation with the EMEA sales lead",),
     (("kept", "Did it in 8 of 10 1:1s"), ("partly", "Asked Jordan; not Mia yet")),
     "Says 'protecting the team' when avoiding conflict. Explore next time."),
    ("leadership_development", 120, ("tough_conversations", "accepting_responsibility"),
     ("Hold stay interviews with the three engineers most at risk of leaving",
      "Own the Q2 churn miss in the leadership meeting without naming Ops"),
     (("not", "Postponed twice; budget talks got in the way"),),
     "Attrition worries them more than they admit. Role-played the EMEA conversation."),
    ("coaching", 60, ("tough_conversations", "listening"),
     ("Hold the EMEA sales lead conversation this week, with HR present",
      "Run a listening pulse with the team after each all-hands"),
     (("kept", "Two of three done, the third is booked"), ("kept", "Dana noticed and said so")),
     "Much more open today; ready for the conversation avoided for months."),
    ("coaching", 60, ("responsible_communication", "listening"),
     ("Present the retention plan to the whole team in person",),
     (("kept", "Held with HR; improvement plan agreed"), ("partly", "Two pulses out of three")),
     "Energy is back. Starting to coach their own direct reports."),
    ("coaching", 75, ("accepting_responsibility", "responsible_communication"),
     ("Draft the sustainability plan for the final three-way meeting",),
     (("kept", "The team asked hard questions; an open discussion"),),
     "Preparing for the final 360 and the hand-over to Dana."),
)  # fmt: skip


def session(story: Story, month: int) -> None:
    """The month's coaching session: follow-ups of last month's commitments, new ones."""
    kind, minutes, capabilities, commitments, outcomes, notes = SESSIONS[month - 1]
    held_on = story.aligned_on + timedelta(days=30 * (month - 1) + 15)
    body = {
        "held_on": held_on.isoformat(), "duration_minutes": minutes, "kind": kind,
        "capabilities": list(capabilities), "private_notes": notes,
        "commitments": [{"text": text, "due_on": (held_on + timedelta(days=21)).isoformat()}
                        for text in commitments],
        "follow_ups": [{"commitment_id": c, "outcome": outcome, "note": note}
                       for c, (outcome, note) in zip(story.open_commitments, outcomes,
                                                     strict=True)],
    }  # fmt: skip
    recorded = story.coach("POST", f"{story.kpi}/sessions", body)
    story.open_commitments = [c["commitment_id"] for c in recorded["commitments"]]
    story.expected["SessionRecorded"] += 1
