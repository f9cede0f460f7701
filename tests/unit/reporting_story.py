"""An engagement's story told through the real assessment and kpi apps (in-memory stores) and
projected by the reporting service's own Projector into an in-memory database: the read
models the query and route tests of reporting read. No I/O.

The story: an engagement (coach c1, manager m1, executive x1 of tenant acme) moved to KPI
alignment, two development area selections, a baseline 360 shared with the manager, two
performance KPIs and a behavioural one on listening aligned, a review measuring one and
changing its target, a pulse on listening not shared with the manager (which measures the
behavioural KPI), then a coach change. A second engagement of tenant globex, with the same
people's ids, must never show through.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

from pymongo.database import Database

from services.assessment.app import create_app as assessment_app
from services.kpi.app import create_app as kpi_app
from services.kpi.domain.status import StatusThresholds
from services.kpi.handlers.base import Services
from services.kpi.policies import measure_kpis_from_closed_round
from services.reporting.projections.read_models import ReadModels
from services.reporting.projector import Projector
from services.reporting.webhooks.resources import WebhookResources
from shared.clock import Clock
from shared.config import ServiceConfig
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.privacy.key_store import MemoryKeyTable
from shared.privacy.sealing import Opener
from shared.projections.engagement_directory import MemoryEngagementDirectory
from shared.resources import Resources
from tests.unit.api_helpers import CONFIG, ENGAGEMENT, bearer
from tests.unit.memory_collection import MemoryDatabase

TODAY = date.today()
SOON = (TODAY + timedelta(days=20)).isoformat()
DUE = (TODAY + timedelta(days=180)).isoformat()
LISTENING = {"name": "Listening in 1:1s", "kind": "behavioural", "capability": "listening",
             "unit": "pulse", "baseline": -1, "target": 2, "direction": "increase",
             "weight": 20, "due_on": DUE, "measured_by": "feedback_rounds"}  # fmt: skip
RATERS = ["self", "manager", "peer", "peer", "peer"]
# Every service's subject keys in one table: what the subject-keys topic gives each service
KEYS = MemoryKeyTable()


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


class Story:
    """Both write services over in-memory stores, for one tenant."""

    def __init__(self, tenant: str) -> None:
        self.coach = bearer("c1", tenant, ["coach"])
        self.manager = bearer("m1", tenant, ["manager"])
        self.assessment_store, self.kpi_store = MemoryEventStore(), MemoryEventStore()
        self.directory = MemoryEngagementDirectory()
        resources = Resources(CONFIG, event_store=self.assessment_store, key_table=KEYS)
        self.assessment = assessment_app(CONFIG, resources).test_client()
        kpi_resources = Resources(CONFIG, event_store=self.kpi_store, directory=self.directory,
                                  key_table=KEYS)  # fmt: skip
        self.kpi_keys = kpi_resources.subject_keys
        self.kpi = kpi_app(CONFIG, kpi_resources).test_client()
        self.base = ""

    def open(self) -> str:
        """Open the engagement, move it on, select development areas; its id."""
        opened = ok(self.assessment.post("/engagements", json=ENGAGEMENT, headers=self.coach))
        self.base = f"/engagements/{opened['id']}"
        ok(self.assessment.post(f"{self.base}/phase", json={"phase": "kpi_alignment"},
                                headers=self.coach))  # fmt: skip
        for capability in ("listening", "custom:delegation"):
            areas = {"areas": [{"capability": capability, "rationale": "peers said so"}]}
            ok(self.assessment.put(f"{self.base}/development-areas", json=areas,
                                   headers=self.coach))  # fmt: skip
        return str(opened["id"])

    def round(self, purpose: str, shared: bool) -> None:
        """Open, answer and close a round on listening (a pulse measures the behavioural KPI)."""
        body = {"purpose": purpose, "competencies": [{"id": "listening"}], "closes_on": SOON,
                "results_visible_to_manager": shared}  # fmt: skip
        opened = ok(self.assessment.post(f"{self.base}/rounds", json=body, headers=self.coach))
        round_url = f"{self.base}/rounds/{opened['id']}"
        for n, group in enumerate(RATERS):
            rater = {"group": group, "name": f"Rater {n}", "contact": f"r{n}@example.org"}
            invited = self.assessment.post(f"{round_url}/invitations", json=rater,
                                           headers=self.coach)  # fmt: skip
            low = -3 if purpose == "pulse" else 1
            answer = {"ratings": {"listening": low + 1 + n % 3}}
            token = {"X-Invitation-Token": ok(invited)["token"]}
            ok(self.assessment.post("/feedback", json=answer, headers=token))
        ok(self.assessment.post(f"{round_url}/closure", headers=self.coach))
        self._measure_from(self.assessment_events()[-1])

    def _measure_from(self, closed: dict[str, Any]) -> None:
        thresholds = StatusThresholds(CONFIG.on_track_below, CONFIG.at_risk_up_to)
        adapters = SimpleNamespace(event_store=self.kpi_store, engagement_directory=self.directory,
                                   subject_keys=self.kpi_keys)  # fmt: skip
        clock = Clock(lambda: datetime.combine(TODAY, time(12), UTC))
        measure_kpis_from_closed_round(Services(adapters, clock, thresholds), closed)

    def kpis(self) -> list[str]:
        """Propose and align three KPIs; a review measures the first and changes its target."""
        for envelope in self.assessment_events():
            self.directory.handle(envelope)
        api, ids = f"{self.base}", []
        for name, weight in (("Net revenue retention", 50), ("Board confidence", 30)):
            kpi = {"name": name, "kind": "performance", "unit": "%", "baseline": 90, "target": 96,
                   "direction": "increase", "weight": weight, "due_on": DUE}  # fmt: skip
            ids.append(ok(self.kpi.post(f"{api}/kpis", json=kpi, headers=self.coach))["id"])
        ids.append(ok(self.kpi.post(f"{api}/kpis", json=LISTENING, headers=self.coach))["id"])
        for kpi_id in ids:
            ok(self.kpi.post(f"{api}/kpis/{kpi_id}/approval", json={"weights": {}},
                             headers=self.manager))  # fmt: skip
        review = {"held_on": TODAY.isoformat(), "attendees": [{"id": "m1", "name": "Dana"}],
                  "measurements": [{"kpi_id": ids[0], "value": 91,
                                    "measured_on": TODAY.isoformat()}]}  # fmt: skip
        review_id = ok(self.kpi.post(f"{api}/reviews", json=review, headers=self.manager))
        change = {"changes": {"target": 95}, "reason": "market",
                  "review_id": review_id["review_id"]}  # fmt: skip
        ok(self.kpi.patch(f"{api}/kpis/{ids[0]}", json=change, headers=self.manager))
        return ids

    def change_coach(self) -> None:
        coach = {"id": "c2", "name": "Cory", "reason": "rotation"}
        ok(self.assessment.put(f"{self.base}/coach", json=coach, headers=self.coach))

    def assessment_events(self) -> list[dict[str, Any]]:
        return events(self.assessment_store)

    def all_events(self) -> list[dict[str, Any]]:
        return self.assessment_events() + events(self.kpi_store)


def events(store: MemoryEventStore) -> list[dict[str, Any]]:
    return [e for commit in store.unpublished(limit=10_000) for e in commit.events]


def told(tenant: str = "acme") -> tuple[Story, str, list[str]]:
    """The whole story of one engagement of `tenant`: the story, engagement and KPI ids."""
    story = Story(tenant)
    engagement = story.open()
    story.round("baseline", shared=True)
    kpis = story.kpis()
    story.round("pulse", shared=False)
    story.change_coach()
    return story, engagement, kpis


def project(database: Any, envelopes: list[dict[str, Any]]) -> None:
    """Every event through the reporting Projector into generation 0 of `database`."""
    projector = Projector(database, generation=0)
    projector.setup()
    for envelope in envelopes:
        projector(envelope)


class MemoryResources(WebhookResources):
    """Resources whose database is in memory (nothing else is ever opened)."""

    def __init__(
        self, config: ServiceConfig, database: MemoryDatabase, event_store: Any = None
    ) -> None:
        super().__init__(config, event_store=event_store, key_table=KEYS)
        self._memory = database

    @property
    def database(self) -> Database[Any]:
        return self._memory  # type: ignore[return-value]


class Projected:
    """Two tenants' stories in one in-memory database (generation 0)."""

    def __init__(self) -> None:
        acme, self.engagement, self.kpis = told("acme")
        globex, self.foreign_engagement, _ = told("globex")
        self.database = MemoryDatabase()
        project(self.database, acme.all_events() + globex.all_events())
        for collection in self.database.collections.values():
            collection.filters.clear()  # what the projections asked is not the queries' doing

    def read(self) -> ReadModels:
        """The read models as the queries read them: personal values opened."""
        keys = MemoryResources(CONFIG, self.database).subject_keys
        return ReadModels(self.database, 0, Opener(keys))  # type: ignore[arg-type]


@functools.cache
def projected() -> Projected:
    """The projected stories, told once per test session (tests only read them)."""
    return Projected()
