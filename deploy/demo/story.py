"""The demo engagement's people and shared state: what every chapter of the story builds on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from deploy.demo.client import Client
from shared.auth.tokens import mint
from shared.clock import today
from shared.config import ServiceConfig

COACH = {"id": "coach-1", "name": "Casey Coach"}
EXECUTIVE = {"id": "exec-1", "name": "Alex Executive"}
MANAGER = {"id": "mgr-1", "name": "Dana Manager"}


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


def tokens_for(tenant: str, env: Mapping[str, str] | None) -> Tokens:
    """Development tokens for the coach, the manager and the executive."""
    config = ServiceConfig.from_env("demo", env=env)

    def token(person: Mapping[str, str], role: str) -> str:
        """A token for one person in one role."""
        return mint(config.jwt_secret, subject=person["id"], tenant=tenant, roles=[role],
                    issuer=config.jwt_issuer, audience=config.jwt_audience,
                    name=person["name"])  # fmt: skip

    return Tokens(token(COACH, "coach"), token(MANAGER, "manager"), token(EXECUTIVE, "executive"))


def contact(name: str) -> str:
    """A made-up e-mail address for a person in the story."""
    return name.lower().replace(" ", ".") + "@example.org"


class Story:
    """The six-month engagement so far: ids the APIs gave back, and the events to expect."""

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

    @property
    def timeline_url(self) -> str:
        """The engagement's timeline on the reporting service."""
        return f"{self.urls.reporting}/engagements/{self.engagement_id}/timeline"

    def on(self, days_after_alignment: int) -> str:
        """An ISO date relative to the KPI alignment session."""
        return (self.aligned_on + timedelta(days=days_after_alignment)).isoformat()

    def coach(self, method: str, url: str, body: Any = None) -> Any:
        """A call as Casey Coach; the answer's body."""
        return self.http.call(method, url, self.tokens.coach, body).body

    def manager(self, method: str, url: str, body: Any = None) -> Any:
        """A call as Dana Manager; the answer's body."""
        return self.http.call(method, url, self.tokens.manager, body).body

    def advance(self, phase: str, reason: str) -> None:
        """Move the engagement to its next phase."""
        self.coach("POST", f"{self.assessment}/phase", {"phase": phase, "reason": reason})
        self.expected["EngagementPhaseChanged"] += 1

    def timeline_total(self) -> int:
        """How many events the reporting timeline shows (0 while it does not know us yet)."""
        found = self.http.found(f"{self.timeline_url}?limit=1", self.tokens.manager)
        return int(found.body["total"]) if found else 0

    def timeline_counts(self) -> Counter[str]:
        """Events per type on the reporting timeline, every page of it."""
        counts: Counter[str] = Counter()
        offset, total = 0, 1
        while offset < total:
            page = self.manager("GET", f"{self.timeline_url}?limit=500&offset={offset}")
            counts.update(entry["event"] for entry in page["entries"])
            offset, total = offset + 500, int(page["total"])
        return counts
