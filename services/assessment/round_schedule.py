"""The rounds still open, with their closing dates: what the schedule policy
(policies.close_due_rounds) reads, so that finding the rounds due costs the rounds open now,
never the whole history.

The assessment worker keeps it from its own topic (a consumer in its own group, from the
earliest offset: a new deployment fills it from every round ever opened): a round's
FeedbackRoundOpened adds it, its FeedbackRoundClosed removes it. Applying an event twice
changes nothing. A redelivered opening after the closing can put a closed round back; the
policy loads each round it finds due and forgets one already closed.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Mapping
from datetime import date
from typing import Any

from pymongo.collection import Collection
from pymongo.database import Database

from shared.events.envelope import event_name
from shared.projections.writes import insert_once

COLLECTION = "round_schedule"
OPENED, CLOSED = "FeedbackRoundOpened", "FeedbackRoundClosed"


class RoundSchedule(abc.ABC):
    """Open rounds by stream id, each with its tenant and closing date."""

    def handle(self, envelope: Mapping[str, Any]) -> None:
        """Apply one assessment event (others are ignored)."""
        name = event_name(str(envelope["type"]))
        if name == OPENED:
            data = envelope["data"]
            self.add(str(envelope["streamid"]), str(envelope["tenant"]), str(data["closes_on"]))
        elif name == CLOSED:
            self.forget(str(envelope["streamid"]))

    def due(self, today: date) -> list[str]:
        """Stream ids of the open rounds whose closing date lies before today, by date."""
        entries = sorted(self.entries(), key=lambda e: (e["closes_on"], e["_id"]))
        return [e["_id"] for e in entries if date.fromisoformat(e["closes_on"]) < today]

    @abc.abstractmethod
    def add(self, stream_id: str, tenant: str, closes_on: str) -> None:
        """The round is open until `closes_on` (kept as first added)."""

    @abc.abstractmethod
    def forget(self, stream_id: str) -> None:
        """The round is closed."""

    @abc.abstractmethod
    def entries(self) -> list[dict[str, Any]]:
        """Every open round: `_id` (its stream), `tenant`, `closes_on` (ISO date)."""


class MongoRoundSchedule(RoundSchedule):
    """One small document per open round; the policy reads them all (the open rounds only)."""

    def __init__(self, collection: Collection[Any]) -> None:
        self._rounds = collection

    @classmethod
    def of(cls, database: Database[Any]) -> MongoRoundSchedule:
        return cls(database[COLLECTION])

    def add(self, stream_id: str, tenant: str, closes_on: str) -> None:
        insert_once(self._rounds, {"_id": stream_id, "tenant": tenant, "closes_on": closes_on})

    def forget(self, stream_id: str) -> None:
        self._rounds.delete_one({"_id": stream_id})

    def entries(self) -> list[dict[str, Any]]:
        return [dict(doc) for doc in self._rounds.find()]


class MemoryRoundSchedule(RoundSchedule):
    """The same, in memory (unit tests)."""

    def __init__(self) -> None:
        self._rounds: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def add(self, stream_id: str, tenant: str, closes_on: str) -> None:
        with self._lock:
            self._rounds.setdefault(
                stream_id, {"_id": stream_id, "tenant": tenant, "closes_on": closes_on}
            )

    def forget(self, stream_id: str) -> None:
        with self._lock:
            self._rounds.pop(stream_id, None)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._rounds.values()]
