"""Event store on MongoDB (or FerretDB): one document per commit; the commits are the outbox.

Optimistic concurrency without transactions: a writer appends only when the
stream's head equals its expected version, and the commit's `_id` (stream and
start version) is unique, so of two writers at the same head one insert fails.
Commits tile each stream without overlap, because a writer can only expect a
version that some earlier commit ended at.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shared.eventstore.port import Commit, ConcurrencyConflict, EventStore, with_private

COLLECTION = "commits"


class MongoEventStore(EventStore):
    """Commits in one collection; a stream is the commits sharing `stream`."""

    def __init__(self, database: Database[Any], collection: str = COLLECTION) -> None:
        self._commits: Collection[Any] = database[collection]

    def setup(self) -> None:
        """Create the indexes (idempotent)."""
        self._commits.create_index(
            [("stream", ASCENDING), ("start", ASCENDING)], unique=True, name="stream_start"
        )
        self._commits.create_index([("published", ASCENDING), ("seq", ASCENDING)], name="outbox")
        self._commits.create_index(
            [("subject", ASCENDING), ("tenant", ASCENDING), ("start", ASCENDING)], name="subject"
        )

    def append(self, commit: Commit) -> None:
        current = self.version(commit.stream_id)
        if commit.start != current:
            raise ConcurrencyConflict(
                f"stream {commit.stream_id} is at version {current}, not {commit.start}"
            )
        try:
            self._commits.insert_one(_document(commit))
        except DuplicateKeyError as exc:
            raise ConcurrencyConflict(
                f"stream {commit.stream_id} moved past version {commit.start}"
            ) from exc

    def load(self, stream_id: str) -> list[dict[str, Any]]:
        cursor = self._commits.find({"stream": stream_id}).sort("start", ASCENDING)
        return [event for doc in cursor for event in with_private(_commit(doc))]

    def version(self, stream_id: str) -> int:
        head = self._commits.find_one(
            {"stream": stream_id}, {"end": 1}, sort=[("start", DESCENDING)]
        )
        return int(head["end"]) if head else 0

    def stream_ids(self, tenant: str, subject: str, prefix: str = "") -> list[str]:
        cursor = self._commits.find(
            {"subject": subject, "tenant": tenant, "start": 0}, {"stream": 1}
        ).sort("seq", ASCENDING)
        return [doc["stream"] for doc in cursor if doc["stream"].startswith(prefix)]

    def events_of_type(self, event_type: str) -> list[dict[str, Any]]:
        cursor = self._commits.find({"events.type": event_type}, {"events": 1}).sort("seq", 1)
        return [e for doc in cursor for e in doc["events"] if e["type"] == event_type]

    def unpublished(self, limit: int = 100) -> list[Commit]:
        cursor = (
            self._commits.find({"published": False}, {"private": 0})
            .sort([("seq", ASCENDING), ("stream", ASCENDING), ("start", ASCENDING)])
            .limit(limit)
        )
        return [_commit(doc) for doc in cursor]

    def mark_published(self, commit_ids: list[str]) -> None:
        if commit_ids:
            self._commits.update_many(
                {"_id": {"$in": commit_ids}},
                {"$set": {"published": True, "published_at": datetime.now(UTC)}},
            )


def _document(commit: Commit) -> dict[str, Any]:
    return {
        "_id": commit.id,
        "stream": commit.stream_id,
        "tenant": commit.tenant,
        "subject": commit.subject,
        "start": commit.start,
        "end": commit.end,
        "events": list(commit.events),
        "private": list(commit.private),
        "published": False,
        "recorded_at": datetime.now(UTC),
        # nanoseconds: orders commits finer than BSON dates (milliseconds) can
        "seq": time.time_ns(),
    }


def _commit(doc: dict[str, Any]) -> Commit:
    return Commit(
        stream_id=doc["stream"],
        tenant=doc["tenant"],
        subject=doc["subject"],
        start=doc["start"],
        events=tuple(doc["events"]),
        commit_id=doc["_id"],
        private=tuple(doc.get("private") or ()),
    )
