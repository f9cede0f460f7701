"""Engagement directory: each engagement's tenant, participants and phase, from the
assessment topic. The reporting service checks access with it; the kpi service learns
which engagements exist and who their manager is (it never calls another service)."""

from __future__ import annotations

import abc
import copy
import threading
from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.database import Database

from shared.events.envelope import event_name
from shared.projections.writes import insert_once

COLLECTION = "engagements"


class EngagementDirectory(abc.ABC):
    """Contract: `handle` applies assessment events idempotently (a replayed or older event
    changes nothing); `find` returns the engagement document of a tenant, or None."""

    @abc.abstractmethod
    def setup(self) -> None:
        """Prepare storage (indexes)."""

    @abc.abstractmethod
    def handle(self, envelope: dict[str, Any]) -> None:
        """Apply one event."""

    @abc.abstractmethod
    def find(self, tenant: str, engagement_id: str) -> dict[str, Any] | None:
        """The engagement of this tenant, or None."""


def opened_document(envelope: dict[str, Any]) -> dict[str, Any]:
    """The directory entry an EngagementOpened event creates."""
    data = envelope["data"]
    return {
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


def changes(name: str, data: dict[str, Any]) -> dict[str, Any]:
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


class MongoEngagementDirectory(EngagementDirectory):
    """One document per engagement, with the stream version last applied."""

    def __init__(self, engagements: Collection[Any]) -> None:
        self._engagements = engagements

    @classmethod
    def of(cls, database: Database[Any]) -> MongoEngagementDirectory:
        """The directory in a service database's `engagements` collection."""
        return cls(database[COLLECTION])

    def setup(self) -> None:
        self._engagements.create_index([("tenant", ASCENDING), ("manager.id", ASCENDING)])
        self._engagements.create_index([("tenant", ASCENDING), ("coach.id", ASCENDING)])
        self._engagements.create_index([("tenant", ASCENDING), ("executive.id", ASCENDING)])

    def handle(self, envelope: dict[str, Any]) -> None:
        name, data = event_name(envelope["type"]), envelope["data"]
        if name == "EngagementOpened":
            insert_once(
                self._engagements, {"_id": data["engagement_id"], **opened_document(envelope)}
            )
        elif update := changes(name, data):
            version = envelope["streamversion"]
            self._engagements.update_one(
                {"_id": data["engagement_id"], "version": {"$lt": version}},
                {"$set": update | {"version": version}},
            )

    def find(self, tenant: str, engagement_id: str) -> dict[str, Any] | None:
        return self._engagements.find_one({"_id": engagement_id, "tenant": tenant})


class MemoryEngagementDirectory(EngagementDirectory):
    """The same directory in a dict: the fake for unit tests."""

    def __init__(self) -> None:
        self._engagements: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def setup(self) -> None:
        pass  # nothing to prepare in memory

    def handle(self, envelope: dict[str, Any]) -> None:
        name, data = event_name(envelope["type"]), envelope["data"]
        update = changes(name, data)
        with self._lock:
            current = self._engagements.get(data["engagement_id"])
            if name == "EngagementOpened" and current is None:
                self._engagements[data["engagement_id"]] = opened_document(envelope)
            elif update and current and current["version"] < envelope["streamversion"]:
                current.update(update | {"version": envelope["streamversion"]})

    def find(self, tenant: str, engagement_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._engagements.get(engagement_id)
            if found is None or found["tenant"] != tenant:
                return None
            return copy.deepcopy(found) | {"_id": engagement_id}
