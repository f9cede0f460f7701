"""The story's feedback rounds: the baseline 360, the listening pulse and the final 360."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from deploy.demo.story import Story, contact

COMPETENCIES = (
    "listening",
    "tough_conversations",
    "accepting_responsibility",
    "responsible_communication",
)
# (group, rater, ratings in COMPETENCIES order, comments by competency)
Rater = tuple[str, str, tuple[int, int, int, int], dict[str, str]]
BASELINE_RATERS: tuple[Rater, ...] = (
    ("self", "Alex Executive", (5, 3, 4, 4), {}),
    ("manager", "Dana Manager", (3, 2, 4, 3),
     {"tough_conversations": "Lets underperformance in sales run on for too long."}),
    ("peer", "Priya Patel", (2, 3, 4, 3),
     {"listening": "Often finishes my sentences in leadership meetings."}),
    ("peer", "Marco Rossi", (3, 2, 3, 3), {}),
    ("peer", "Lena Fischer", (2, 3, 4, 4),
     {"responsible_communication": "Clear in writing, much sharper in person under pressure."}),
    ("peer", "Tom Becker", (3, 2, 4, 3), {}),
    ("direct_report", "Jordan Lee", (2, 2, 3, 3),
     {"listening": "Our 1:1s turn into status updates; I rarely get to raise a problem."}),
    ("direct_report", "Sam Okafor", (2, 3, 4, 3), {}),
    ("direct_report", "Mia Chen", (3, 2, 3, 2),
     {"accepting_responsibility": "Owns the numbers, but misses sometimes land on Ops."}),
    ("other", "Chris Morgan", (3, 3, 4, 4), {"listening": "Great with clients after the pitch."}),
)  # fmt: skip
FINAL_RATERS: tuple[Rater, ...] = (
    ("self", "Alex Executive", (4, 4, 4, 4), {}),
    ("manager", "Dana Manager", (4, 3, 4, 4),
     {"tough_conversations": "Handled the EMEA sales lead situation well, if late."}),
    ("peer", "Priya Patel", (3, 3, 4, 4),
     {"listening": "Asks before answering now; meetings feel different."}),
    ("peer", "Marco Rossi", (4, 3, 4, 3), {}),
    ("peer", "Lena Fischer", (3, 4, 4, 4), {}),
    ("peer", "Tom Becker", (4, 3, 4, 3), {}),
    ("direct_report", "Jordan Lee", (3, 3, 4, 3),
     {"listening": "1:1s are mine again. Still drifts to status updates when busy."}),
    ("direct_report", "Sam Okafor", (4, 3, 4, 4), {}),
    ("direct_report", "Mia Chen", (4, 4, 3, 3),
     {"tough_conversations": "Gave me hard feedback early, with examples. Appreciated."}),
    ("other", "Chris Morgan", (4, 3, 4, 4), {}),
)  # fmt: skip
# The direct reports' pulse on listening in the last month (scale -3..+3)
PULSE_RATINGS = (2, 1, 2, 1)


def baseline_360(story: Story) -> None:
    """The baseline round: ten raters, a listening blind spot."""
    story.http.chapter = "baseline-360"
    run_round(story, "baseline", BASELINE_RATERS)


def final_360(story: Story) -> None:
    """The final round, on the same competencies as the baseline."""
    story.http.chapter = "final-360"
    run_round(story, "final", FINAL_RATERS)


def run_round(story: Story, purpose: str, raters: tuple[Rater, ...]) -> None:
    """Open a round, invite, collect each rater's answer, close; the executive reads it."""
    body = {"purpose": purpose, "competencies": [{"id": c} for c in COMPETENCIES],
            "closes_on": (story.today + timedelta(days=14)).isoformat(),
            "results_visible_to_manager": True}  # shared at the three-way debrief  # fmt: skip
    round_url = open_round(story, body)
    invited = [invite(story, round_url, group, name) for group, name, _, _ in raters]
    for token, (_, _, ratings, comments) in zip(invited, raters, strict=True):
        answer(story, token, {"ratings": dict(zip(COMPETENCIES, ratings, strict=True)),
                              "comments": comments})  # fmt: skip
    story.coach("POST", f"{round_url}/closure")
    story.http.call("GET", f"{round_url}/results", story.tokens.executive)  # the debrief
    story.expected.update(FeedbackRoundOpened=1, FeedbackRoundClosed=1)
    story.expected.update(RaterInvited=len(raters))  # answers are never published


def pulse_on_listening(story: Story) -> None:
    """A -3..+3 pulse of the direct reports on listening: it measures the listening KPI."""
    story.http.chapter = "pulse"
    body = {"purpose": "pulse", "competencies": [{"id": "listening"}],
            "closes_on": (story.today + timedelta(days=7)).isoformat()}  # fmt: skip
    round_url = open_round(story, body)
    for n, rating in enumerate(PULSE_RATINGS):
        token = invite(story, round_url, "direct_report", f"Direct report {n + 1}")
        answer(story, token, {"ratings": {"listening": rating}})
    story.coach("POST", f"{round_url}/closure")
    # not shared with the manager, whose timeline the seeder counts: the measurement it takes
    # is withheld from them
    story.expected.update(FeedbackRoundOpened=1, FeedbackRoundClosed=1)
    story.expected.update(RaterInvited=len(PULSE_RATINGS))


def open_round(story: Story, body: dict[str, Any]) -> str:
    """The coach opens a feedback round; its URL."""
    story.round_ids.append(story.coach("POST", f"{story.assessment}/rounds", body)["id"])
    return f"{story.assessment}/rounds/{story.round_ids[-1]}"


def invite(story: Story, round_url: str, group: str, name: str) -> str:
    """The coach invites one rater; the invitation's token."""
    invitation = {"group": group, "name": name, "contact": contact(name)}
    return story.coach("POST", f"{round_url}/invitations", invitation)["token"]


def answer(story: Story, token: str, feedback: dict[str, Any]) -> None:
    """A rater answers, known by the invitation's token alone (no bearer token)."""
    story.http.call("POST", f"{story.urls.assessment}/feedback", None, feedback,
                    {"X-Invitation-Token": token})  # fmt: skip
