"""The closed engagements whose personal data may still be held: what the retention policy
(policies.erase_expired) reads, so that a pass costs the engagements closed and not yet
erased, never the whole history.

The assessment worker keeps it from its own topic (a consumer in its own group, from the
earliest offset: a new deployment fills it from every engagement ever closed): an
engagement's EngagementPhaseChanged to completed, or its EngagementCancelled, adds it with
the time it closed. The policy forgets it once everyone it erases is erased. Applying an
event twice changes nothing (the first closing is kept).
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Mapping
from typing import Any

from pymongo.collection import Collection
from pymongo.database import Database

from shared.events.envelope import event_name
from shared.projections.writes import insert_once

COLLECTION = "retention_due"


def closed_at(envelope: Mapping[str, Any]) -> str | None:
    """The time an assessment event closed its engagement, or None."""
    name, data = event_name(str(envelope["type"])), envelope.get("data") or {}
    if name == "EngagementCancelled" or (
        name == "EngagementPhaseChanged" and data.get("to_phase") == "completed"
    ):
        return str(envelope["time"])
    return None


class RetentionDue(abc.ABC):
    """Closed engagements by stream id, each with its tenant, id and closing time."""

    def handle(self, envelope: Mapping[str, Any]) -> None:
        """Apply one assessment event (others are ignored)."""
        when = closed_at(envelope)
        if when is not None:
            self.add({"_id": str(envelope["streamid"]), "tenant": str(envelope["tenant"]),
                      "engagement_id": str(envelope["subject"]), "closed_at": when,
                      "people_erased": False})  # fmt: skip

    @abc.abstractmethod
    def add(self, entry: dict[str, Any]) -> None:
        """The engagement closed (kept as first added)."""

    @abc.abstractmethod
    def mark_people_erased(self, stream_id: str) -> None:
        """Its stakeholders and raters are erased; its executive waits for their other
        engagements to expire."""

    @abc.abstractmethod
    def forget(self, stream_id: str) -> None:
        """Everyone the policy erases of the engagement is erased."""

    @abc.abstractmethod
    def entries(self) -> list[dict[str, Any]]:
        """Every entry: `_id` (the stream), `tenant`, `engagement_id`, `closed_at`,
        `people_erased`."""


class MongoRetentionDue(RetentionDue):
    """One small document per closed engagement not erased yet; a pass reads them all."""

    def __init__(self, collection: Collection[Any]) -> None:
        self._entries = collection

    @classmethod
    def of(cls, database: Database[Any]) -> MongoRetentionDue:
        return cls(database[COLLECTION])

    def add(self, entry: dict[str, Any]) -> None:
        insert_once(self._entries, entry)

    def mark_people_erased(self, stream_id: str) -> None:
        self._entries.update_one({"_id": stream_id}, {"$set": {"people_erased": True}})

    def forget(self, stream_id: str) -> None:
        self._entries.delete_one({"_id": stream_id})

    def entries(self) -> list[dict[str, Any]]:
        return [dict(doc) for doc in self._entries.find()]


class MemoryRetentionDue(RetentionDue):
    """The same, in memory (unit tests)."""

    def __init__(self) -> None:
        self._entries: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.setdefault(entry["_id"], dict(entry))

    def mark_people_erased(self, stream_id: str) -> None:
        with self._lock:
            if stream_id in self._entries:
                self._entries[stream_id]["people_erased"] = True

    def forget(self, stream_id: str) -> None:
        with self._lock:
            self._entries.pop(stream_id, None)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._entries.values()]
