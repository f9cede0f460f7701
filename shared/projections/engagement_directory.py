"""Engagement directory: each engagement's tenant, participants and phase, from the
assessment topic. The reporting service checks access with it; the kpi service learns
which engagements exist and who their manager is (it never calls another service)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from shared.events.envelope import event_name

COLLECTION = "engagements"


class EngagementDirectory:
    """One document per engagement: tenant, participants, phase, last applied version."""

    def __init__(self, database: Database[Any]) -> None:
        self._engagements = database[COLLECTION]

    def setup(self) -> None:
        """Indexes for the queries that read this model."""
        self._engagements.create_index([("tenant", ASCENDING), ("manager.id", ASCENDING)])
        self._engagements.create_index([("tenant", ASCENDING), ("coach.id", ASCENDING)])
        self._engagements.create_index([("tenant", ASCENDING), ("executive.id", ASCENDING)])

    def handle(self, envelope: dict[str, Any]) -> None:
        """Apply one event; a replayed or older event leaves the document as it was."""
        name, data = event_name(envelope["type"]), envelope["data"]
        if name == "EngagementOpened":
            self._open(envelope, data)
        elif changes := _changes(name, data):
            version = envelope["streamversion"]
            self._engagements.update_one(
                {"_id": data["engagement_id"], "version": {"$lt": version}},
                {"$set": changes | {"version": version}},
            )

    def _open(self, envelope: dict[str, Any], data: dict[str, Any]) -> None:
        document = {
            "tenant": envelope["tenant"],
            "executive": data["executive"],
            "coach": data["coach"],
            "manager": data["manager"],
            "programme": data["programme"],
            "start_date": data["start_date"],
            "phase": "needs_assessment",
            "opened_at": envelope["time"],
            "version": envelope["streamversion"],
        }
        self._engagements.update_one(
            {"_id": data["engagement_id"]}, {"$setOnInsert": document}, upsert=True
        )

    def find(self, tenant: str, engagement_id: str) -> dict[str, Any] | None:
        """The engagement of this tenant, or None."""
        return self._engagements.find_one({"_id": engagement_id, "tenant": tenant})


def _changes(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """The directory fields an engagement event changes."""
    if name == "CoachAssigned":
        return {"coach": data["coach"]}
    if name == "ManagerAssigned":
        return {"manager": data["manager"]}
    if name == "EngagementPhaseChanged":
        return {"phase": data["to_phase"]}
    if name == "EngagementCancelled":
        return {"phase": "cancelled"}
    return {}
