"""Seed one realistic six-month coaching engagement into the running system, over HTTP only.

Usage: python -m deploy.demo.seed [--profile dev|test] [--assessment URL --kpi URL
       --reporting URL] [--tenant T] [--wait SECONDS]

Casey Coach coaches Alex Executive, managed by Dana Manager: a baseline 360, the needs
assessment, four KPIs aligned about six months ago, six monthly reviews and coaching
sessions, and a final 360 that measures the behavioural KPIs. Dates are relative to today.
Every write goes through the public APIs with tokens minted from the local JWT settings
(ML_JWT_SECRET etc.); nothing touches a database or Kafka. Any non-2xx answer stops the
seed with its status and problem body (exit code 1).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from deploy.local import infra, stack
from shared.auth.tokens import mint
from shared.clock import today
from shared.config import ServiceConfig

HTTP_TIMEOUT = 15.0
COACH = {"id": "coach-1", "name": "Casey Coach"}
EXECUTIVE = {"id": "exec-1", "name": "Alex Executive"}
MANAGER = {"id": "mgr-1", "name": "Dana Manager"}
COMPETENCIES = (
    "listening",
    "tough_conversations",
    "accepting_responsibility",
    "responsible_communication",
)
STAKEHOLDERS = (
    ("Priya Patel", "peer"),
    ("Marco Rossi", "peer"),
    ("Jordan Lee", "direct_report"),
    ("Sam Okafor", "direct_report"),
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
# name, kind, capability, unit, baseline, proposed target, direction, weight, evidence
KPIS: tuple[tuple[str, str, str | None, str, float, float, str, int, str], ...] = (
    ("Net revenue retention", "performance", None, "%", 90, 96, "increase", 35,
     "Finance: monthly revenue close"),
    ("Regretted attrition", "performance", None, "%", 12, 8, "decrease", 25,
     "HR: attrition report, rolling 12 months"),
    ("Listening in 1:1s", "behavioural", "listening", "pulse score", -1, 2, "increase", 20,
     "Team pulse after 1:1s (9 direct and skip-level reports)"),
    ("Tough conversations held", "behavioural", "tough_conversations", "per month", 0, 4,
     "increase", 20, "Executive's log, confirmed by the HR business partner"),
)  # fmt: skip
# The direct reports' pulse on listening in the last month (scale -3..+3)
PULSE_RATINGS = (2, 1, 2, 1)
# One row per month, one value per KPI: attrition slips to at_risk in months 2 to 4.
MEASUREMENTS = (
    (90.6, 11.5, -0.6, 1),
    (91.2, 11.6, 0.0, 1),
    (92.0, 11.2, 0.4, 2),
    (93.1, 10.1, 0.8, 3),
    (93.9, 8.9, 1.2, 3),
    (94.6, 8.0, 1.6, 4),
)
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


class SeedError(Exception):
    """The seed cannot go on; the message says why."""


class ApiError(SeedError):
    """An API answered with a status other than 2xx."""

    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        super().__init__(f"{method} {url} answered HTTP {status}:\n{_pretty(body)}")
        self.status = status


@dataclass(frozen=True)
class Reply:
    """A 2xx answer: status and JSON body."""

    status: int
    body: Any


@dataclass(frozen=True)
class Urls:
    """Where the three APIs answer."""

    assessment: str
    kpi: str
    reporting: str


@dataclass(frozen=True)
class Tokens:
    """Bearer tokens of the people in the story."""

    coach: str
    manager: str
    executive: str


def _pretty(body: str) -> str:
    """A problem body indented for reading, or the raw text."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body


class Client:
    """JSON over HTTP with urllib (no proxies), a correlation id per chapter of the story."""

    def __init__(self, run_id: str) -> None:
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._run_id = run_id
        self.chapter = "setup"

    def call(self, method: str, url: str, token: str | None = None, body: Any = None,
             headers: Mapping[str, str] | None = None) -> Reply:  # fmt: skip
        """Send one request; raise ApiError on any non-2xx answer."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/json")
        request.add_header("X-Correlation-ID", f"demo-{self._run_id}-{self.chapter}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with self._opener.open(request, timeout=HTTP_TIMEOUT) as response:
                raw = response.read()
                return Reply(response.status, json.loads(raw) if raw else None)
        except urllib.error.HTTPError as exc:
            raise ApiError(method, url, exc.code, exc.read().decode(errors="replace")) from None
        except OSError as exc:
            reason = getattr(exc, "reason", exc)
            raise SeedError(
                f"{method} {url}: no answer ({reason}); is the system running? (make run)"
            ) from None

    def found(self, url: str, token: str) -> Reply | None:
        """GET that answers None for a 404 (not known yet)."""
        try:
            return self.call("GET", url, token)
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll until check() holds, or fail after `seconds` naming what was awaited."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise SeedError(f"gave up after {seconds:g} s waiting for {what}")
        time.sleep(0.2)


class Story:
    """The six-month engagement, told through the public APIs chapter by chapter."""

    def __init__(self, client: Client, urls: Urls, tokens: Tokens, wait: float) -> None:
        self.http, self.urls, self.tokens, self.wait = client, urls, tokens, wait
        self.today = today()
        self.aligned_on = self.today - timedelta(days=183)
        self.due_on = self.aligned_on + timedelta(days=210)
        self.expected: Counter[str] = Counter()
        self.engagement_id = ""
        self.round_ids: list[str] = []
        self.barrier_ids: list[str] = []
        self.kpi_ids: list[str] = []
        self.open_commitments: list[str] = []

    @property
    def assessment(self) -> str:
        """The engagement's URL on the assessment service."""
        return f"{self.urls.assessment}/engagements/{self.engagement_id}"

    @property
    def kpi(self) -> str:
        """The engagement's URL on the kpi service."""
        return f"{self.urls.kpi}/engagements/{self.engagement_id}"

    def on(self, days_after_alignment: int) -> str:
        """An ISO date relative to the KPI alignment session."""
        return (self.aligned_on + timedelta(days=days_after_alignment)).isoformat()

    def coach(self, method: str, url: str, body: Any = None) -> Any:
        """A call as Casey Coach; the answer's body."""
        return self.http.call(method, url, self.tokens.coach, body).body

    def manager(self, method: str, url: str, body: Any = None) -> Any:
        """A call as Dana Manager; the answer's body."""
        return self.http.call(method, url, self.tokens.manager, body).body

    def tell(self) -> None:
        """Every chapter, in the order it happened."""
        self.open_engagement()
        self.baseline_360()
        self.needs_assessment()
        self.align_kpis()
        self.six_months()
        self.pulse_on_listening()
        self.final_360()

    def open_engagement(self) -> None:
        """The coach opens the engagement and names four stakeholders."""
        self.http.chapter = "opening"
        body = {"executive": EXECUTIVE, "manager": MANAGER,
                "programme": f"Personal mastery {self.aligned_on.year}",
                "start_date": self.on(-35)}  # fmt: skip
        self.engagement_id = self.coach("POST", f"{self.urls.assessment}/engagements", body)["id"]
        self.expected["EngagementOpened"] += 1
        for name, relationship in STAKEHOLDERS:
            stakeholder = {"name": name, "contact": _contact(name), "relationship": relationship}
            self.coach("POST", f"{self.assessment}/stakeholders", stakeholder)
            self.expected["StakeholderAdded"] += 1

    def baseline_360(self) -> None:
        """The baseline round: ten raters, a listening blind spot."""
        self.http.chapter = "baseline-360"
        self.run_round("baseline", BASELINE_RATERS)

    def pulse_on_listening(self) -> None:
        """A -3..+3 pulse of the direct reports on listening: it measures the listening KPI."""
        self.http.chapter = "pulse"
        body = {"purpose": "pulse", "competencies": [{"id": "listening"}],
                "closes_on": (self.today + timedelta(days=7)).isoformat()}  # fmt: skip
        self.round_ids.append(self.coach("POST", f"{self.assessment}/rounds", body)["id"])
        round_url = f"{self.assessment}/rounds/{self.round_ids[-1]}"
        for n, rating in enumerate(PULSE_RATINGS):
            name = f"Direct report {n + 1}"
            invitation = {"group": "direct_report", "name": name, "contact": _contact(name)}
            token = self.coach("POST", f"{round_url}/invitations", invitation)["token"]
            self.http.call(
                "POST",
                f"{self.urls.assessment}/feedback",
                None,
                {"ratings": {"listening": rating}},
                {"X-Invitation-Token": token},
            )
        self.coach("POST", f"{round_url}/closure")
        self.expected.update(FeedbackRoundOpened=1, FeedbackRoundClosed=1, MeasurementRecorded=1)
        self.expected.update(RaterInvited=len(PULSE_RATINGS), FeedbackSubmitted=len(PULSE_RATINGS))

    def final_360(self) -> None:
        """The final round, on the same competencies as the baseline."""
        self.http.chapter = "final-360"
        self.run_round("final", FINAL_RATERS)

    def run_round(self, purpose: str, raters: tuple[Rater, ...]) -> None:
        """Open a round, invite, collect each rater's answer, close; the executive reads it."""
        body = {"purpose": purpose, "competencies": [{"id": c} for c in COMPETENCIES],
                "closes_on": (self.today + timedelta(days=14)).isoformat(),
                "results_visible_to_manager": True}  # shared at the three-way debrief  # fmt: skip
        self.round_ids.append(self.coach("POST", f"{self.assessment}/rounds", body)["id"])
        round_url = f"{self.assessment}/rounds/{self.round_ids[-1]}"
        invited = []
        for group, name, _, _ in raters:
            invitation = {"group": group, "name": name, "contact": _contact(name)}
            invited.append(self.coach("POST", f"{round_url}/invitations", invitation)["token"])
        for token, (_, _, ratings, comments) in zip(invited, raters, strict=True):
            answer = {"ratings": dict(zip(COMPETENCIES, ratings, strict=True)),
                      "comments": comments}  # fmt: skip
            self.http.call("POST", f"{self.urls.assessment}/feedback", None, answer,
                           {"X-Invitation-Token": token})  # fmt: skip
        self.coach("POST", f"{round_url}/closure")
        self.http.call("GET", f"{round_url}/results", self.tokens.executive)  # the debrief
        self.expected.update(FeedbackRoundOpened=1, FeedbackRoundClosed=1)
        self.expected.update(RaterInvited=len(raters), FeedbackSubmitted=len(raters))

    def needs_assessment(self) -> None:
        """A profile, two barriers and three development areas; then on to KPI alignment."""
        self.http.chapter = "needs-assessment"
        profile = {
            "instrument": "Hogan HPI",
            "scales": [{"name": "Adjustment", "score": 58}, {"name": "Ambition", "score": 91},
                       {"name": "Interpersonal sensitivity", "score": 34, "band": "low"}],
            "strengths": ["drive", "commercial judgement"],
            "development_needs": ["patience under pressure", "staying with conflict"],
            "administered_on": self.on(-26), "administered_by": COACH["name"],
        }  # fmt: skip
        recorded = self.coach("POST", f"{self.assessment}/profiles", profile)
        profile_id = recorded["profiles"][-1]["id"]
        for description, source, impact, capability in (
            ("Interrupts and answers for others in meetings", "peer", "high", "listening"),
            ("Avoids conflict with the sales leadership", "manager", "medium",
             "tough_conversations"),
        ):  # fmt: skip
            barrier = {"description": description, "source": source, "impact": impact,
                       "capability": capability}  # fmt: skip
            state = self.coach("POST", f"{self.assessment}/barriers", barrier)
            self.barrier_ids.append(state["barriers"][-1]["id"])
        self.select_areas(profile_id)
        self.expected.update({"ProfileRecorded": 1, "BarrierIdentified": 2})
        self.advance("kpi_alignment", "Needs assessment done: baseline 360, profile, areas agreed")

    def select_areas(self, profile_id: str) -> None:
        """Three development areas, linked to the baseline round, the barriers and the profile."""
        baseline = {"kind": "round", "id": self.round_ids[0]}
        interrupts, conflict = ({"kind": "barrier", "id": b} for b in self.barrier_ids)
        profile = {"kind": "profile", "id": profile_id}
        areas = [
            {"capability": "listening", "rationale": "Blind spot in the baseline 360",
             "linked_to": [baseline, interrupts]},
            {"capability": "tough_conversations", "rationale": "The manager's main concern",
             "linked_to": [conflict, profile]},
            {"capability": "accepting_responsibility", "rationale": "Direct reports' comments",
             "linked_to": [baseline]},
        ]  # fmt: skip
        self.coach("PUT", f"{self.assessment}/development-areas", {"areas": areas})
        self.expected["DevelopmentAreasSelected"] += 1

    def advance(self, phase: str, reason: str) -> None:
        """Move the engagement to its next phase."""
        self.coach("POST", f"{self.assessment}/phase", {"phase": phase, "reason": reason})
        self.expected["EngagementPhaseChanged"] += 1

    def align_kpis(self) -> None:
        """Four KPIs proposed; one sent back and revised; all aligned 183 days ago."""
        self.http.chapter = "kpi-alignment"
        self.await_kpi_service()
        for name, kind, capability, unit, baseline, target, direction, weight, _ in KPIS:
            body = {"name": name, "kind": kind, "unit": unit, "baseline": baseline,
                    "target": target, "direction": direction, "weight": weight,
                    "due_on": self.due_on.isoformat()}  # fmt: skip
            if capability:
                body["capability"] = capability
            if unit == "pulse score":  # on the pulse's -3..+3 scale: pulse rounds measure it
                body["measured_by"] = "feedback_rounds"
            self.kpi_ids.append(self.coach("POST", f"{self.kpi}/kpis", body)["id"])
        attrition = f"{self.kpi}/kpis/{self.kpi_ids[1]}"
        comment = {"comment": "8% is not ambitious enough: the industry median is 7%"}
        self.manager("POST", f"{attrition}/send-back", comment)
        self.coach("PATCH", attrition, {"changes": {"target": 7}})
        for kpi_id in self.kpi_ids:
            aligned = {"aligned_on": self.aligned_on.isoformat()}
            self.manager("POST", f"{self.kpi}/kpis/{kpi_id}/approval", aligned)
        self.expected.update({"KpiProposed": 4, "KpiSentBack": 1, "KpiReproposed": 1,
                              "KpiAligned": 4})  # fmt: skip
        self.advance("results_management", "KPIs aligned with Dana Manager")

    def await_kpi_service(self) -> None:
        """Wait until the kpi and reporting workers have read the assessment story so far."""
        # The kpi service learns engagements from the assessment topic. Its worker must also be
        # past the baseline round's closing before KPIs are aligned (it would measure them), and
        # the reporting timeline catching up is the only outside sign of that.
        kpis = f"{self.kpi}/kpis"
        wait_for(lambda: self.http.found(kpis, self.tokens.coach) is not None, self.wait,
                 "the kpi service to learn the engagement")  # fmt: skip
        so_far = sum(self.expected.values())
        wait_for(lambda: self.timeline_total() >= so_far, self.wait,
                 f"the reporting timeline to show {so_far} events")  # fmt: skip

    def six_months(self) -> None:
        """Each month: a coaching session mid-month, then the monthly review."""
        for month in range(1, 7):
            self.http.chapter = f"month-{month}"
            self.session(month)
            review_id = self.review(month)
            self.change_at_review(month, review_id)

    def session(self, month: int) -> None:
        """The month's coaching session: follow-ups of last month's commitments, new ones."""
        kind, minutes, capabilities, commitments, outcomes, notes = SESSIONS[month - 1]
        held_on = self.aligned_on + timedelta(days=30 * (month - 1) + 15)
        body = {
            "held_on": held_on.isoformat(), "duration_minutes": minutes, "kind": kind,
            "capabilities": list(capabilities), "private_notes": notes,
            "commitments": [{"text": text, "due_on": (held_on + timedelta(days=21)).isoformat()}
                            for text in commitments],
            "follow_ups": [{"commitment_id": c, "outcome": outcome, "note": note}
                           for c, (outcome, note) in zip(self.open_commitments, outcomes,
                                                         strict=True)],
        }  # fmt: skip
        recorded = self.coach("POST", f"{self.kpi}/sessions", body)
        self.open_commitments = [c["commitment_id"] for c in recorded["commitments"]]
        self.expected["SessionRecorded"] += 1

    def review(self, month: int) -> str:
        """The monthly review with a measurement of every KPI; its id."""
        held_on = self.on(30 * month)
        attendees = [MANAGER, EXECUTIVE] + ([COACH] if month % 3 == 0 else [])
        measurements = [
            {"kpi_id": kpi_id, "value": value, "measured_on": held_on, "evidence": kpi[-1]}
            for kpi_id, value, kpi in zip(self.kpi_ids, MEASUREMENTS[month - 1], KPIS, strict=True)
        ]
        body = {"held_on": held_on, "attendees": attendees, "measurements": measurements}
        review = self.manager("POST", f"{self.kpi}/reviews", body)
        self.expected.update({"ReviewHeld": 1, "MeasurementRecorded": len(measurements)})
        return str(review["review_id"])

    def change_at_review(self, month: int, review_id: str) -> None:
        """Month 2: a lower revenue target; month 3: a barrier resolved; month 4: new weights."""
        if month == 2:
            change = {"changes": {"target": 95}, "review_id": review_id,
                      "reason": "market contraction in EMEA"}  # fmt: skip
            self.manager("PATCH", f"{self.kpi}/kpis/{self.kpi_ids[0]}", change)
            self.expected["KpiRevised"] += 1
        elif month == 3:
            note = {"note": "Meeting norms agreed with the leadership team; peers see the change"}
            self.coach("POST", f"{self.assessment}/barriers/{self.barrier_ids[0]}/resolution", note)
            self.expected["BarrierResolved"] += 1
        elif month == 4:
            weights = {
                "weights": {self.kpi_ids[0]: 30, self.kpi_ids[1]: 30},
                "review_id": review_id,
                "reason": "Attrition is at risk: retention now weighs as much as revenue",
            }
            self.manager("PUT", f"{self.kpi}/kpis/weights", weights)
            self.expected["KpiRevised"] += 2

    def timeline_total(self) -> int:
        """How many events the reporting timeline shows (0 while it does not know us yet)."""
        found = self.http.found(f"{self.timeline_url}?limit=1", self.tokens.manager)
        return int(found.body["total"]) if found else 0

    @property
    def timeline_url(self) -> str:
        """The engagement's timeline on the reporting service."""
        return f"{self.urls.reporting}/engagements/{self.engagement_id}/timeline"

    def timeline_counts(self) -> Counter[str]:
        """Events per type on the reporting timeline, every page of it."""
        counts: Counter[str] = Counter()
        offset, total = 0, 1
        while offset < total:
            page = self.manager("GET", f"{self.timeline_url}?limit=500&offset={offset}")
            counts.update(entry["event"] for entry in page["entries"])
            offset, total = offset + 500, int(page["total"])
        return counts


def _contact(name: str) -> str:
    """A made-up e-mail address for a person in the story."""
    return name.lower().replace(" ", ".") + "@example.org"


def tokens_for(tenant: str, env: Mapping[str, str] | None) -> Tokens:
    """Development tokens for the coach, the manager and the executive."""
    config = ServiceConfig.from_env("demo", env=env)

    def token(person: Mapping[str, str], role: str) -> str:
        """A token for one person in one role."""
        return mint(config.jwt_secret, subject=person["id"], tenant=tenant, roles=[role],
                    issuer=config.jwt_issuer, audience=config.jwt_audience,
                    name=person["name"])  # fmt: skip

    return Tokens(token(COACH, "coach"), token(MANAGER, "manager"), token(EXECUTIVE, "executive"))


def urls_for(args: argparse.Namespace, env: Mapping[str, str] | None) -> Urls:
    """The profile's API URLs, each overridable on the command line."""
    profile = infra.Profile.from_name(args.profile, env)
    found = {p.name.removesuffix("-api"): p.url for p in stack.processes(profile, env) if p.port}
    return Urls(*((getattr(args, name) or found[name]).rstrip("/") for name in stack.SERVICES))


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="dev", choices=tuple(stack.BASE_PORTS))
    for service in stack.SERVICES:
        parser.add_argument(f"--{service}", metavar="URL", help=f"the {service} API's base URL")
    parser.add_argument("--tenant", default="acme", help="the organisation (default: acme)")
    parser.add_argument(
        "--wait", type=float, default=30.0, metavar="SECONDS",
        help="how long to wait for the workers to catch up (default: 30)",
    )  # fmt: skip
    return parser.parse_args(argv)


def report(story: Story, counts: Counter[str], seconds: float) -> None:
    """Where to look, and a curl line to read the timeline as the manager."""
    reporting = f"{story.urls.reporting}/engagements/{story.engagement_id}"
    print(f"\nSeeded a six-month engagement in {seconds:.1f} s.")
    print(f"engagement  {story.engagement_id}")
    print(f"events      {sum(counts.values())} on the reporting timeline:")
    for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {count:>4}  {name}")
    print(f"dashboard   {reporting}/dashboard?access_token={story.tokens.manager}")
    print(f"timeline    {reporting}/timeline")
    print(f"\nAs {MANAGER['name']} (token valid for 8 hours; the dashboard link carries it):")
    bearer = f"Authorization: Bearer {story.tokens.manager}"
    print(f"curl -s '{reporting}/timeline?limit=500' -H '{bearer}'")


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Seed the engagement, wait for the reporting timeline, print where to look."""
    args = parse(argv)
    started = time.monotonic()
    story = Story(Client(uuid.uuid4().hex[:8]), urls_for(args, env),
                  tokens_for(args.tenant, env), args.wait)  # fmt: skip
    try:
        story.tell()
        expected = sum(story.expected.values())
        wait_for(lambda: story.timeline_total() >= expected, args.wait,
                 f"the reporting timeline to show all {expected} events"
                 " (are the kpi and reporting workers running?)")  # fmt: skip
        counts = story.timeline_counts()
    except SeedError as exc:
        where = f" (engagement {story.engagement_id})" if story.engagement_id else ""
        print(f"demo seed failed{where}: {exc}", file=sys.stderr)
        return 1
    report(story, counts, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
